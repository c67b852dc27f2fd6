"""A run file: metadata, components, links, statistics, summaries, operators and the event trace.

Times are ticks of one picosecond (``uint64``) throughout, as in the file. Statistics are what
components add up with ``stat_add``: every value in ``/stats`` is a running total at that sample.
"""
from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from .errors import MissingDataError, NoOperatorsError, NoStudyError, NoTraceError, UnfinishedRunWarning
from .files import decode, decode_columns, text_attr
from .units import format_time, parse_units

#: Port number of events a component schedules for itself (``kSelfPort`` in C++).
SELF_PORT = 0xFFFF
_TRACE_BLOCK = 1 << 18

_COMPONENT_COLUMNS = ["id", "component", "name", "index", "type", "replica"]
_STATS_COLUMNS = ["component", "replica", "type", "stat", "time", "value", "id"]


def operator_extents(operators: pd.DataFrame, run_end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(start, end, state)`` of each operator of an operator table, as plots and traces draw them:
    a finished one from start to end; one still running when the run stopped (unfinished, but
    started: it moved bytes, spent energy, or started after 0) from start to ``run_end`` (the run's
    final time); one that never started has ``end == start``. ``state`` is ``"finished"``,
    ``"running"`` or ``"not started"``."""
    starts = operators["start"].to_numpy(dtype=np.int64)
    ends = operators["end"].to_numpy(dtype=np.int64)
    finished = operators["finished"].to_numpy(dtype=bool) if "finished" in operators else ends >= starts
    started = starts > 0
    for column in ("bytes", "energy"):
        if column in operators:
            started |= operators[column].to_numpy(dtype=np.float64) > 0
    state = np.where(finished, "finished", np.where(started, "running", "not started"))
    drawn_end = np.where(finished, ends, np.where(started, np.maximum(starts, int(run_end)), starts))
    return starts, drawn_end, state


class Run:
    """An open archlab file. Use :func:`archlab.open`, preferably as a context manager.

    DataFrame properties are read on first use and cached; the file stays open (read-only) until
    :meth:`close`.
    """

    kind = "run"

    def __init__(self, file: h5py.File, path: str | os.PathLike, format_version: int, opened_with_swmr: bool):
        self._file = file
        self.path = Path(path)
        self.format_version = format_version
        self.opened_with_swmr = opened_with_swmr
        if not self.finished:
            warnings.warn(UnfinishedRunWarning(self._unfinished_message()), stacklevel=3)

    # -- lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<archlab {self.kind} {str(self.path)!r}: {self.engine} engine, status {self.status!r}, "
                f"{len(self.components)} components, sim time {format_time(self.final_time)}>")

    @property
    def h5(self) -> h5py.File:
        """The underlying h5py file, for anything this class does not cover."""
        return self._file

    # -- metadata -------------------------------------------------------------------------------

    @property
    def archlab_version(self) -> str:
        return text_attr(self._file, "archlab_version")

    @property
    def engine(self) -> str:
        return text_attr(self._file, "engine")

    @property
    def seed(self) -> int:
        return int(self._file.attrs.get("seed", 0))

    @property
    def experiment_toml(self) -> str:
        return text_attr(self._file, "experiment_toml")

    @property
    def system_toml(self) -> str:
        return text_attr(self._file, "system_toml")

    @property
    def effective_toml(self) -> str:
        """The experiment as it ran: every default filled in and every ``--set`` applied."""
        return text_attr(self._file, "effective_toml")

    @functools.cached_property
    def config(self) -> dict:
        """``effective_toml`` parsed into a dict."""
        try:
            import tomllib
        except ModuleNotFoundError:  # Python < 3.11
            import tomli as tomllib
        return tomllib.loads(self.effective_toml)

    def _engine_scalar(self, name: str, default):
        dataset = self._file.get(f"summary/engine/{name}")
        return default if dataset is None else dataset[()]

    @property
    def has_engine_summary(self) -> bool:
        """False for files without /summary/engine (e.g. a study file holding only /study)."""
        return "summary/engine" in self._file

    @property
    def status(self) -> str:
        """Why the run ended (``stop_time``, ``max_events``, ``failed: ...``); ``running`` if it never did."""
        value = self._engine_scalar("status", None)
        return "unknown" if value is None else decode(value)

    @property
    def finished(self) -> bool:
        """False for a run that was killed (or is still going): the file has data up to its last flush."""
        return self.status != "running"

    @property
    def failed(self) -> bool:
        return self.status.startswith("failed")

    @property
    def final_time(self) -> int:
        """Simulated time at the end (ps); for an unfinished run, the last flushed sample time."""
        if self.finished:
            return int(self._engine_scalar("final_time", 0))
        times = self.times
        return int(times[-1]) if len(times) else 0

    @property
    def events(self) -> int:
        """Events handled; for an unfinished run, the count at the last flushed sample."""
        if self.finished:
            return int(self._engine_scalar("events", 0))
        engine = self.engine_stats
        return int(engine["events"].iloc[-1]) if len(engine) else 0

    @property
    def wall_seconds(self) -> float:
        return float(self._engine_scalar("wall_seconds", float("nan")))

    def _unfinished_message(self) -> str:
        return (f"{self.path}: the run did not finish (status 'running': killed, or still being written); "
                f"the file holds {len(self.times)} samples up to the last flush, "
                f"sim time {format_time(self.final_time)}; summaries come from the last sample")

    # -- components and links -------------------------------------------------------------------

    @functools.cached_property
    def components(self) -> pd.DataFrame:
        """One row per component: id, component (label as ``name[index]``, or ``name`` for a
        single component), name, index, type, replica."""
        if "components" not in self._file:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in _COMPONENT_COLUMNS})
        columns = decode_columns(self._file["components"][:])
        frame = pd.DataFrame(columns)
        group_size = frame.groupby(["replica", "name"], sort=False)["id"].transform("size")
        indexed = frame["name"].astype(str) + "[" + frame["index"].astype(str) + "]"
        frame["component"] = np.where(group_size > 1, indexed, frame["name"])
        frame = frame.sort_values("id", kind="stable").reset_index(drop=True)
        return frame[_COMPONENT_COLUMNS + [c for c in frame.columns if c not in _COMPONENT_COLUMNS]]

    @functools.cached_property
    def _labels(self) -> np.ndarray:
        """Component label by id (ids are 0..N-1, contiguous)."""
        components = self.components
        labels = np.empty(int(components["id"].max()) + 1 if len(components) else 0, dtype=object)
        labels[components["id"].to_numpy(dtype=np.int64)] = components["component"].to_numpy(dtype=object)
        return labels

    @functools.cached_property
    def _replicas_by_id(self) -> np.ndarray:
        components = self.components
        replicas = np.zeros(int(components["id"].max()) + 1 if len(components) else 0, dtype=np.uint32)
        replicas[components["id"].to_numpy(dtype=np.int64)] = components["replica"].to_numpy(dtype=np.uint32)
        return replicas

    def label(self, component_id: int) -> str:
        """``lp[3]`` for component id 3 (ids as in ``/trace/events`` and ``/links``)."""
        return str(self._labels[component_id])

    @property
    def replicas(self) -> int:
        components = self.components
        return int(components["replica"].max()) + 1 if len(components) else 1

    @functools.cached_property
    def links(self) -> pd.DataFrame:
        """One row per ``[[links]]`` entry (per replica): from, to, src_first, src_count, dst_first,
        dst_count, latency (ps), replica."""
        if "links" not in self._file:
            return pd.DataFrame(columns=["from", "to", "src_first", "src_count", "dst_first", "dst_count", "latency",
                                         "replica"])
        frame = pd.DataFrame(decode_columns(self._file["links"][:]))
        if "src_first" in frame and len(self._replicas_by_id):
            frame["replica"] = self._replicas_by_id[frame["src_first"].to_numpy(dtype=np.int64)]
        return frame

    # -- statistics -----------------------------------------------------------------------------

    @functools.cached_property
    def _stat_datasets(self) -> dict[str, dict[str, h5py.Dataset]]:
        """{type: {stat: dataset}} under /stats (engine counters excluded)."""
        stats = self._file.get("stats")
        found = {}
        if stats is None:
            return found
        for type_name, group in stats.items():
            if type_name == "engine" or not isinstance(group, h5py.Group):
                continue
            found[type_name] = {name: d for name, d in group.items() if isinstance(d, h5py.Dataset)}
        return found

    @property
    def types(self) -> list[str]:
        """Component types that declare statistics, in file order."""
        return list(self._stat_datasets)

    def stat_names(self, component_type: str) -> list[str]:
        try:
            return list(self._stat_datasets[component_type])
        except KeyError:
            raise MissingDataError(f"{self.path}: no statistics for type '{component_type}'; types with statistics: "
                                   f"{', '.join(self.types) or 'none'}") from None

    @functools.cached_property
    def units(self) -> dict[tuple[str, str], str]:
        """{(type, stat): unit}, e.g. ``{("workload.phold", "events"): "events"}``."""
        units = {}
        for type_name, datasets in self._stat_datasets.items():
            for stat, dataset in datasets.items():
                units[(type_name, stat)] = text_attr(dataset, "unit")
        for type_name, group in self._summary_groups.items():
            for stat, dataset in group.items():
                units.setdefault((type_name, stat), text_attr(dataset, "unit"))
        return units

    @functools.cached_property
    def stat_kinds(self) -> dict[tuple[str, str], dict]:
        """{(type, stat): what the statistic is} for histogram bins and derived statistics (a
        declared sum is absent): ``{"kind": "histogram_bin", "histogram": name, "low": .., "high": ..,
        "value_unit": ..}`` or ``{"kind": "derived", "numerator": stat, "denominator": stat}``."""
        kinds = {}
        for groups in (self._stat_datasets, self._summary_groups):
            for type_name, datasets in groups.items():
                for stat, dataset in datasets.items():
                    kind = text_attr(dataset, "kind")
                    if not kind or (type_name, stat) in kinds:
                        continue
                    if kind == "histogram_bin":
                        kinds[(type_name, stat)] = {
                            "kind": kind, "histogram": text_attr(dataset, "histogram"),
                            "low": float(dataset.attrs["bin_low"]), "high": float(dataset.attrs["bin_high"]),
                            "value_unit": text_attr(dataset, "value_unit")}
                    elif kind == "derived":
                        kinds[(type_name, stat)] = {"kind": kind, "numerator": text_attr(dataset, "numerator"),
                                                    "denominator": text_attr(dataset, "denominator")}
        return kinds

    def histograms(self, component_type: str) -> list[str]:
        """The histograms a component type declares (each bin is a statistic of its own)."""
        names = []
        for (type_name, _), info in self.stat_kinds.items():
            if type_name == component_type and info["kind"] == "histogram_bin" and info["histogram"] not in names:
                names.append(info["histogram"])
        return names

    def histogram(self, component_type: str, name: str, replica: int | None = None) -> pd.DataFrame:
        """A histogram's final counts, summed over the type's components (of one replica, or all):
        columns low, high (bin edges in ``.attrs["unit"]``; -inf and inf for the under- and overflow
        bins), count."""
        bins = [(stat, info) for (type_name, stat), info in self.stat_kinds.items()
                if type_name == component_type and info["kind"] == "histogram_bin" and info["histogram"] == name]
        if not bins:
            raise MissingDataError(f"{self.path}: type '{component_type}' has no histogram '{name}'; it has: "
                                   f"{', '.join(self.histograms(component_type)) or 'none'}")
        rows = []
        for stat, info in sorted(bins, key=lambda item: item[1]["low"]):
            values, ids = self._final_values(component_type, stat)
            if replica is not None:
                values = values[self._replicas_by_id[ids] == replica]
            rows.append({"low": info["low"], "high": info["high"], "count": float(np.nansum(values))})
        frame = pd.DataFrame(rows, columns=["low", "high", "count"])
        frame.attrs["unit"] = bins[0][1]["value_unit"]
        return frame

    def _first_id(self, group: h5py.Group) -> int:
        if "first_id" not in group.attrs:
            raise MissingDataError(f"{self.path}: {group.name} has no 'first_id' attribute; cannot tell its components")
        return int(group.attrs["first_id"])

    @functools.cached_property
    def samples(self) -> int:
        """Number of complete samples: in a killed run's file some datasets may hold a row more than others."""
        if "stats/time" not in self._file:
            return 0
        lengths = [self._file["stats/time"].shape[0]]
        for datasets in self._stat_datasets.values():
            lengths += [d.shape[0] for d in datasets.values()]
        for name in ("events", "pending"):
            if f"stats/engine/{name}" in self._file:
                lengths.append(self._file[f"stats/engine/{name}"].shape[0])
        return min(lengths)

    @property
    def times(self) -> np.ndarray:
        """Sample times (ps)."""
        if "stats/time" not in self._file:
            return np.zeros(0, dtype=np.uint64)
        return self._file["stats/time"][: self.samples]

    def stat_array(self, component_type: str, stat: str) -> tuple[np.ndarray, np.ndarray]:
        """``(values [samples x instances], component ids [instances])`` of one statistic (running totals)."""
        names = self.stat_names(component_type)
        if stat not in names:
            raise MissingDataError(f"{self.path}: type '{component_type}' has no statistic '{stat}'; it has: "
                                   f"{', '.join(names)}")
        dataset = self._stat_datasets[component_type][stat]
        first_id = self._first_id(dataset.parent)
        return dataset[: self.samples], first_id + np.arange(dataset.shape[1], dtype=np.uint32)

    def stat_series(self, component_type: str, stat: str, replica: int | None = None) -> pd.DataFrame:
        """One statistic as a wide frame: index time (ps), one column per component label."""
        values, ids = self.stat_array(component_type, stat)
        if replica is not None:
            keep = self._replicas_by_id[ids] == replica
            values, ids = values[:, keep], ids[keep]
        columns = self._labels[ids] if self.replicas == 1 or replica is not None else [
            f"{label} (replica {r})" for label, r in zip(self._labels[ids], self._replicas_by_id[ids])]
        return pd.DataFrame(values, index=pd.Index(self.times, name="time"), columns=list(columns))

    def stats_frame(self, component_type: str | None = None, stat: str | None = None,
                    replica: int | None = None) -> pd.DataFrame:
        """Statistics time series in long format: component, replica, type, stat, time (ps), value, id.

        Filter by type, statistic and replica to keep large runs small.
        """
        if component_type is not None:
            self.stat_names(component_type)  # a clear error for an unknown type
        parts = []
        times = self.times
        for type_name, datasets in self._stat_datasets.items():
            if component_type is not None and type_name != component_type:
                continue
            for stat_name in datasets:
                if stat is not None and stat_name != stat:
                    continue
                values, ids = self.stat_array(type_name, stat_name)
                if replica is not None:
                    keep = self._replicas_by_id[ids] == replica
                    values, ids = values[:, keep], ids[keep]
                samples, instances = values.shape
                parts.append(pd.DataFrame({
                    "component": pd.Categorical(np.repeat(self._labels[ids], samples)),
                    "replica": np.repeat(self._replicas_by_id[ids], samples),
                    "type": type_name,
                    "stat": stat_name,
                    "time": np.tile(times, instances),
                    "value": values.T.ravel(),
                    "id": np.repeat(ids, samples),
                }))
        if stat is not None and not parts:
            raise MissingDataError(f"{self.path}: no statistic '{stat}' in "
                                   f"{component_type or 'any type'}; statistics: {self._all_stat_names()}")
        if not parts:
            frame = pd.DataFrame({c: pd.Series(dtype=object) for c in _STATS_COLUMNS})
        else:
            frame = pd.concat(parts, ignore_index=True)
        for column in ("component", "type", "stat"):
            frame[column] = frame[column].astype("category")
        return frame

    def _all_stat_names(self) -> str:
        return ", ".join(f"{t}/{s}" for t, names in self._stat_datasets.items() for s in names) or "none"

    @functools.cached_property
    def stats(self) -> pd.DataFrame:
        """Every statistic's time series, long format (see :meth:`stats_frame`)."""
        return self.stats_frame()

    @functools.cached_property
    def engine_stats(self) -> pd.DataFrame:
        """Engine counters at each sample: time, events (handled so far), pending."""
        frame = pd.DataFrame({"time": self.times})
        for name in ("events", "pending"):
            dataset = self._file.get(f"stats/engine/{name}")
            frame[name] = dataset[: self.samples] if dataset is not None else np.zeros(len(frame), dtype=np.uint64)
        return frame

    # -- summaries ------------------------------------------------------------------------------

    @functools.cached_property
    def _summary_groups(self) -> dict[str, dict[str, h5py.Dataset]]:
        summary = self._file.get("summary")
        found = {}
        if summary is None:
            return found
        for type_name, group in summary.items():
            if type_name != "engine" and isinstance(group, h5py.Group):
                found[type_name] = {name: d for name, d in group.items() if isinstance(d, h5py.Dataset)}
        return found

    def _final_values(self, type_name: str, stat: str) -> tuple[np.ndarray, np.ndarray]:
        dataset = self._summary_groups[type_name][stat]
        values = dataset[:]
        ids = self._first_id(dataset.parent) + np.arange(len(values), dtype=np.uint32)
        if not self.finished and np.all(np.isnan(values)) and self.samples > 0 and type_name in self._stat_datasets:
            values = self._stat_datasets[type_name][stat][self.samples - 1]
        return values, ids

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """Final statistic values, one row per component (columns as in :attr:`components`, then one
        per statistic; NaN where a type lacks the statistic). For an unfinished run: the last sample."""
        frame = self.components.set_index("id", drop=False)
        for type_name, datasets in self._summary_groups.items():
            for stat in datasets:
                values, ids = self._final_values(type_name, stat)
                if stat not in frame:
                    frame[stat] = np.nan
                frame.loc[ids, stat] = values
        return frame.reset_index(drop=True)

    def totals(self) -> pd.DataFrame:
        """Per replica, type and statistic: the sum over components (what ``archlab run`` prints):
        a derived statistic is the ratio of its two sums, and a histogram's empty bins are left out.

        Columns: replica, type, stat, total, unit.
        """
        rows = []
        for type_name, datasets in self._summary_groups.items():
            def sums(stat):
                values, ids = self._final_values(type_name, stat)
                replicas = self._replicas_by_id[ids] if len(ids) else np.zeros(0, dtype=np.uint32)
                return [float(values[replicas == replica].sum()) for replica in range(self.replicas)]
            for stat in datasets:
                info = self.stat_kinds.get((type_name, stat), {})
                if info.get("kind") == "derived":
                    numerator, denominator = sums(info["numerator"]), sums(info["denominator"])
                    totals = [n / d if d != 0 else float("nan") for n, d in zip(numerator, denominator)]
                else:
                    totals = sums(stat)
                for replica in range(self.replicas):
                    if info.get("kind") == "histogram_bin" and totals[replica] == 0:
                        continue
                    rows.append({"replica": replica, "type": type_name, "stat": stat, "total": totals[replica],
                                 "unit": self.units.get((type_name, stat), "")})
        frame = pd.DataFrame(rows, columns=["replica", "type", "stat", "total", "unit"])
        return frame.sort_values(["replica"], kind="stable").reset_index(drop=True)

    # -- workload operators ---------------------------------------------------------------------

    @property
    def workloads(self) -> list[str]:
        """Workloads with an operator table (``/workload/<name>/operators``)."""
        return self._workload_tables("operators")

    def _workload_tables(self, table: str) -> list[str]:
        group = self._file.get("workload")
        if group is None:
            return []
        return [name for name, item in group.items() if isinstance(item, h5py.Group) and table in item]

    def _no_operators(self, what: str) -> NoOperatorsError:
        configured = self.config.get("workloads", {}) if self.effective_toml else {}
        kinds = ", ".join(f"{name} ({table.get('type', '?')})" for name, table in configured.items()
                          if isinstance(table, dict))
        return NoOperatorsError(f"{self.path}: this file has no workload operators ({what}); operator tables come "
                                f"from operator-graph workloads (workload.dnn)"
                                + (f"; this run's workloads: {kinds}" if kinds else ""))

    def operators_of(self, workload: str) -> pd.DataFrame:
        """One workload's operator table, one row per operator in the file's order (workload.dnn:
        the program's topological order, per replica and instance), with ``latency = end - start``
        filled in when absent and a ``finished`` column added (see :attr:`operators`)."""
        if workload not in self.workloads:
            if not self.workloads:
                raise self._no_operators(f"no /workload/{workload}/operators")
            raise NoOperatorsError(f"{self.path}: no operators for workload '{workload}'; workloads with "
                                   f"operators: {', '.join(self.workloads)}")
        dataset = self._file[f"workload/{workload}/operators"]
        frame = pd.DataFrame(decode_columns(dataset[:]))
        if "latency" not in frame and {"start", "end"} <= set(frame.columns):
            starts, ends = frame["start"].to_numpy(), frame["end"].to_numpy()
            frame["latency"] = np.where(ends >= starts, ends - starts, 0).astype(ends.dtype)
        if "start" not in frame and "latency" in frame:
            frame["start"] = np.concatenate([[0], np.cumsum(frame["latency"].to_numpy())[:-1]]).astype(np.uint64)
        if "end" not in frame and {"start", "latency"} <= set(frame.columns):
            frame["end"] = frame["start"] + frame["latency"]
        if "name" not in frame:
            frame["name"] = [f"op{i}" for i in range(len(frame))]
        if "finished" not in frame:
            frame["finished"] = self._operators_finished(workload, frame)
        else:
            frame["finished"] = frame["finished"].astype(bool)
        frame.insert(0, "workload", workload)
        frame.attrs["units"] = parse_units(text_attr(dataset, "units"))
        frame.attrs["doc"] = text_attr(dataset, "doc")
        return frame

    def _operators_finished(self, workload: str, frame: pd.DataFrame) -> np.ndarray:
        """Which operators finished. workload.dnn records an operator that did not finish (the run
        stopped first) with ``end`` and ``latency`` 0, and ``start`` 0 when it never started; an
        inference its totals row reports complete (``ops_done == ops``) finished every operator."""
        starts, ends = frame["start"].to_numpy(dtype=np.int64), frame["end"].to_numpy(dtype=np.int64)
        finished = (ends >= starts) & (ends > 0)
        totals = self._totals_table(workload)
        if totals is not None and {"ops", "ops_done"} <= set(totals.columns):
            keys = [k for k in ("replica", "instance") if k in totals and k in frame]
            complete = totals[totals["ops_done"] >= totals["ops"]]
            if keys:
                done = frame[keys].merge(complete[keys].drop_duplicates(), on=keys, how="left", indicator=True)
                finished |= (done["_merge"] == "both").to_numpy()
            elif len(complete) == len(totals) and len(totals):
                finished[:] = True
        return finished

    def _totals_table(self, workload: str) -> pd.DataFrame | None:
        dataset = self._file.get(f"workload/{workload}/totals")
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.names is None:
            return None
        frame = pd.DataFrame(decode_columns(dataset[:]))
        frame.attrs["units"] = parse_units(text_attr(dataset, "units"))
        frame.attrs["doc"] = text_attr(dataset, "doc")
        return frame

    @functools.cached_property
    def operators(self) -> pd.DataFrame:
        """Every workload's operators, one row per operator: workload, name, op (conv2d, gemm,
        matmul, elementwise, ...), start, end, latency (ps), macs, bytes, energy (pJ), utilization,
        and whatever else the file records (workload.dnn: unit, tiles, replica, instance), plus
        ``finished`` (False for an operator the run stopped before finishing; the file then holds
        ``end`` and ``latency`` 0). ``.attrs["units"]`` maps columns to units (``{"start": "ps", ...}``)."""
        if not self.workloads:
            raise self._no_operators("no /workload/<name>/operators")
        parts = [self.operators_of(w) for w in self.workloads]
        frame = pd.concat(parts, ignore_index=True)
        frame.attrs = {"units": {k: v for part in parts for k, v in part.attrs["units"].items()},
                       "doc": parts[0].attrs["doc"] if len(parts) == 1 else ""}
        return frame

    @functools.cached_property
    def workload_totals(self) -> pd.DataFrame:
        """One row per inference (per workload instance and replica) from ``/workload/<name>/totals``:
        workload, model, status (``completed``, or ``unfinished: k of n operators done``), latency
        (ps), throughput (1/s), macs, bytes, energy (pJ), ops, ops_done, replica, instance.
        ``.attrs["units"]`` as for :attr:`operators`."""
        names = self._workload_tables("totals")
        parts = [(name, self._totals_table(name)) for name in names]
        parts = [(name, frame) for name, frame in parts if frame is not None]
        if not parts:
            raise self._no_operators("no /workload/<name>/totals")
        for name, frame in parts:
            frame.insert(0, "workload", name)
        frame = pd.concat([frame for _, frame in parts], ignore_index=True)
        frame.attrs = {"units": {k: v for _, part in parts for k, v in part.attrs["units"].items()},
                       "doc": parts[0][1].attrs["doc"] if len(parts) == 1 else ""}
        return frame

    # -- study (see archlab.study.Study) -------------------------------------------------------

    def _no_study(self) -> NoStudyError:
        return NoStudyError(f"{self.path}: this file has no study (no /study group): it holds a single run; "
                            "study files come from tuning experiments")

    @property
    def trials(self) -> pd.DataFrame:
        raise self._no_study()

    @property
    def pareto(self) -> pd.DataFrame:
        raise self._no_study()

    # -- port and event kind names -------------------------------------------------------------

    def _name_table(self, name: str, columns: list[str]) -> pd.DataFrame:
        dataset = self._file.get(name)
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.names is None:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        frame = pd.DataFrame(decode_columns(dataset[:]))
        return frame[[c for c in columns if c in frame] + [c for c in frame.columns if c not in columns]]

    @functools.cached_property
    def ports(self) -> pd.DataFrame:
        """Every component type's ports by number (trace records name a port by number): type,
        port, name, direction (``"in"``/``"out"``). Empty for a file written before archlab kept them."""
        return self._name_table("ports", ["type", "port", "name", "direction"])

    @functools.cached_property
    def kinds(self) -> pd.DataFrame:
        """Event kind names: type, kind, name. Type ``""`` holds the kinds components share
        (protocol.hpp: ``mem_read``, ``gemm_tile``, ...); a type's own kinds are under its name.
        Empty for a file written before archlab kept them."""
        return self._name_table("kinds", ["type", "kind", "name"])

    @functools.cached_property
    def _port_names(self) -> dict[tuple[str, int], str]:
        ports = self.ports
        return {(str(t), int(p)): str(n) for t, p, n in zip(ports["type"], ports["port"], ports["name"])}

    @functools.cached_property
    def _kind_names(self) -> dict[tuple[str, int], str]:
        kinds = self.kinds
        return {(str(t), int(k)): str(n) for t, k, n in zip(kinds["type"], kinds["kind"], kinds["name"])}

    def port_name(self, component_type: str, port: int) -> str:
        """The name a type gives its port number ``port`` (``"in"``); ``"self"`` for the port of
        events a component schedules for itself; ``"port <n>"`` when the file does not say."""
        if port == SELF_PORT:
            return "self"
        return self._port_names.get((component_type, int(port)), f"port {port}")

    def kind_name(self, kind: int, component_type: str = "", sender_type: str = "") -> str:
        """The name of event kind ``kind`` as ``component_type`` (the receiver, whose handler reads
        it) declares it, else as ``sender_type`` does, else the shared protocol's name, else
        ``"k<kind>"`` (also for every kind of a file written before archlab kept kind names)."""
        for type_name in (component_type, sender_type, ""):
            name = self._kind_names.get((type_name, int(kind)))
            if name is not None:
                return name
        return f"k{kind}"

    # -- event trace ----------------------------------------------------------------------------

    @property
    def has_trace(self) -> bool:
        return "trace/events" in self._file

    @property
    def trace_length(self) -> int:
        return self._trace_dataset().shape[0]

    def _trace_dataset(self) -> h5py.Dataset:
        if not self.has_trace:
            raise NoTraceError(f"{self.path}: this run has no event trace (/trace/events); run with "
                               "`--set trace=true`")
        return self._file["trace/events"]

    def trace_rows(self, start: int | None = None, end: int | None = None) -> tuple[int, int]:
        """Row range ``[first, last)`` of trace records with ``start <= time < end`` (the trace is sorted by time)."""
        dataset = self._trace_dataset()
        if start is None and end is None:
            return 0, dataset.shape[0]
        times = dataset.fields("time")[:]
        first = int(np.searchsorted(times, start, side="left")) if start is not None else 0
        last = int(np.searchsorted(times, end, side="left")) if end is not None else len(times)
        return first, max(first, last)

    def trace(self, start: int | None = None, end: int | None = None, limit: int | None = None,
              sent: bool = False) -> pd.DataFrame:
        """Handled events: time (ps), seq, src, target (component ids), port (65535: self), kind,
        first_seq (the target's send counter before it handled the event; files since archlab
        recorded send times).

        ``start``/``end`` (ps) select a time window, ``limit`` caps the number of rows. ``sent``
        adds a column ``sent``: when the event was sent (ps), see :meth:`send_times`.
        """
        first, last = self.trace_rows(start, end)
        if limit is not None:
            last = min(last, first + limit)
        frame = pd.DataFrame(self._trace_dataset()[first:last])
        if sent:
            frame["sent"] = self.send_times(frame["src"].to_numpy(), frame["seq"].to_numpy(), before_row=last)
        return frame

    @property
    def has_send_times(self) -> bool:
        """Whether the trace says when each event was sent (its records carry ``first_seq``)."""
        return self.has_trace and "first_seq" in (self._trace_dataset().dtype.names or ())

    def send_times(self, src, seq, before_row: int | None = None) -> np.ndarray:
        """When the events with order keys (``src``, ``seq``) were sent (ps, ``uint64``): the time
        of the sender's handling whose sends include ``seq``, or 0 when the sender's ``init`` sent
        it (``seq`` below the ``first_seq`` of the sender's first record, or a sender that handled
        nothing).

        A component's records, in file order, are its handlings in order, and each one's
        ``first_seq`` is its send counter before that handling: so the events it sent meanwhile
        have ``seq`` from there up to its next record's ``first_seq``. Reads the sender's records
        among ``/trace/events`` rows ``[0, before_row)`` (default: all; a send precedes its
        receive, so rows up to the last receive asked about suffice).
        """
        dataset = self._trace_dataset()
        if not self.has_send_times:
            raise MissingDataError(f"{self.path}: /trace/events has no 'first_seq' field: the file was written before "
                                   "archlab recorded send times; rerun with `--set trace=true` to get them")
        src = np.asarray(src, dtype=np.int64)
        seq = np.asarray(seq, dtype=np.uint64)
        sent = np.zeros(len(src), dtype=np.uint64)
        if len(src) == 0:
            return sent
        last = dataset.shape[0] if before_row is None else min(int(before_row), dataset.shape[0])
        senders = np.zeros(max(int(src.max()) + 1, len(self.components)), dtype=bool)
        senders[src] = True
        times, targets, firsts = [], [], []
        for block_first in range(0, last, _TRACE_BLOCK):
            block = dataset.fields(["time", "target", "first_seq"])[block_first:min(last, block_first + _TRACE_BLOCK)]
            target = block["target"].astype(np.int64)
            keep = np.zeros(len(target), dtype=bool)
            inside = target < len(senders)
            keep[inside] = senders[target[inside]]
            times.append(block["time"][keep])
            targets.append(target[keep])
            firsts.append(block["first_seq"][keep].astype(np.uint64))
        times, targets, firsts = (np.concatenate(parts) for parts in (times, targets, firsts))
        # One sortable key per (component, counter): counters ranked densely so the key fits 64 bits.
        # A component's records keep their order under a stable sort (first_seq never decreases
        # along them), so the last record at or below a (src, seq) key is the handling that sent it.
        ranks = np.unique(np.concatenate([firsts, seq]))
        width = np.uint64(len(ranks))
        keys = targets.astype(np.uint64) * width + np.searchsorted(ranks, firsts).astype(np.uint64)
        order = np.argsort(keys, kind="stable")
        queries = src.astype(np.uint64) * width + np.searchsorted(ranks, seq).astype(np.uint64)
        found = np.searchsorted(keys[order], queries, side="right") - 1
        known = found >= 0
        rows = order[found[known]]
        same = targets[rows] == src[known]
        where = np.flatnonzero(known)[same]
        sent[where] = times[rows[same]]
        return sent
