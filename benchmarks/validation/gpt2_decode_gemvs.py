#!/usr/bin/env python3
"""The GPT-2 small decode step's matrix-vector products on the datacenter machine
(workloads/dnn/README.md, "Measured: the GPT-2 decode step's matrix-vector products"): runs
examples/datacenter_resnet50.toml with gpt2_small_decode_kv512 in a few configurations and prints
a Markdown table, per operator kind (the mean over the 12 layers; lm_head once):

- the time it adds to the step: from the end of the operator before it (in program order) to its
  own end. Without prefetch that is its latency (end - start); with prefetch its weights start
  coming in earlier, while the operators before it run, and its latency no longer says what it
  costs the step.
- the bytes the HBM3 stack delivered in that time over it, and that as a share of the stack's
  peak (819.2 GB/s): the memory's throughput while the operator is what the step waits for. The
  stack's answered bytes come from the statistics time series (stats_interval), interpolated at
  the window's ends.

"all 49 GEMVs" sums the 49 windows; "step" is the decode step's latency.

    python3 benchmarks/validation/gpt2_decode_gemvs.py [--archlab build/framework/archlab]
        [--configs ws is+prefetch ...] [--set workloads.dnn.mem_interleave="0 B" ...]

--set adds overrides to every configuration (after its own), as `archlab run --set` does.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "datacenter_resnet50.toml")
MODEL = os.path.join(ROOT, "workloads", "zoo", "gpt2_small_decode_kv512.toml")
PEAK = 819.2e9  # bytes/s: one HBM3 stack, 32 pseudo channels of 25.6 GB/s
KINDS = ["attn.qkv", "attn.out", "mlp.c_fc", "mlp.c_proj", "lm_head"]
IS = ["system.components.sa.dataflow=is", "workloads.dnn.tile_k=128"]
FAST = ["system.components.sa.clock=100GHz"]
DB = ["system.components.sa.double_buffer=true"]  # compute.systolic's double_buffer (default false)
CONFIGS = {
    "ws": ("ws arrays (as shipped), no prefetch", ["workloads.dnn.prefetch=false"]),
    "ws+prefetch": ("ws arrays (as shipped), prefetch", ["workloads.dnn.prefetch=true"]),
    "is": ("is arrays, `tile_k = 128`, no prefetch", IS + ["workloads.dnn.prefetch=false"]),
    "is+prefetch": ("is arrays, `tile_k = 128`, prefetch", IS + ["workloads.dnn.prefetch=true"]),
    "ws+prefetch+db": ("ws arrays, prefetch, `double_buffer`", DB + ["workloads.dnn.prefetch=true"]),
    "ws+db": ("ws arrays, `double_buffer`, no prefetch", DB + ["workloads.dnn.prefetch=false"]),
    "is-whole-k+prefetch": ("is arrays (default `tile_k`), prefetch",
                            ["system.components.sa.dataflow=is", "workloads.dnn.prefetch=true"]),
    "is-whole-k+prefetch+db": ("is arrays (default `tile_k`), prefetch, `double_buffer`",
                               ["system.components.sa.dataflow=is"] + DB + ["workloads.dnn.prefetch=true"]),
    "is+prefetch+db": ("is arrays, `tile_k = 128`, prefetch, `double_buffer`",
                       IS + DB + ["workloads.dnn.prefetch=true"]),
    "fast": ("arrays at 100 GHz, no prefetch", FAST + ["workloads.dnn.prefetch=false"]),
    "fast+prefetch": ("arrays at 100 GHz, prefetch", FAST + ["workloads.dnn.prefetch=true"]),
    "fast+prefetch+groups": ("arrays at 100 GHz, prefetch, `dma_groups = 4`",
                             FAST + ["workloads.dnn.prefetch=true", "workloads.dnn.dma_groups=4"]),
}


def run(archlab, overrides, out):
    sets = [f"workloads.dnn.model={MODEL}", "stats_interval=20 ns"] + overrides
    command = [archlab, "run", "-q", EXAMPLE, "-o", out]
    for s in sets:
        command += ["--set", s]
    subprocess.run(command, check=True, capture_output=True, text=True)


def figures(path):
    with h5py.File(path) as f:
        ops = f["workload/dnn/operators"][:]
        step = int(f["workload/dnn/totals"][0]["latency"])
        times = f["stats/time"][:].astype(np.float64)
        answered = f["stats/memory.dram/bytes"][:].sum(axis=1).astype(np.float64)
    names = [n.decode() for n in ops["name"]]

    def delivered(t0, t1):
        return np.interp(t1, times, answered) - np.interp(t0, times, answered)

    cells, window_sum, bytes_sum = [], 0.0, 0.0
    for kind in KINDS:
        rows = [i for i, n in enumerate(names) if n.endswith(kind)]
        window = sum(float(ops["end"][i] - ops["end"][i - 1]) for i in rows)
        dram = sum(delivered(float(ops["end"][i - 1]), float(ops["end"][i])) for i in rows)
        rate = dram / (window * 1e-12)
        cells.append(f"{window / len(rows) / 1e6:.1f} us, {rate / 1e9:.0f} GB/s ({rate / PEAK:.0%})")
        window_sum += window
        bytes_sum += dram
    rate = bytes_sum / (window_sum * 1e-12)
    cells.append(f"{window_sum / 1e6:.0f} us, {rate / 1e9:.0f} GB/s ({rate / PEAK:.0%})")
    cells.append(f"{step / 1e9:.3f} ms")
    return cells


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archlab", default=os.path.join(ROOT, "build", "framework", "archlab"))
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="an override for every configuration (repeatable)")
    args = parser.parse_args()
    print("| run | " + " | ".join(KINDS) + " | all 49 GEMVs | step |")
    print("|---" * (len(KINDS) + 3) + "|")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.configs:
            label, overrides = CONFIGS[name]
            out = os.path.join(folder, name + ".h5")
            run(args.archlab, overrides + args.set, out)
            print(f"| {label} | " + " | ".join(figures(out)) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
