"""``archlab-analyze``: a look at archlab files without writing code.

    archlab-analyze summary  FILE.h5 [--json]
    archlab-analyze pareto   FILE.h5 [--objectives X Y] [--csv OUT.csv] [-o OUT.png]
    archlab-analyze plot     FILE.h5 [FILE.h5 ...] [--kind auto|stats|histogram|operators|pareto|convergence]
                             [-o OUT.png]
    archlab-analyze codesign FILE.h5 [-o OUT.png] [-q]
    archlab-analyze perfetto FILE.h5 -o OUT.json [--start "10 ns"] [--end "1 us"] [--max-events N] [--no-spans]

Exit status: 0 success, 2 bad input (a file that is missing, not archlab's, lacks what was asked
for; bad options), 1 anything else.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import open as open_file
from .errors import ArchlabError, MissingDataError, UnfinishedRunWarning
from .run import Run
from .study import Study
from .units import format_time, parse_time

PROGRAM = "archlab-analyze"


class UsageError(Exception):
    """A bad combination of options or files (exit status 2)."""


def _time_option(text: str) -> int:
    try:
        return parse_time(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROGRAM, description="Analyse archlab HDF5 run and study files.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{summary,pareto,plot,codesign,perfetto}")

    summary = commands.add_parser("summary", help="metadata, engine counters, per-type totals, study results")
    summary.add_argument("file", type=Path)
    summary.add_argument("--json", action="store_true", help="print JSON instead of text")

    pareto = commands.add_parser("pareto", help="the Pareto front of a study")
    pareto.add_argument("file", type=Path)
    pareto.add_argument("--objectives", nargs=2, metavar=("X", "Y"),
                        help="objectives for the plot (default: first two)")
    pareto.add_argument("--csv", type=Path, help="also write the front as CSV")
    pareto.add_argument("-o", "--output", type=Path, help="also plot the front to this PNG")

    plot = commands.add_parser("plot", help="plot statistics, operators, a Pareto front or tuner convergence")
    plot.add_argument("files", type=Path, nargs="+")
    plot.add_argument("--kind", default="auto",
                      choices=["auto", "stats", "histogram", "operators", "pareto", "convergence"],
                      help="auto: stats for a run (operators when it has no statistics time series but "
                           "operator tables), pareto for a study, convergence for several studies")
    plot.add_argument("-o", "--output", type=Path, help="PNG to write (default: FILE-KIND.png next to FILE)")
    plot.add_argument("--stat", help="stats: only this statistic")
    plot.add_argument("--type", dest="types", action="append", help="stats: only this component type (repeatable)")
    plot.add_argument("--replica", type=int, help="stats, operators: only this replica of an ensemble")
    plot.add_argument("--mode", default="rate", choices=["rate", "total"], help="stats: per-interval rate or totals")
    plot.add_argument("--max-panels", type=int, default=12, help="stats: at most this many panels (default 12)")
    plot.add_argument("--show-empty", action="store_true",
                      help="stats: also draw statistics that are zero (or have no value) at every sample")
    plot.add_argument("--histogram", help="histogram: which histogram (with --type when two types have one "
                                          "of that name; default: the only one)")
    plot.add_argument("--workload", help="operators: which workload")
    plot.add_argument("--instance", type=int, help="operators: only this instance of the workload")
    plot.add_argument("--objective", help="convergence: which objective (default: the first)")
    plot.add_argument("--objectives", nargs=2, metavar=("X", "Y"), help="pareto: objectives (default: first two)")

    codesign = commands.add_parser("codesign", help="a co-design study: the best design for each workload "
                                                    "and a picture of the front and the winners")
    codesign.add_argument("file", type=Path)
    codesign.add_argument("-o", "--output", type=Path, help="PNG to write (default: FILE.png next to FILE)")
    codesign.add_argument("-q", "--quiet", action="store_true", help="only write the picture and say where")

    perfetto = commands.add_parser("perfetto", help="Chrome trace JSON for ui.perfetto.dev / chrome://tracing")
    perfetto.add_argument("file", type=Path)
    perfetto.add_argument("-o", "--output", type=Path, required=True, help="JSON file to write")
    perfetto.add_argument("--start", type=_time_option, help="first simulated time to export, e.g. '10 ns'")
    perfetto.add_argument("--end", type=_time_option, help="export events before this time, e.g. '1 us'")
    perfetto.add_argument("--max-events", type=int, default=1_000_000,
                          help="at most this many trace events (default 1000000; 0: all)")
    perfetto.add_argument("--no-spans", action="store_true",
                          help="no message spans from each event's send to its receive (a third of the size)")
    return parser


def _describe_design(study: Study, row: pd.Series) -> str:
    def show(names):
        return ", ".join(f"{study.short_names.get(n, n)}={_format_value(row[n])}" for n in names)
    text = f"trial {int(row['trial'])}: {show(study.parameters)}" if study.parameters else f"trial {int(row['trial'])}"
    return text + f" -> {show(study.objectives)}"


def _format_value(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


def _summary_data(run: Run) -> dict:
    components = run.components
    data = {
        "file": str(run.path), "kind": run.kind, "archlab_version": run.archlab_version,
        "format_version": run.format_version, "engine": run.engine, "seed": run.seed, "status": run.status,
        "finished": run.finished, "final_time_ps": run.final_time, "events": run.events,
        "wall_seconds": run.wall_seconds if np.isfinite(run.wall_seconds) else None, "components": len(components),
        "components_by_type": {str(k): int(v) for k, v in components["type"].value_counts(sort=False).items()},
        "replicas": run.replicas, "links": len(run.links), "samples": len(run.times),
        "trace_events": run.trace_length if run.has_trace else 0, "workloads": run.workloads,
        "totals": [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                   for row in run.totals().to_dict("records")],
    }
    if run.workloads:
        data["operators"] = {w: len(run.operators_of(w)) for w in run.workloads}
    try:
        data["workload_totals"] = [{k: _json_scalar(v) for k, v in row.items()}
                                   for row in run.workload_totals.to_dict("records")]
    except ArchlabError:
        pass
    if len(run.times) > 1:
        data["sample_interval_ps"] = int(run.times[1]) - int(run.times[0])
    if isinstance(run, Study):
        trials = run.trials
        data["study"] = {"tuner": run.tuner, "trials": len(trials), "feasible": int(trials["feasible"].sum()),
                         "failed": int((trials["status"].astype(str) != "ok").sum()),
                         "objectives": run.directions, "parameters": run.parameters,
                         "constraints": run.constraints,
                         "pareto_trials": trials.loc[trials["pareto"], "trial"].tolist()}
        if trials["feasible"].any():
            best = run.best()
            data["study"]["best"] = {k: _json_scalar(best[k]) for k in ["trial"] + run.parameters + run.objectives}
    return data


def _json_scalar(value):
    return value.item() if isinstance(value, np.generic) else value


def _print_summary(run: Run) -> None:
    data = _summary_data(run)
    print(f"file        {data['file']}")
    print(f"archlab     {data['archlab_version']} (file format {data['format_version']}), {data['kind']}")
    print(f"engine      {data['engine']}")
    print(f"seed        {data['seed']}")
    if run.has_engine_summary:
        unfinished = "" if run.finished else "  (the run did not finish: data up to the last flush)"
        print(f"status      {data['status']}{unfinished}")
        print(f"sim time    {format_time(data['final_time_ps'])}")
        print(f"events      {data['events']}")
        if data["wall_seconds"] is not None:
            print(f"wall time   {data['wall_seconds']:.3f} s")
    if data["components"]:
        by_type = ", ".join(f"{t} x{n}" for t, n in data["components_by_type"].items())
        replicas = f" in {data['replicas']} replicas" if data["replicas"] > 1 else ""
        print(f"components  {data['components']}{replicas}: {by_type}")
        print(f"links       {data['links']}")
    if data["samples"]:
        every = f", every {format_time(data['sample_interval_ps'])}" if "sample_interval_ps" in data else ""
        print(f"samples     {data['samples']}{every}")
    if data["trace_events"]:
        print(f"trace       {data['trace_events']} events")
    if data["workloads"]:
        print(f"operators   {', '.join(f'{w}: {n}' for w, n in data['operators'].items())}")
    for line in _workload_lines(data):
        print(f"workload    {line}")
    for total in data["totals"]:
        prefix = f"  replica {total['replica']:<6d}" if data["replicas"] > 1 else ""
        print(f"{prefix}  {total['type']:<24s} {total['stat']:<20s} {total['total']:.6g} {total['unit']}")
    if "study" in data:
        study = data["study"]
        objectives = ", ".join(f"{name} ({direction})" for name, direction in study["objectives"].items())
        print(f"study       {study['tuner']}: {study['trials']} trials ({study['feasible']} feasible, "
              f"{study['failed']} failed); objectives {objectives}")
        print(f"pareto      {len(study['pareto_trials'])} trials: {', '.join(map(str, study['pareto_trials']))}")
        if "best" in study:
            print(f"best        {_describe_design(run, run.best())}")


def _workload_lines(data: dict) -> list[str]:
    """One line per inference in /workload/<name>/totals: what `archlab run` printed as its total."""
    rows = data.get("workload_totals", [])
    instances = {}
    for row in rows:
        instances.setdefault(row["workload"], set()).add(row.get("instance", 0))
    lines = []
    for row in rows:
        label = row["workload"]
        if len(instances[label]) > 1:
            label += f"[{row.get('instance', 0)}]"
        if data["replicas"] > 1:
            label += f" (replica {row.get('replica', 0)})"
        parts = [str(row[k]) for k in ("model", "status") if k in row]
        if "ops" in row and "ops_done" in row:
            if row["ops_done"] == row["ops"]:
                parts.append(f"{row['ops']} operators")
            elif "operators" not in str(row.get("status", "")):
                parts.append(f"{row['ops_done']} of {row['ops']} operators done")
        if row.get("latency"):
            parts.append(f"latency {format_time(row['latency'])}")
        if row.get("throughput"):
            parts.append(f"{row['throughput']:.4g} inferences/s")
        for key, unit in (("macs", "MACs"), ("bytes", "bytes"), ("energy", "pJ")):
            if key in row:
                parts.append(f"{row[key]:.4g} {unit}")
        lines.append(f"{label}: {', '.join(parts)}")
    return lines


def _plot_path(args, first: Path, kind: str) -> Path:
    return args.output or first.with_name(f"{first.stem}-{kind}.png")


def _command_plot(args) -> None:
    from . import plots
    kind = args.kind
    if kind == "auto":
        if len(args.files) > 1:
            kind = "convergence"
        else:
            with open_file(args.files[0]) as run:
                if isinstance(run, Study):
                    kind = "pareto"
                else:
                    kind = "operators" if len(run.times) == 0 and run.workloads else "stats"
    if kind != "convergence" and len(args.files) > 1:
        raise UsageError(f"--kind {kind} plots one file; give one, or --kind convergence for several studies")
    path = _plot_path(args, args.files[0], kind)
    if kind == "convergence":
        runs = [open_file(f) for f in args.files]
        try:
            plots.plot_convergence(runs, objective=args.objective, path=path)
        finally:
            for run in runs:
                run.close()
    else:
        with open_file(args.files[0]) as run:
            if kind == "stats":
                if args.max_panels < 1:
                    raise UsageError(f"--max-panels {args.max_panels}: draw at least 1 panel")
                plots.plot_stats(run, stat=args.stat, types=args.types, replica=args.replica, mode=args.mode, path=path,
                                 max_panels=args.max_panels, show_empty=args.show_empty)
            elif kind == "histogram":
                type_name, name = _histogram_choice(run, args.types, args.histogram)
                plots.plot_histogram(run, type_name, name, replica=args.replica, path=path)
            elif kind == "operators":
                plots.plot_operators(run, workload=args.workload, replica=args.replica, instance=args.instance,
                                     path=path)
            else:
                plots.plot_pareto(run, objectives=args.objectives, path=path)
    print(f"wrote {path}")


def _histogram_choice(run: Run, types: list[str] | None, name: str | None) -> tuple[str, str]:
    """The one (type, histogram) that --type and --histogram select."""
    found = [(t, h) for t in run.types for h in run.histograms(t)]
    if not found:
        raise MissingDataError(f"{run.path}: no component type declares a histogram")
    chosen = [(t, h) for t, h in found if (not types or t in types) and (name is None or h == name)]
    every = ", ".join(f"--type {t} --histogram {h}" for t, h in found)
    if not chosen:
        raise MissingDataError(f"{run.path}: no histogram matches; histograms: {every}")
    if len(chosen) > 1:
        raise UsageError(f"{run.path} has {len(chosen)} histograms that match; pick one: "
                         + ", ".join(f"--type {t} --histogram {h}" for t, h in chosen))
    return chosen[0]


def _command_pareto(args) -> None:
    with open_file(args.file) as run:
        if not isinstance(run, Study):
            raise run._no_study()
        front = run.pareto
        columns = ["trial"] + run.parameters + run.objectives + run.constraints
        print(f"{run.path.name}: {run.tuner}, {len(run.trials)} trials, {len(front)} on the Pareto front "
              f"({run.pareto_source}); objectives "
              + ", ".join(f"{o} ({d})" for o, d in run.directions.items()))
        with pd.option_context("display.max_rows", 200, "display.width", 160):  # short names, as archlab tune
            print(front[columns].rename(columns=run.short_names).to_string(index=False))
        if not front.empty or run.trials["feasible"].any():
            print(f"best: {_describe_design(run, run.best())}")
        if args.csv:
            front[columns].to_csv(args.csv, index=False)
            print(f"wrote {args.csv}")
        if args.output:
            from . import plots
            plots.plot_pareto(run, objectives=args.objectives, path=args.output)
            print(f"wrote {args.output}")


def winners_table(study: Study, winners: pd.DataFrame) -> list[str]:
    """The "best design for each workload" table: a row per workload, a column per parameter; a
    parameter whose value differs between the winners is starred in the header."""
    differing = set(winners.attrs["differing"])
    header = ["workload", "trial", "value"] + [("*" if p in differing else "") + study.short_names[p]
                                               for p in study.parameters]
    rows = [[str(w["workload"] or w["objective"]), str(int(w["trial"])), _format_value(w[w["objective"]])]
            + [_format_value(w[p]) for p in study.parameters] for _, w in winners.iterrows()]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header] + rows]


def _command_codesign(args) -> None:
    from . import plots
    with open_file(args.file) as run:
        if not isinstance(run, Study):
            raise run._no_study()
        winners = run.winners()
        path = args.output or args.file.with_suffix(".png")
        if not args.quiet:
            print("best design for each workload (* the parameters that differ between them):")
            for line in winners_table(run, winners):
                print("  " + line)
            if winners["trial"].nunique() == 1:
                print(f"one design, trial {int(winners['trial'].iloc[0])}, is the best for every workload")
        plots.plot_codesign(run, path=path)
    print(f"wrote {path}")


def _command_perfetto(args) -> None:
    from .perfetto import write_chrome_trace
    with open_file(args.file) as run:
        result = write_chrome_trace(run, args.output, start=args.start, end=args.end,
                                    max_events=args.max_events or None, spans=not args.no_spans)
    for note in result.notes:
        print(f"{PROGRAM}: note: {note}", file=sys.stderr)
    print(f"wrote {args.output}: {result.events_written} events, {result.message_spans} message spans, "
          f"{result.operator_spans} operator spans, {result.tracks} tracks (open in https://ui.perfetto.dev)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    def show_warning(message, category, filename, lineno, file=None, line=None):
        label = "note" if issubclass(category, UnfinishedRunWarning) else "warning"
        print(f"{PROGRAM}: {label}: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show_warning
            warnings.simplefilter("always", UnfinishedRunWarning)
            if args.command == "summary":
                with open_file(args.file) as run:
                    if args.json:
                        print(json.dumps(_summary_data(run), indent=2, default=_json_scalar))
                    else:
                        _print_summary(run)
            elif args.command == "pareto":
                _command_pareto(args)
            elif args.command == "plot":
                _command_plot(args)
            elif args.command == "codesign":
                _command_codesign(args)
            else:
                _command_perfetto(args)
    except (ArchlabError, UsageError, FileNotFoundError, IsADirectoryError) as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
