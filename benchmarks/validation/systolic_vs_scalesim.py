#!/usr/bin/env python3
"""compute.systolic against SCALE-Sim: compute cycles of every layer of ResNet-50 and of one
BERT-base encoder layer, on 32x32 and 128x128 arrays, in os, ws and is dataflow.

Both sides see the same GEMM per layer: SCALE-Sim's own topology reader turns each row of
topologies/*.csv into M (ofmap pixels), N (filters) and K (window size). SCALE-Sim simulates each
layer as written (conv layers as convolutions) in its bandwidth-estimating mode with large
SRAMs, so no memory stall appears; its "Total Cycles" (stall cycles must be 0) is the reference.
archlab runs the real compute.systolic plugin through `archlab run`: one ensemble run per array
and dataflow, one replica per layer shape, each a workload.gemm_driver sending one M x N x K tile;
the cycles come back from the run's HDF5 file (the driver's and the array's statistics, which
must agree). Every layer must be within 1%.

SCALE-Sim is slow (about half an hour for everything on one core): its results are kept in
scalesim_reference.csv and reused when the SCALE-Sim version matches; --fresh runs it again.

Setup (SCALE-Sim 3.0.0 needs NumPy < 2):
    python3 -m venv /tmp/scalesim-venv
    /tmp/scalesim-venv/bin/pip install scalesim "numpy<2" "pandas<3" h5py
    cmake --build build --target archlab archlab_systolic archlab_gemm_driver
    /tmp/scalesim-venv/bin/python benchmarks/validation/systolic_vs_scalesim.py --jobs 2
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import dataclasses
import importlib.metadata
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REFERENCE = HERE / "scalesim_reference.csv"
ARRAYS = [(32, 32), (128, 128)]
DATAFLOWS = ["os", "ws", "is"]
NETWORKS = [
    ("ResNet-50", HERE / "topologies" / "resnet50.csv", "conv"),
    ("BERT-base encoder, seq 128", HERE / "topologies" / "bert_base_encoder.csv", "gemm"),
]
TOLERANCE = 0.01

# SRAMs large enough that the double-buffered scratchpads never stall the array.
SCALESIM_CONFIG = """[general]
run_name = layer

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: 65536
FilterSramSzkB: 65536
OfmapSramSzkB: 65536
IfmapOffset: 0
FilterOffset: 100000000
OfmapOffset: 200000000
Dataflow: {dataflow}
Bandwidth: 10
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false
SparseRep: ellpack_block
OptimizedMapping: false
BlockSize: 8
RandomNumberGeneratorSeed: 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""


@dataclasses.dataclass(frozen=True)
class Layer:
    network: str
    name: str
    kind: str  # "conv" or "gemm": the SCALE-Sim topology format
    spec: str  # the topology row without its name: what SCALE-Sim simulates
    m: int
    n: int
    k: int


def scalesim_version() -> str:
    return importlib.metadata.version("scalesim")


def read_layers() -> list[Layer]:
    """Every layer of every network, with M, N, K as SCALE-Sim's topology reader computes them."""
    from scalesim.topology_utils import topologies

    layers = []
    for network, path, kind in NETWORKS:
        topo = topologies()
        topo.load_arrays(topofile=str(path), mnk_inputs=kind == "gemm")
        topo.topo_calc_hyperparams()
        rows = [line for line in path.read_text().splitlines()[1:] if line.strip()]
        assert len(rows) == topo.get_num_layers(), path
        for i, row in enumerate(rows):
            ofmap_h, ofmap_w = topo.get_layer_ofmap_dims(i)
            layers.append(Layer(network, topo.get_layer_name(i), kind, row.split(",", 1)[1].strip(),
                                int(ofmap_h * ofmap_w), int(topo.get_layer_num_filters(i)),
                                int(topo.get_layer_window_size(i))))
    return layers


def layers_from_reference() -> list[Layer]:
    """The layers without SCALE-Sim installed: M, N, K as the reference file recorded them."""
    by_spec = {}
    with REFERENCE.open() as f:
        for row in csv.DictReader(f):
            by_spec[(row["kind"], row["spec"])] = (int(row["m"]), int(row["n"]), int(row["k"]))
    layers = []
    for network, path, kind in NETWORKS:
        for row in [line for line in path.read_text().splitlines()[1:] if line.strip()]:
            name, spec = row.split(",", 1)
            spec = spec.strip()
            if (kind, spec) not in by_spec:
                sys.exit(f"{path.name}: layer {name} is not in {REFERENCE.name}; install scalesim and run again")
            layers.append(Layer(network, name.strip(), kind, spec, *by_spec[(kind, spec)]))
    return layers


def run_scalesim(task: tuple[int, int, str, str, str]) -> tuple[int, int]:
    """(total cycles, stall cycles) of one layer; runs in a worker process."""
    rows, cols, dataflow, kind, spec = task
    from scalesim.scale_sim import scalesim

    with tempfile.TemporaryDirectory(prefix="scalesim-") as tmp:
        tmp = Path(tmp)
        (tmp / "scale.cfg").write_text(SCALESIM_CONFIG.format(rows=rows, cols=cols, dataflow=dataflow))
        header = "Layer, M, N, K," if kind == "gemm" else "Layer name, IFMAP Height, IFMAP Width, Filter Height, " \
                                                         "Filter Width, Channels, Num Filter, Strides,"
        (tmp / "layer.csv").write_text(f"{header}\nlayer, {spec}\n")
        (tmp / "layout.csv").write_text("Layer name,\n")  # read, but unused without custom layouts
        with contextlib.redirect_stdout(io.StringIO()):
            sim = scalesim(save_disk_space=True, verbose=False, config=str(tmp / "scale.cfg"),
                           topology=str(tmp / "layer.csv"), layout=str(tmp / "layout.csv"),
                           input_type_gemm=kind == "gemm")
            sim.run_scale(top_path=str(tmp / "out"))
        with (tmp / "out" / "layer" / "COMPUTE_REPORT.csv").open() as f:
            report = [[cell.strip() for cell in row] for row in csv.reader(f)]
    columns = report[0]
    values = report[1]
    return int(values[columns.index("Total Cycles")]), int(values[columns.index("Stall Cycles")])


def load_reference(version: str | None) -> dict:
    reference = {}
    if not REFERENCE.exists():
        return reference
    with REFERENCE.open() as f:
        for row in csv.DictReader(f):
            if version is not None and row["scalesim_version"] != version:
                continue
            key = (int(row["rows"]), int(row["cols"]), row["dataflow"], row["kind"], row["spec"])
            reference[key] = (int(row["total_cycles"]), int(row["stall_cycles"]), row["scalesim_version"])
    return reference


def save_reference(reference: dict, shapes: dict) -> None:
    fields = ["scalesim_version", "rows", "cols", "dataflow", "kind", "spec", "m", "n", "k", "total_cycles",
              "stall_cycles"]
    with REFERENCE.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for key in sorted(reference):
            rows, cols, dataflow, kind, spec = key
            total, stall, version = reference[key]
            m, n, k = shapes[(kind, spec)]
            writer.writerow(dict(scalesim_version=version, rows=rows, cols=cols, dataflow=dataflow, kind=kind,
                                 spec=spec, m=m, n=n, k=k, total_cycles=total, stall_cycles=stall))


def run_archlab(archlab: Path, rows: int, cols: int, dataflow: str, shapes: list[tuple[int, int, int]]) -> list[int]:
    """Compute cycles of each (M, N, K) on the compute.systolic plugin: one ensemble run."""
    import h5py

    def values(column):
        return "[" + ", ".join(str(shape[column]) for shape in shapes) + "]"

    with tempfile.TemporaryDirectory(prefix="archlab-validation-") as tmp:
        output = Path(tmp) / "run.h5"
        experiment = Path(tmp) / "experiment.toml"
        experiment.write_text(f"""engine = "sequential"
output = "{output}"
[ensemble]
replicas = {len(shapes)}
[ensemble.vary]
"workloads.drv.m" = {values(0)}
"workloads.drv.n" = {values(1)}
"workloads.drv.k" = {values(2)}
[system.components.sa]
type = "compute.systolic"
rows = {rows}
cols = {cols}
dataflow = "{dataflow}"
[workloads.drv]
type = "workload.gemm_driver"
[[links]]
from = "drv.out"
to = "sa.cmd"
latency = "1 ns"
[[links]]
from = "sa.done"
to = "drv.in"
latency = "1 ns"
""")
        env = dict(os.environ)
        env.setdefault("ARCHLAB_PLUGIN_PATH", str(archlab.parents[1] / "plugins"))
        subprocess.run([str(archlab), "run", "-q", str(experiment)], check=True, env=env, stdout=subprocess.DEVNULL)
        with h5py.File(output, "r") as f:
            components = f["/components"][()]
            cycles = {}
            for stat in ("/summary/workload.gemm_driver/cycles", "/summary/compute.systolic/cycles"):
                type_name = stat.split("/")[2]
                replicas = [int(c["replica"]) for c in sorted(components, key=lambda c: int(c["id"]))
                            if c["type"].decode() == type_name]
                cycles[type_name] = {replica: int(value) for replica, value in zip(replicas, f[stat][()])}
    driver, array = cycles["workload.gemm_driver"], cycles["compute.systolic"]
    if driver != array:
        sys.exit(f"{rows}x{cols} {dataflow}: the driver's and the array's cycle statistics differ")
    return [driver[replica] for replica in range(len(shapes))]


def markdown_table(layers, results) -> str:
    """One line per distinct layer shape, with the layers that share it. A cell holds the cycles
    of SCALE-Sim and archlab, or one number where they are the same."""
    configs = [(r, c, df) for (r, c) in ARRAYS for df in DATAFLOWS]
    header = "| network | layers | M | N | K | " + " | ".join(f"{r}x{c} {df}" for r, c, df in configs)
    lines = [header + " | max error |", "|" + "---|" * (6 + len(configs))]
    groups = {}
    for layer in layers:
        groups.setdefault((layer.network, layer.kind, layer.spec), []).append(layer)
    for (network, kind, spec), members in groups.items():
        first = members[0]
        names = members[0].name if len(members) == 1 else f"{members[0].name} (+{len(members) - 1})"
        cells = []
        error = 0.0
        for config in configs:
            reference, ours = results[(config, kind, spec)]
            cells.append(f"{reference} / {ours}" if reference != ours else f"{ours}")
            error = max(error, abs(ours - reference) / reference)
        lines.append(f"| {network} | {names} | {first.m} | {first.n} | {first.k} | " + " | ".join(cells) +
                     f" | {error:.2%} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archlab", type=Path, default=ROOT / "build" / "framework" / "archlab",
                        help="the archlab program (default: build/framework/archlab)")
    parser.add_argument("--jobs", type=int, default=1, help="SCALE-Sim processes at once")
    parser.add_argument("--fresh", action="store_true", help=f"run SCALE-Sim again instead of reusing {REFERENCE.name}")
    parser.add_argument("--markdown", type=Path, help="also write the results table (Markdown) to this file")
    args = parser.parse_args()

    try:
        version = scalesim_version()
    except importlib.metadata.PackageNotFoundError:
        version = None
    if version is None and (args.fresh or not REFERENCE.exists()):
        sys.exit("scalesim is not installed (pip install scalesim 'numpy<2'); see this script's docstring")
    layers = read_layers() if version is not None else layers_from_reference()
    shapes = {(layer.kind, layer.spec): (layer.m, layer.n, layer.k) for layer in layers}
    specs = list(shapes)

    reference = {} if args.fresh else load_reference(version)
    todo = [(r, c, df, kind, spec) for (r, c) in ARRAYS for df in DATAFLOWS for kind, spec in specs
            if (r, c, df, kind, spec) not in reference]
    if version is None:
        print(f"scalesim not installed: comparing with the SCALE-Sim results recorded in {REFERENCE.name}")
        if todo:
            sys.exit(f"{len(todo)} layer runs are missing from {REFERENCE.name}")
    elif todo:
        print(f"SCALE-Sim {version}: {len(todo)} layer runs ({args.jobs} at a time)", flush=True)
        with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(run_scalesim, task): task for task in todo}
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                task = futures[future]
                total, stall = future.result()
                reference[task] = (total, stall, version)
                print(f"  [{done}/{len(todo)}] {task[0]}x{task[1]} {task[2]} M,N,K={shapes[task[3:]]}: "
                      f"{total} cycles, {stall} stalls", flush=True)
                save_reference(reference, shapes)  # an interrupted run keeps what it has

    results = {}
    worst = 0.0
    failures = []
    for r, c in ARRAYS:
        for df in DATAFLOWS:
            ours = run_archlab(args.archlab, r, c, df, [shapes[spec] for spec in specs])
            for spec, cycles in zip(specs, ours):
                total, stall, _ = reference[(r, c, df, *spec)]
                if stall != 0:
                    failures.append(f"SCALE-Sim reported {stall} stall cycles for {r}x{c} {df} {spec}")
                expected = total - stall
                results[((r, c, df), *spec)] = (expected, cycles)
                error = abs(cycles - expected) / expected
                worst = max(worst, error)
    for layer in layers:
        for r, c in ARRAYS:
            for df in DATAFLOWS:
                expected, cycles = results[((r, c, df), layer.kind, layer.spec)]
                if abs(cycles - expected) > TOLERANCE * expected:
                    failures.append(f"{layer.network} {layer.name} {r}x{c} {df}: SCALE-Sim {expected}, "
                                    f"archlab {cycles}")

    table = markdown_table(layers, results)
    print(table)
    networks = {network: sum(layer.network == network for layer in layers) for network, _, _ in NETWORKS}
    summary = (f"{len(layers)} layers ({', '.join(f'{n}: {count}' for n, count in networks.items())}), "
               f"{len(shapes)} distinct shapes, x {len(ARRAYS) * len(DATAFLOWS)} array/dataflow pairs; "
               f"SCALE-Sim {version or 'results from ' + REFERENCE.name}; max relative error {worst:.3%}")
    print(summary)
    if args.markdown:
        args.markdown.write_text(table + "\n\n" + summary + "\n")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
