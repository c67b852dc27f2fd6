#!/usr/bin/env python3
"""The analytical estimate's error against the event-level model (workloads/dnn/README.md,
"Analytical estimate"): every zoo model on each example machine, run with `archlab run`
(sequential engine) and estimated with `archlab estimate`; prints a Markdown table of latency,
energy and bytes, estimate / event - 1.

    python3 benchmarks/validation/estimate_error.py [--archlab build/framework/archlab]
        [--machines datacenter edge manycore] [--models resnet50_b1 ...] [--timeout 300]

A run that exceeds --timeout seconds (or fails) is listed as such. llama2_7b_layer_prefill2048
is left out unless named: its event-level run takes too long here.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MACHINES = {
    "datacenter": "examples/datacenter_resnet50.toml",
    "edge": "examples/edge_mobilenet_v2.toml",
    "manycore": "examples/manycore_mlp.toml",
}
MODELS = [
    "mlp_small", "mobilenet_v2", "resnet50_b1", "resnet50_b8", "bert_base_s128", "bert_base_s512",
    "gpt2_small_decode_kv512", "gpt2_small_prefill512", "llama2_7b_layer_decode_kv2048",
]


def estimate(archlab, example, model, folder):
    out = os.path.join(folder, "estimate.csv")
    start = time.perf_counter()
    subprocess.run([archlab, "estimate", example, "--set", f"workloads.dnn.model={model}", "--csv", out],
                   check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    with open(out) as f:
        total = [row for row in csv.DictReader(f) if row["name"] == "total"][0]
    return int(total["latency_ps"]), float(total["energy_pj"]), int(total["bytes"]), seconds


def simulate(archlab, example, model, folder, timeout):
    out = os.path.join(folder, "run.h5")
    start = time.perf_counter()
    subprocess.run([archlab, "run", "-q", example, "--set", f"workloads.dnn.model={model}", "-o", out],
                   check=True, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    with h5py.File(out) as f:
        totals = f["workload/dnn/totals"][0]
        status = totals["status"].decode()
        if status != "completed":
            raise RuntimeError(status)
        return int(totals["latency"]), float(totals["energy"]), int(totals["bytes"]), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archlab", default=os.path.join(ROOT, "build/framework/archlab"))
    parser.add_argument("--machines", nargs="+", default=list(MACHINES))
    parser.add_argument("--models", nargs="+", default=MODELS)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    print("| machine | model | event latency | latency error | energy error | bytes error | event run | estimate |")
    print("|---|---|---|---|---|---|---|---|")
    for machine in args.machines:
        example = os.path.join(ROOT, MACHINES[machine])
        for name in args.models:
            model = os.path.join(ROOT, "workloads/zoo", name + ".toml")
            with tempfile.TemporaryDirectory() as folder:
                try:
                    est = estimate(args.archlab, example, model, folder)
                except subprocess.CalledProcessError as error:
                    print(f"| {machine} | {name} | estimate refused: {error.stderr.strip()[:80]} | | | | | |")
                    continue
                try:
                    sim = simulate(args.archlab, example, model, folder, args.timeout)
                except subprocess.TimeoutExpired:
                    print(f"| {machine} | {name} | event run over {args.timeout:.0f} s | | | | | |", flush=True)
                    continue
                except (subprocess.CalledProcessError, RuntimeError) as error:
                    text = error.stderr.strip() if isinstance(error, subprocess.CalledProcessError) else str(error)
                    print(f"| {machine} | {name} | event run failed: {text[:80]} | | | | | |", flush=True)
                    continue
            errors = [est[i] / sim[i] - 1 if sim[i] else float("nan") for i in range(3)]
            print(f"| {machine} | {name} | {sim[0] / 1e6:.1f} us | {errors[0]:+.1%} | {errors[1]:+.1%} | "
                  f"{errors[2]:+.1%} | {sim[3]:.2f} s | {est[3] * 1e3:.0f} ms |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
