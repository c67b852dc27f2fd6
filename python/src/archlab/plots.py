"""Plots of runs and studies (matplotlib).

Every function returns a ``matplotlib.figure.Figure`` (a notebook shows it) and, given ``path``,
saves it (PNG, or whatever the suffix names). Figures are made without ``pyplot``, so nothing
here touches the global backend: it works headless and inside notebooks alike.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .errors import MissingDataError, PanelsLeftOutWarning
from .run import Run, operator_extents
from .study import Study
from .units import axis_scale, format_time, time_unit_ps

MAX_PANELS = 12
MAX_REPLICA_LINES = 8
#: Units of statistics that hold a value set once (a component's area), not a running count:
#: plot_stats shows their value, never a rate.
STATIC_UNITS = frozenset({"mm^2", "um^2", "cm^2", "m^2"})


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _finish(figure: Figure, path: str | os.PathLike | None, dpi: int = 110) -> Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=dpi)
    return figure


def _open(item) -> Run:
    if isinstance(item, Run):
        return item
    from . import open as open_file
    return open_file(item)


def stat_rate(values: np.ndarray, times: np.ndarray, unit: str) -> tuple[np.ndarray, str]:
    """Per-interval rate of running totals [samples x instances]: per ns, or a busy fraction when
    the statistic counts time (unit ps/ns/...): that is utilization."""
    times = np.asarray(times, dtype=np.float64)
    widths = np.diff(np.concatenate([[0.0], times]))
    widths[widths <= 0] = np.nan
    deltas = np.diff(np.vstack([np.zeros((1, values.shape[1])), values]), axis=0)
    per_time = time_unit_ps(unit)
    if per_time is not None:
        return deltas * per_time / widths[:, None], "utilization (busy fraction)"
    return deltas * 1000.0 / widths[:, None], f"{unit or 'count'} / ns per component"


#: Why :func:`plot_stats` leaves a statistic out, and what brings it back (the keys of ``figure.left_out``).
LEFT_OUT = {
    "max_panels": ("beyond max_panels={max_panels}",
                   "raise max_panels (--max-panels), or pick with stat= (--stat) or types= (--type)"),
    "zero": ("zero at every sample", "show_empty=True (--show-empty) draws them"),
    "nan": ("no value at any sample (a ratio whose denominator stayed 0)", "show_empty=True (--show-empty) draws them"),
    "histogram": ("histograms", "plot_histogram(run, type, name) (--kind histogram) draws one"),
}


def _empty(run: Run, type_name: str, stat_name: str, replica: int | None) -> str | None:
    """``"zero"`` when the statistic is 0 (or NaN) at every sample for the chosen components,
    ``"nan"`` when it has no value at any sample, None otherwise. Reads the final values first
    (one per component) and the time series only when those are all 0 or NaN."""
    def chosen(ids):
        return slice(None) if replica is None else run._replicas_by_id[ids] == replica
    try:
        final, ids = run._final_values(type_name, stat_name)
    except KeyError:
        final = None
    if final is not None:
        final = np.asarray(final, dtype=np.float64)[chosen(ids)]
        if np.any(np.isfinite(final) & (final != 0)):
            return None
    values, ids = run.stat_array(type_name, stat_name)
    values = np.asarray(values, dtype=np.float64)[:, chosen(ids)]
    if values.size == 0:
        return None
    if np.all(np.isnan(values)):
        return "nan"
    return "zero" if np.all((values == 0) | np.isnan(values)) else None


def _stat_panels(run: Run, stat: str | None, types: Sequence[str] | None, replica: int | None, show_empty: bool,
                 max_panels: int) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """The (type, statistic) panels plot_stats draws, and what it leaves out: {reason: [(type, name)]}."""
    panels: list[tuple[str, str]] = []
    left_out: dict[str, list[tuple[str, str]]] = {}
    for type_name in types or run.types:
        for stat_name in run.stat_names(type_name):
            info = run.stat_kinds.get((type_name, stat_name), {})
            if stat is not None:
                if stat_name == stat:
                    panels.append((type_name, stat_name))
            elif info.get("kind") == "histogram_bin":
                histogram = (type_name, info["histogram"])
                if histogram not in left_out.setdefault("histogram", []):
                    left_out["histogram"].append(histogram)
            else:
                panels.append((type_name, stat_name))
    if not panels:
        raise MissingDataError(f"{run.path}: no statistic '{stat}' in {', '.join(types or run.types) or 'any type'}")
    if stat is None and not show_empty:
        empty = {panel: _empty(run, *panel, replica) for panel in panels}
        if any(reason is None for reason in empty.values()):  # when every statistic is empty, draw them all
            for panel, reason in empty.items():
                if reason is not None:
                    left_out.setdefault(reason, []).append(panel)
            panels = [panel for panel in panels if empty[panel] is None]
    if len(panels) > max_panels:
        left_out["max_panels"] = panels[max_panels:]
        panels = panels[:max_panels]
    order = list(LEFT_OUT)
    return panels, {reason: left_out[reason] for reason in sorted(left_out, key=order.index) if left_out[reason]}


def _left_out_message(run: Run, drawn: int, left_out: dict[str, list[tuple[str, str]]], max_panels: int) -> str:
    parts = []
    for reason, names in left_out.items():
        what, how = LEFT_OUT[reason]
        parts.append(f"{what.format(max_panels=max_panels)}: {', '.join(f'{t}/{n}' for t, n in names)} ({how})")
    return f"plot_stats: {run.path.name}: drew {drawn} panels; left out " + "; ".join(parts)


def plot_stats(run, stat: str | None = None, types: Sequence[str] | None = None, replica: int | None = None,
               mode: str = "rate", path: str | os.PathLike | None = None, max_panels: int = MAX_PANELS,
               show_empty: bool = False) -> Figure:
    """Statistics over time, one panel per (component type, statistic): the mean over a type's
    components, with the min..max range shaded.

    ``mode="rate"`` (default) plots each sampling interval's increase per ns, or the busy fraction
    (utilization) for statistics that count time; ``mode="total"`` plots the running totals.
    Static statistics (an area, unit in :data:`STATIC_UNITS`) and derived ones (a ratio such as
    a mean latency) are plotted as their value in either mode, and so, in rate mode, is a
    statistic that never changes after the first sample (see :func:`drawn_as_value`; the axis label
    says which). In an ensemble, each replica gets its own line (``replica`` picks one).

    What is not drawn, and how to get it (``figure.left_out`` = {reason: [(type, name), ...]},
    reasons as in :data:`LEFT_OUT`; a :class:`~archlab.PanelsLeftOutWarning` and the figure's
    title say the same):

    * ``"zero"``/``"nan"``: statistics that are 0 (or have no value, NaN) at every sample of the
      chosen replicas, unless ``show_empty`` or ``stat`` names them (or every statistic is so);
    * ``"max_panels"``: past the first ``max_panels`` panels (choose with ``stat``/``types``);
    * ``"histogram"``: histogram bins, a statistic each; :func:`plot_histogram` draws them.
    """
    run = _open(run)
    if mode not in ("rate", "total"):
        raise ValueError(f"mode '{mode}' is neither 'rate' nor 'total'")
    if max_panels < 1:
        raise ValueError(f"max_panels is {max_panels}; it must be at least 1")
    times = run.times
    if len(times) == 0:
        raise MissingDataError(f"{run.path}: no statistics time series (/stats/time is empty); run with a "
                               "`stats_interval`")
    panels, left_out = _stat_panels(run, stat, types, replica, show_empty, max_panels)
    if left_out:
        warnings.warn(PanelsLeftOutWarning(_left_out_message(run, len(panels), left_out, max_panels)), stacklevel=2)
    unit_name, scale = axis_scale(float(times[-1]))
    columns = min(2, len(panels))
    rows = -(-len(panels) // columns)
    figure = _figure(6.0 * columns, 2.8 * rows + 0.4)
    figure.left_out = left_out
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False).ravel())
    replicas = [replica] if replica is not None else list(range(run.replicas))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a ratio is NaN while its denominator is 0
        for ax, (type_name, stat_name) in zip(axes, panels):
            _draw_stat(run, ax, type_name, stat_name, times, scale, unit_name, mode, replica, replicas)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    figure.suptitle(f"{run.path.name}: {'rate per sampling interval' if mode == 'rate' else 'running totals'} "
                    f"(mean over components, min..max shaded){_left_out_title(left_out)}", fontsize=11)
    return _finish(figure, path)


def drawn_as_value(values: np.ndarray, unit: str, kind: str | None, mode: str) -> str | None:
    """Why :func:`plot_stats` draws a statistic (running totals [samples x instances]) as its value
    rather than as a rate or a running total; None when it does not.

    * ``"derived"``: a ratio of two statistics (``kind == "derived"``), in both modes;
    * ``"static"``: a quantity set once, not accumulated (unit in :data:`STATIC_UNITS`: an area), in
      both modes;
    * ``"constant"``, in rate mode only: at least two samples, and every instance's value at each
      sample equal to its value at the first, and not zero throughout. Whatever it counts happened
      before the first sample (a value set at time 0, or a count that stopped early): its rate
      would be one spike in the first interval and zeros after, so its value says more. In total
      mode it is its running total, flat after the first sample, as it is.
    """
    if kind == "derived":
        return "derived"
    if unit in STATIC_UNITS:
        return "static"
    values = np.asarray(values, dtype=np.float64)
    if mode == "rate" and values.shape[0] >= 2 and values.size:
        first = values[:1]
        same = (values == first) | (np.isnan(values) & np.isnan(first))
        if same.all() and np.any(np.nan_to_num(first) != 0):
            return "constant"
    return None


def _draw_stat(run: Run, ax, type_name: str, stat_name: str, times: np.ndarray, scale: float, unit_name: str,
               mode: str, replica: int | None, replicas: list[int]) -> None:
    values, ids = run.stat_array(type_name, stat_name)
    unit = run.units.get((type_name, stat_name), "")
    owners = run._replicas_by_id[ids]
    as_value = drawn_as_value(values[:, np.isin(owners, replicas)], unit,
                              run.stat_kinds.get((type_name, stat_name), {}).get("kind"), mode)
    x = np.concatenate([[0.0], times / scale])
    if as_value == "derived":
        ylabel = f"{unit or 'ratio'} (derived: its value)"
    elif as_value == "static":
        ylabel = f"{unit} (static: its value)"
    elif as_value == "constant":
        ylabel = f"{unit or 'count'} (constant after the first sample: its value)"
        x = times / scale  # nothing says what it was before the first sample
    elif mode == "rate":
        values, ylabel = stat_rate(values, times, unit)
    else:
        ylabel = f"{unit or 'count'} (running total)"
    lines = replicas if len(replicas) <= MAX_REPLICA_LINES else [None]
    step = "pre" if mode == "rate" and as_value is None else None
    for r in lines:
        chosen = values if r is None else values[:, owners == r]
        if chosen.shape[1] == 0:
            continue
        # A rate holds over the interval that ends at its sample, a static value from time 0;
        # running totals start from 0 at time 0.
        if as_value in ("derived", "static") or (as_value is None and mode == "rate"):
            chosen = np.vstack([chosen[:1], chosen])
        elif as_value is None:
            chosen = np.vstack([np.zeros((1, chosen.shape[1])), chosen])
        label = "all replicas" if r is None else (f"replica {r}" if run.replicas > 1 else "mean")
        line, = ax.plot(x, np.nanmean(chosen, axis=1), drawstyle="steps-pre" if step else "default", label=label)
        if chosen.shape[1] > 1:
            ax.fill_between(x, np.nanmin(chosen, axis=1), np.nanmax(chosen, axis=1), step=step, alpha=0.2,
                            color=line.get_color(), linewidth=0)
    count = int((owners == (replica if replica is not None else 0)).sum())
    per_replica = " per replica" if run.replicas > 1 and replica is None else ""
    ax.set_title(f"{type_name}: {stat_name}  ({count} components{per_replica})", fontsize=10)
    ax.set_xlabel(f"simulated time ({unit_name})")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_xlim(0, float(times[-1]) / scale)
    ax.grid(alpha=0.3)
    if len(lines) > 1 or run.replicas > 1:
        ax.legend(fontsize=8)


def _left_out_title(left_out: dict[str, list[tuple[str, str]]]) -> str:
    if not left_out:
        return ""
    words = {"max_panels": "beyond max_panels", "zero": "zero throughout", "nan": "without a value",
             "histogram": "histogram{s} (plot_histogram)"}
    return "\nnot drawn: " + ", ".join(f"{len(names)} {words[reason].format(s='s' if len(names) > 1 else '')}"
                                        for reason, names in left_out.items())


def plot_histogram(run, component_type: str, name: str, replica: int | None = None,
                   path: str | os.PathLike | None = None) -> Figure:
    """A declared histogram's final counts (summed over the type's components, or one replica's),
    one bar per bin; the under- and overflow bins, when not empty, as bars beyond the range."""
    run = _open(run)
    frame = run.histogram(component_type, name, replica=replica)
    unit = frame.attrs.get("unit", "")
    inner = frame[np.isfinite(frame["low"]) & np.isfinite(frame["high"])]
    width = float((inner["high"] - inner["low"]).iloc[0]) if len(inner) else 1.0
    lows = frame["low"].to_numpy(dtype=np.float64).copy()
    lows[~np.isfinite(lows)] = float(inner["low"].min()) - width  # the underflow bar sits left of the range
    counts = frame["count"].to_numpy(dtype=np.float64)
    keep = np.isfinite(frame["low"]).to_numpy() & np.isfinite(frame["high"]).to_numpy() | (counts > 0)
    figure = _figure(7.0, 3.6)
    ax = figure.subplots()
    colours = ["tab:blue" if np.isfinite(lo) and np.isfinite(hi) else "tab:gray"
               for lo, hi in zip(frame["low"], frame["high"])]
    ax.bar(lows[keep], counts[keep], width=width, align="edge", color=np.array(colours)[keep], edgecolor="white")
    ax.set_xlabel(f"{name} ({unit})" if unit else name)
    ax.set_ylabel("count")
    outside = counts[0] + counts[-1]
    which = f"replica {replica}" if replica is not None else "all components"
    ax.set_title(f"{run.path.name}: {component_type} {name} ({which}; {int(counts.sum())} values"
                 f"{f', {int(outside)} outside [{inner.low.min():g}, {inner.high.max():g})' if outside else ''})",
                 fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    return _finish(figure, path)


#: Operator kinds in a fixed colour order, so a kind keeps its colour from one model to the next.
OPERATOR_KINDS = ("conv2d", "gemm", "matmul", "elementwise", "softmax", "layernorm", "pool")


def _operator_kind(operators: pd.DataFrame) -> pd.Series:
    for column in ("op", "kind", "op_type", "type"):
        if column in operators:
            return operators[column].astype(str)
    return pd.Series("operator", index=operators.index)


def _kind_colours(kinds: Iterable[str]) -> dict:
    """{kind: colour}, the known kinds first (in :data:`OPERATOR_KINDS` order, each in its own slot
    of the palette), then the others in order of appearance, in the free slots."""
    kinds = list(dict.fromkeys(kinds))
    colours = colormaps["tab10" if len(kinds) <= 10 else "tab20"]
    slots = {k: OPERATOR_KINDS.index(k) for k in OPERATOR_KINDS if k in kinds}
    free = iter([i for i in range(colours.N) if i not in slots.values()])
    for i, kind in enumerate(k for k in kinds if k not in slots):
        slots[kind] = next(free, i)
    return {kind: colours(slot % colours.N) for kind, slot in slots.items()}


def _operator_groups(operators: pd.DataFrame) -> list[str]:
    """The columns (replica, instance) that tell apart several inferences in one table."""
    return [c for c in ("replica", "instance") if c in operators and operators[c].nunique() > 1]


def _select_operators(run: Run, workload: str, operators: pd.DataFrame, replica: int | None,
                      instance: int | None) -> pd.DataFrame:
    for column, value in (("replica", replica), ("instance", instance)):
        if value is None:
            continue
        available = sorted(operators[column].unique().tolist()) if column in operators else [0]
        if value not in available:
            raise MissingDataError(f"{run.path}: workload '{workload}' has no operators of {column} {value}; "
                                   f"{column}s: {', '.join(map(str, available))}")
        if column in operators:
            operators = operators[operators[column] == value]
    return operators


def plot_operators(run, workload: str | None = None, top: int = 40, replica: int | None = None,
                   instance: int | None = None, path: str | os.PathLike | None = None) -> Figure:
    """Per-operator latency breakdown of one workload: a timeline of its operators (the ``top``
    longest when there are more), coloured by operator kind, and each kind's share of the summed
    latency. ``replica``/``instance`` pick one inference when the table holds several (an ensemble,
    or a workload with ``count > 1``); otherwise each row's label names its instance or replica.
    Operators still running when the run stopped are hatched up to its end; ones that never started
    are left out (the title counts them)."""
    run = _open(run)
    if workload is None:
        if not run.workloads:
            raise run._no_operators("no /workload/<name>/operators")
        workload = run.workloads[0]
    operators = _select_operators(run, workload, run.operators_of(workload), replica, instance)
    if operators.empty:
        raise MissingDataError(f"{run.path}: workload '{workload}' has an empty operator table")
    starts, ends, state = operator_extents(operators, run.final_time)
    operators = operators.assign(kind_=_operator_kind(operators), start_=starts, end_=ends, state_=state)
    operators = operators.assign(drawn_=operators["end_"] - operators["start_"])
    groups = _operator_groups(operators)
    label = operators["name"].astype(str)
    if "instance" in groups:
        label = label + "  " + workload + "[" + operators["instance"].astype(str) + "]"
    if "replica" in groups:
        label = label + "  (replica " + operators["replica"].astype(str) + ")"
    operators = operators.assign(label_=label)

    drawn = operators[operators["state_"] != "not started"]
    shown = drawn if len(drawn) <= top else drawn.nlargest(top, "drawn_")
    shown = shown.sort_values(groups + ["start_"], kind="stable")
    end = float(max(drawn["end_"].max() if len(drawn) else run.final_time, 1))
    unit_name, scale = axis_scale(end)
    colour_of = _kind_colours(operators["kind_"])

    figure = _figure(12.0, max(3.0, 0.22 * len(shown) + 1.5))
    timeline, share = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    y = np.arange(len(shown))
    running = (shown["state_"] == "running").to_numpy()
    colours = [colour_of[k] for k in shown["kind_"]]
    widths = shown["drawn_"].to_numpy(dtype=np.float64) / scale
    lefts = shown["start_"].to_numpy(dtype=np.float64) / scale
    timeline.barh(y[~running], widths[~running], left=lefts[~running],
                  color=[c for c, r in zip(colours, running) if not r], height=0.7)
    if running.any():
        timeline.barh(y[running], widths[running], left=lefts[running],
                      color=[c for c, r in zip(colours, running) if r], height=0.7, alpha=0.45, hatch="//",
                      edgecolor="0.3", linewidth=0.5)
    timeline.set_yticks(y, shown["label_"], fontsize=7)
    timeline.set_ylim(max(len(shown), 1) - 0.5, -0.5)
    timeline.set_xlabel(f"simulated time ({unit_name})")
    timeline.set_xlim(0, end / scale * 1.01)
    timeline.set_title(_operators_title(run, workload, operators, len(shown), len(drawn), groups), fontsize=10)
    timeline.grid(axis="x", alpha=0.3)
    handles = [Patch(color=colour, label=kind) for kind, colour in colour_of.items()]
    if running.any():
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="//", label="running at the end"))
    timeline.legend(handles=handles, fontsize=7, loc="best", framealpha=0.85)

    finished = operators[operators["state_"] == "finished"]
    by_kind = finished.groupby("kind_", sort=False)["latency"].sum().astype(np.float64)
    by_kind = by_kind.sort_values(ascending=True)
    total = by_kind.sum()
    share.barh(np.arange(len(by_kind)), by_kind.to_numpy() / scale, color=[colour_of[k] for k in by_kind.index])
    share.set_yticks(np.arange(len(by_kind)), by_kind.index, fontsize=8)
    for i, value in enumerate(by_kind.to_numpy()):
        share.text(value / scale, i, f" {_percent(value, total)}", va="center", fontsize=8)
    share.set_xlabel(f"summed latency ({unit_name})")
    share.set_title("latency by operator kind" + (" (finished)" if len(finished) < len(operators) else ""),
                    fontsize=10)
    share.grid(axis="x", alpha=0.3)
    return _finish(figure, path)


def _percent(value: float, total: float) -> str:
    if total <= 0:
        return ""
    percent = 100 * value / total
    return "<1%" if 0 < percent < 0.5 else f"{percent:.0f}%"


def _operators_title(run: Run, workload: str, operators: pd.DataFrame, shown: int, drawn: int,
                     groups: list[str]) -> str:
    totals = run._totals_table(workload)
    if totals is not None:
        for column in ("replica", "instance"):
            if column in totals and column in operators:
                totals = totals[totals[column].isin(operators[column].unique())]
    model = str(totals["model"].iloc[0]) if totals is not None and len(totals) and "model" in totals else ""
    inferences = len(operators.groupby(groups)) if groups else 1
    count = len(operators) // inferences if len(operators) % inferences == 0 else len(operators)
    text = f"{workload}" + (f" ({model})" if model else "") + ": "
    text += f"{inferences} x {count} operators" if inferences > 1 else f"{len(operators)} operators"
    done = int((operators["state_"] == "finished").sum())
    if done < len(operators):
        running = int((operators["state_"] == "running").sum())
        text += f", {done} finished, {running} running at the end"
        if done + running < len(operators):
            text += f", {len(operators) - done - running} not started"
    elif totals is not None and len(totals) == 1 and "latency" in totals:
        text += f", latency {format_time(int(totals['latency'].iloc[0]))}"
    if shown < drawn:
        text += f" (the {shown} longest shown)"
    return text


def plot_pareto(study, objectives: Sequence[str] | None = None, chosen: pd.Series | int | None = None,
                path: str | os.PathLike | None = None) -> Figure:
    """2-D Pareto front of a study: every trial (infeasible ones as crosses), the front as a
    staircase, and the chosen design (``chosen``, default :meth:`Study.best`) starred."""
    study = _open(study)
    if not isinstance(study, Study):
        raise study._no_study()
    objectives = list(objectives or study.objectives[:2])
    if len(objectives) != 2:
        raise MissingDataError(f"{study.path}: a Pareto plot needs two objectives; the study has "
                               f"{', '.join(study.objectives)} (pass objectives=[x, y])")
    for name in objectives:
        if name not in study.directions:
            raise MissingDataError(f"{study.path}: '{name}' is not an objective; objectives: "
                                   f"{', '.join(study.objectives)}")
    trials = study.trials
    if "fidelity" in trials:  # [tune.screen]: the analytical screening rows are not designs of the front
        trials = trials[trials["fidelity"].astype(str) == "event"]
    x_name, y_name = objectives
    if list(objectives) == study.objectives[:2] and len(study.objectives) == 2:
        front = trials[trials["pareto"]]
    else:
        from .study import pareto_mask
        feasible = trials[trials["feasible"]]
        front = feasible[pareto_mask(feasible[objectives].to_numpy(dtype=np.float64),
                                     [study.directions[o] for o in objectives])]
    if chosen is None:
        chosen = study.best()
    elif not isinstance(chosen, pd.Series):
        chosen = trials.set_index("trial").loc[int(chosen)].rename(int(chosen))
        chosen["trial"] = chosen.name

    figure = _figure(7.0, 5.2)
    ax = figure.subplots()
    feasible = trials[trials["feasible"] & ~trials["pareto"]]
    infeasible = trials[~trials["feasible"] & trials[objectives].notna().all(axis=1)]
    ax.scatter(feasible[x_name], feasible[y_name], s=16, color="0.6", label=f"feasible ({len(feasible)})")
    if len(infeasible):
        ax.scatter(infeasible[x_name], infeasible[y_name], s=16, marker="x", color="tab:red", alpha=0.6,
                   label=f"infeasible ({len(infeasible)})")
    ordered = front.sort_values(x_name)
    y_step = "post" if study.directions[x_name] == study.directions[y_name] else "pre"
    ax.step(ordered[x_name], ordered[y_name], where=y_step, color="tab:blue", alpha=0.6)
    ax.scatter(ordered[x_name], ordered[y_name], s=28, color="tab:blue", zorder=3,
               label=f"Pareto front ({len(front)})")
    ax.scatter([chosen[x_name]], [chosen[y_name]], s=260, marker="*", color="gold", edgecolor="black", zorder=4,
               label=f"chosen: trial {int(chosen['trial'])}")
    ax.annotate(f"trial {int(chosen['trial'])}", (chosen[x_name], chosen[y_name]), textcoords="offset points",
                xytext=(10, 8), fontsize=9)
    ax.set_xlabel(f"{x_name} ({study.directions[x_name]})")
    ax.set_ylabel(f"{y_name} ({study.directions[y_name]})")
    failed = int((trials["status"].astype(str) != "ok").sum())
    ax.set_title(f"{study.path.name}: {study.tuner}, {len(trials)} trials"
                 + (f" ({failed} failed)" if failed else ""), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(figure, path)


def plot_codesign(study, path: str | os.PathLike | None = None, x: str | None = None) -> Figure:
    """A co-design study at a glance: one panel per per-workload objective (its value against
    ``x``, default the first objective that is not per-workload, e.g. area), every simulated
    feasible trial in grey, the Pareto front (over all objectives) in blue, and the winner of each
    workload marked the same way in every panel, so a design that wins one model can be found on
    the others."""
    study = _open(study)
    if not isinstance(study, Study):
        raise study._no_study()
    winners = study.winners()
    panels = list(winners["objective"])
    if x is None:
        others = [o for o in study.objectives if o not in panels]
        if not others:
            raise MissingDataError(f"{study.path}: every objective is per-workload; pass x= (one of "
                                   f"{', '.join(study.objectives)}) for the horizontal axis")
        x = others[0]
    if x not in study.directions:
        raise MissingDataError(f"{study.path}: '{x}' is not an objective; objectives: {', '.join(study.objectives)}")
    trials = study.trials
    simulated = trials[trials["feasible"]]
    front = simulated[simulated["pareto"]]
    markers = ["*", "D", "s", "^", "v", "P", "X", "o"]
    colours = ["gold", "tab:red", "tab:green", "tab:purple", "tab:orange", "tab:cyan", "tab:pink", "tab:olive"]
    figure = _figure(4.2 * len(panels), 4.4)
    axes = np.atleast_1d(figure.subplots(1, len(panels)))
    for ax, objective in zip(axes, panels):
        ax.scatter(simulated[x], simulated[objective], s=14, color="0.65", label=f"feasible, simulated ({len(simulated)})")
        ax.scatter(front[x], front[objective], s=26, color="tab:blue", zorder=3, label=f"Pareto front ({len(front)})")
        for k, winner in winners.iterrows():
            # Earlier winners smaller and on top, so a design that wins several workloads shows every mark.
            ax.scatter([winner[x]], [winner[objective]], s=130 + 90 * k, marker=markers[k % len(markers)],
                       color=colours[k % len(colours)], edgecolor="black", zorder=4 + len(winners) - k,
                       label=f"best for {winner['workload'] or winner['objective']}: trial {int(winner['trial'])}")
        ax.set_xlabel(f"{x} ({study.directions[x]})")
        ax.set_ylabel(f"{objective} ({study.directions[objective]})")
        ax.set_title(study.workload_objectives.get(objective, objective), fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    differing = winners.attrs["differing"]
    short = [study.short_names[name] for name in differing]
    figure.suptitle(f"{study.path.name}: {study.tuner}, {len(simulated)} feasible simulated designs; the workloads' "
                    "best designs differ in " + (", ".join(short) if short else "nothing: one design wins them all"),
                    fontsize=10)
    return _finish(figure, path)


def plot_convergence(studies: Iterable, objective: str | None = None, labels: Sequence[str] | None = None,
                     path: str | os.PathLike | None = None) -> Figure:
    """Best feasible objective value against trials, one line per study (e.g. one per tuner)."""
    studies = [_open(s) for s in ([studies] if isinstance(studies, (Run, str, os.PathLike)) else studies)]
    if not studies:
        raise ValueError("plot_convergence needs at least one study")
    for study in studies:
        if not isinstance(study, Study):
            raise study._no_study()
    objective = objective or studies[0].objectives[0]
    labels = list(labels) if labels is not None else [s.tuner for s in studies]
    if len(set(labels)) < len(labels):
        labels = [f"{label} ({s.path.name})" for label, s in zip(labels, studies)]
    figure = _figure(7.0, 4.5)
    ax = figure.subplots()
    for study, label in zip(studies, labels):
        curve = study.convergence(objective)
        ax.step(np.arange(1, len(curve) + 1), curve["best"], where="post", label=label)
    direction = studies[0].directions[objective]
    ax.set_xlabel("trials")
    ax.set_ylabel(f"best {objective} so far ({direction})")
    ax.set_title(f"tuner convergence: {objective}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(figure, path)
