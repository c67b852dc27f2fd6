#!/usr/bin/env python3
"""Outside reference for benchmarks/tuner_quality.cpp: Optuna's TPESampler and NSGAIISampler over
the same cached table (benchmarks/tuner_quality_table.csv), the same space, budgets and seeds, and
the same metrics.

    pip install optuna
    python3 benchmarks/tuner_quality_optuna.py [--seeds 10]

Space: rows, cols = suggest_int(4, 128, step=4); dataflow = suggest_categorical(os, ws, is);
tile = suggest_categorical(full, 256, 64). Single objective: cycles, budgets 50/100/200, gap of the
best to the table optimum in percent. Two objectives (cycles, area): hypervolume ratio to the
table's Pareto front at 300 trials, objectives normalized to [0, 1] by the table's min and max,
reference point (1.1, 1.1); and the same with log(objective) normalized. Samplers at their
defaults, seeded with the seed (1..N); every trial counts as an evaluation, repeats included.
"""
import argparse
import csv
import math
import pathlib
import statistics

import optuna

HERE = pathlib.Path(__file__).resolve().parent


def load(path):
    table = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            table[(int(r["rows"]), int(r["cols"]), r["dataflow"], r["tile"])] = (float(r["cycles"]), float(r["area_mm2"]))
    return table


def hypervolume_2d(points, ref):
    """Minimization hypervolume of 2-D points against `ref` (sweep)."""
    pts = sorted(p for p in points if p[0] < ref[0] and p[1] < ref[1])
    hv, best_y = 0.0, ref[1]
    for x, y in pts:
        if y < best_y:
            hv += (ref[0] - x) * (best_y - y)
            best_y = y
    return hv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", default=str(HERE / "tuner_quality_table.csv"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budgets", default="50,100,200")
    ap.add_argument("--mo-budget", type=int, default=300)
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    table = load(args.table)
    cyc = [v[0] for v in table.values()]
    area = [v[1] for v in table.values()]
    lo_c, hi_c, lo_a, hi_a = min(cyc), max(cyc), min(area), max(area)

    def norm(v, log=False):
        f = math.log if log else (lambda x: x)
        return ((f(v[0]) - f(lo_c)) / (f(hi_c) - f(lo_c)), (f(v[1]) - f(lo_a)) / (f(hi_a) - f(lo_a)))

    true_hv = hypervolume_2d([norm(v) for v in table.values()], (1.1, 1.1))
    true_hv_log = hypervolume_2d([norm(v, True) for v in table.values()], (1.1, 1.1))
    print(f"table: {len(table)} points, optimum {lo_c:.0f} cycles, true HV {true_hv:.6f} (normalized, "
          f"reference (1.1, 1.1)), {true_hv_log:.6f} log-normalized; optuna {optuna.__version__}, seeds 1..{args.seeds}")

    def key(trial):
        return (trial.suggest_int("rows", 4, 128, step=4), trial.suggest_int("cols", 4, 128, step=4),
                trial.suggest_categorical("dataflow", ["os", "ws", "is"]),
                trial.suggest_categorical("tile", ["full", "256", "64"]))

    samplers = {"optuna-tpe": optuna.samplers.TPESampler, "optuna-nsga2": optuna.samplers.NSGAIISampler}
    print("\nsingle objective (cycles): gap of the best found to the optimum, %")
    print("| tuner | budget | mean gap % | median gap % | max gap % | hits |\n|---|---|---|---|---|---|")
    for name, cls in samplers.items():
        for budget in (int(b) for b in args.budgets.split(",")):
            gaps = []
            for seed in range(1, args.seeds + 1):
                study = optuna.create_study(sampler=cls(seed=seed), direction="minimize")
                study.optimize(lambda tr: table[key(tr)][0], n_trials=budget)
                gaps.append(100.0 * (study.best_value - lo_c) / lo_c)
            hits = sum(g == 0 for g in gaps)
            print(f"| {name} | {budget} | {statistics.mean(gaps):.3f} | {statistics.median(gaps):.3f} | "
                  f"{max(gaps):.3f} | {hits}/{args.seeds} |", flush=True)

    print(f"\ntwo objectives (cycles, area): hypervolume ratio to the true front at {args.mo_budget} evaluations")
    print("| tuner | budget | mean HV ratio | median | min | max | mean HV ratio (log-normalized) | min (log) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, cls in samplers.items():
        ratios, log_ratios = [], []
        for seed in range(1, args.seeds + 1):
            study = optuna.create_study(sampler=cls(seed=seed), directions=["minimize", "minimize"])
            study.optimize(lambda tr: table[key(tr)], n_trials=args.mo_budget)
            vals = [tuple(t.values) for t in study.trials]
            ratios.append(hypervolume_2d([norm(v) for v in vals], (1.1, 1.1)) / true_hv)
            log_ratios.append(hypervolume_2d([norm(v, True) for v in vals], (1.1, 1.1)) / true_hv_log)
        print(f"| {name} | {args.mo_budget} | {statistics.mean(ratios):.4f} | {statistics.median(ratios):.4f} | "
              f"{min(ratios):.4f} | {max(ratios):.4f} | {statistics.mean(log_ratios):.4f} | {min(log_ratios):.4f} |",
              flush=True)


if __name__ == "__main__":
    main()
