#!/usr/bin/env python3
"""Writes benchmarks/tuner_quality_table.csv: every point of the tuner quality benchmark's design
space with its two objectives, for benchmarks/tuner_quality.cpp and tuner_quality_optuna.py.

Space (9,216 points): rows and cols in {4, 8, ..., 128}, dataflow in {os, ws, is}, and the GEMM
tile the driver sends to the array, tile in {full, 256, 64}: each GEMM is split into M x N tiles
of at most `tile` (K whole), each tile a separate gemm_cycles call.
Objective 1 (cycles): the sum over five ResNet-50 layers (as GEMMs, SCALE-Sim's M = ofmap pixels,
N = filters, K = R*S*C) of compute.systolic's closed-form gemm_cycles (re-derived below from
plugins/compute/systolic/systolic_model.hpp). Objective 2 (area_mm2): rows * cols * pe_area_mm2 with the
plugin's default 0.000318 mm^2.
"""
import csv
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
LAYERS = ["conv1", "layer1.0.conv2", "layer2.0.conv3", "layer3.1.conv1", "layer4.0.conv2"]
ROWS = list(range(4, 129, 4))
COLS = list(range(4, 129, 4))
DATAFLOWS = ["os", "ws", "is"]
TILES = ["full", "256", "64"]
PE_AREA_MM2 = 0.000318


def ceil_div(a, b):
    return -(-a // b)


def gemm_cycles(dataflow, rows, cols, m, n, k):
    """compute.systolic's gemm_cycles (systolic_model.hpp)."""
    if m == 0 or n == 0 or k == 0:
        return 0
    sr, sc, t, pre = m, n, k, 0
    if dataflow == "ws":
        sr, sc, t, pre = k, n, m, rows
    elif dataflow == "is":
        sr, sc, t, pre = k, m, n, rows
    folds = ceil_div(sr, rows) * ceil_div(sc, cols)
    return folds * (pre + rows + cols + t - 2) - 1


def gemms():
    out = []
    with open(HERE / "validation/topologies/resnet50.csv") as f:
        for row in csv.reader(f):
            if not row or row[0].strip() not in LAYERS:
                continue
            h, w, r, s, c, nf, st = (int(x) for x in row[1:8])
            oh, ow = (h - r) // st + 1, (w - s) // st + 1
            out.append((oh * ow, nf, r * s * c))
    assert len(out) == len(LAYERS)
    return out


def chunks(total, tile):
    if tile is None or tile >= total:
        return [total]
    return [tile] * (total // tile) + ([total % tile] if total % tile else [])


def main():
    shapes = gemms()
    with open(HERE / "tuner_quality_table.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["rows", "cols", "dataflow", "tile", "cycles", "area_mm2"])
        for rows in ROWS:
            for cols in COLS:
                for df in DATAFLOWS:
                    for tile in TILES:
                        t = None if tile == "full" else int(tile)
                        cycles = sum(gemm_cycles(df, rows, cols, mi, ni, k)
                                     for m, n, k in shapes for mi in chunks(m, t) for ni in chunks(n, t))
                        w.writerow([rows, cols, df, tile, cycles, f"{rows * cols * PE_AREA_MM2:.9g}"])
    print("GEMMs (M, N, K):", shapes)


if __name__ == "__main__":
    main()
