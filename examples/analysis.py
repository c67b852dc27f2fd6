#!/usr/bin/env python3
"""Worked example: open an archlab study, print the best design, plot the Pareto front.

    pip install ./python                  # or: export PYTHONPATH=$PWD/python/src
    python3 examples/analysis.py study.h5 -o plots/

Given a run file (no /study) instead, it prints the per-type totals and plots the statistics
over time, so it is useful on `archlab run ... -o run.h5` output as well.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import archlab
from archlab import plots


def describe_study(study: archlab.Study, out: Path) -> None:
    trials = study.trials
    failed = (trials["status"] != "ok").sum()
    print(f"{study.path.name}: tuner {study.tuner}, {len(trials)} trials, {trials['feasible'].sum()} feasible, "
          f"{failed} failed")
    print("objectives:", ", ".join(f"{name} ({direction})" for name, direction in study.directions.items()))

    # The Pareto front: trials no other feasible trial beats on every objective.
    front = study.pareto.sort_values(study.objectives[0])
    print(f"\nPareto front ({len(front)} trials):")
    print(front[["trial"] + study.parameters + study.objectives].to_string(index=False))

    # The best design: the study's own choice when it recorded one, else the front's point nearest
    # the ideal (each objective scaled to [0, 1]); best(objective) ranks by one objective alone.
    best = study.best()
    print(f"\nbest design: trial {best['trial']}")
    for name in study.parameters:
        print(f"  {name:<16} {best[name]}")
    for name in study.objectives:
        print(f"  {name:<16} {best[name]:.6g}   (best possible alone: {study.best(name)[name]:.6g})")

    if len(study.objectives) >= 2:
        path = out / f"{study.path.stem}-pareto.png"
        plots.plot_pareto(study, chosen=best, path=path)
        print(f"\nwrote {path}")
    path = out / f"{study.path.stem}-convergence.png"
    plots.plot_convergence([study], path=path)
    print(f"wrote {path}")


def describe_run(run: archlab.Run, out: Path) -> None:
    print(f"{run.path.name}: a run ({run.engine} engine, status {run.status}), no study in it")
    print(run.totals().to_string(index=False))
    if len(run.times):
        path = out / f"{run.path.stem}-stats.png"
        plots.plot_stats(run, path=path)
        print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="archlab HDF5 file (study or run)")
    parser.add_argument("-o", "--out", type=Path, default=Path("."), help="folder for the plots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with archlab.open(args.file) as opened:
        if isinstance(opened, archlab.Study):
            describe_study(opened, args.out)
        else:
            describe_run(opened, args.out)


if __name__ == "__main__":
    main()
