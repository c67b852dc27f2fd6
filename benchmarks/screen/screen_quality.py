#!/usr/bin/env python3
"""Screening against plain search for the same number of event-level simulations: runs
benchmarks/screen/edge_screen.toml (random search, 16 simulated trials) with and without
[tune.screen] (fidelity = "analytical", keep = 0.1) for several tuner seeds, and prints the
hypervolume of each simulated Pareto front (latency, area), normalized by the box from the best
to 1.1 x the worst value either study saw in each objective.

    python3 benchmarks/screen/screen_quality.py [--archlab build/framework/archlab] [--seeds 1 2 3]
        [--tuner random] [--keep 0.1]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def front(path):
    """The simulated Pareto front's (latency, area) and how many trials of each fidelity ran."""
    with h5py.File(path) as f:
        trials = f["study/trials"][:]
        rows = f["study/pareto"][:]
        fidelity = [x.decode() for x in trials["fidelity"]]
        points = np.array([[trials["latency"][r], trials["area"][r]] for r in rows])
    return points, fidelity.count("event"), fidelity.count("analytical")


def hypervolume(points, low, high):
    scaled = (points - low) / (high - low)
    reference = np.array([1.1, 1.1])
    scaled = scaled[np.all(scaled < reference, axis=1)]
    scaled = scaled[np.argsort(scaled[:, 0])]
    volume, floor = 0.0, reference[1]
    for x, y in scaled:
        if y < floor:
            volume += (reference[0] - x) * (floor - y)
            floor = y
    return volume / (reference[0] * reference[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archlab", default=os.path.join(ROOT, "build/framework/archlab"))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--tuner", default="random")
    parser.add_argument("--keep", type=float, default=0.1)
    args = parser.parse_args()
    print(f"| seed | plain: simulated | plain: hypervolume | screened: simulated + estimated | screened: hypervolume |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            runs = {}
            for name, extra in (("plain", []), ("screened", ["--set", 'tune.screen.fidelity="analytical"',
                                                             "--set", f"tune.screen.keep={args.keep}"])):
                out = os.path.join(folder, f"{name}{seed}.h5")
                subprocess.run([args.archlab, "tune", os.path.join(HERE, "edge_screen.toml"), "-q", "-o", out,
                                "--set", f"tune.seed={seed}", "--set", f'tune.tuner="{args.tuner}"'] + extra,
                               check=True, capture_output=True, text=True)
                runs[name] = front(out)
            both = np.vstack([runs["plain"][0], runs["screened"][0]])
            low, high = both.min(axis=0), both.max(axis=0)
            high = np.where(high > low, high, low + 1)
            hv = {name: hypervolume(points, low, high) for name, (points, _, _) in runs.items()}
            print(f"| {seed} | {runs['plain'][1]} | {hv['plain']:.3f} | {runs['screened'][1]} + "
                  f"{runs['screened'][2]} | {hv['screened']:.3f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
