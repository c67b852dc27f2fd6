"""A study file: a run file plus ``/study`` (one row per trial, and the Pareto front).

Layout read here (see python/README.md, "Study files"):

* ``/study`` group attributes: ``objectives`` (names, required), ``directions`` (``"min"``/``"max"``
  per objective, default ``"min"``), optional ``parameters`` and ``constraints`` (names),
  ``tuner`` (name), ``chosen`` (row of the design the study picked).
* ``/study/trials``: a compound table, one row per trial, with a field per parameter, objective and
  constraint, plus bookkeeping fields: ``trial``, ``batch``, ``replica``, ``status`` (``"ok"``,
  ``"failed: ..."``, ...), ``wall_seconds``, optionally ``feasible`` and ``fidelity`` (``"event"`` or
  ``"analytical"``: with ``[tune.screen]``, only event-level trials count as feasible here).
* ``/study/pareto``: row numbers of ``/study/trials`` that are non-dominated.
"""
from __future__ import annotations

import functools
import tomllib

import numpy as np
import pandas as pd

from .errors import MissingDataError, NoStudyError
from .files import decode_columns, string_list_attr, text_attr
from .run import Run

#: Fields of /study/trials that are neither parameters, objectives nor constraints.
BOOKKEEPING = ("trial", "batch", "replica", "status", "wall_seconds", "feasible", "fidelity", "seed", "error")

_DIRECTIONS = {"min": "min", "minimize": "min", "minimise": "min", "max": "max", "maximize": "max",
               "maximise": "max"}


def pareto_mask(values: np.ndarray, directions: list[str]) -> np.ndarray:
    """Rows of ``values`` [n x objectives] that no other row dominates (ties are all kept)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(directions):
        raise ValueError(f"values must be [n x {len(directions)}], got shape {values.shape}")
    signs = np.array([1.0 if _direction(d) == "min" else -1.0 for d in directions])
    costs = values * signs
    keep = np.all(np.isfinite(costs), axis=1)
    for i in np.flatnonzero(keep):
        if not keep[i]:
            continue
        dominated = np.all(costs[i] <= costs, axis=1) & np.any(costs[i] < costs, axis=1)
        keep &= ~dominated
    return keep


def _direction(text: str) -> str:
    try:
        return _DIRECTIONS[str(text).strip().lower()]
    except KeyError:
        raise ValueError(f"objective direction '{text}' is neither 'min' nor 'max'") from None


class Study(Run):
    """An archlab study file. :func:`archlab.open` returns one when the file has a ``/study`` group."""

    kind = "study"

    @property
    def _group(self):
        group = self._file.get("study")
        if group is None:
            raise self._no_study()
        return group

    @property
    def tuner(self) -> str:
        """The tuner's name (``tuner`` attribute), or the file name when the file does not say."""
        return text_attr(self._group, "tuner", self.path.stem)

    @functools.cached_property
    def objectives(self) -> list[str]:
        names = string_list_attr(self._group, "objectives")
        if not names:
            raise MissingDataError(f"{self.path}: /study has no 'objectives' attribute (the names of the objective "
                                   "fields of /study/trials)")
        return names

    @functools.cached_property
    def directions(self) -> dict[str, str]:
        """{objective: "min" or "max"}."""
        given = string_list_attr(self._group, "directions") or ["min"] * len(self.objectives)
        if len(given) != len(self.objectives):
            raise MissingDataError(f"{self.path}: /study has {len(self.objectives)} objectives but {len(given)} "
                                   "directions")
        return {name: _direction(d) for name, d in zip(self.objectives, given)}

    @functools.cached_property
    def constraints(self) -> list[str]:
        return string_list_attr(self._group, "constraints") or []

    @functools.cached_property
    def parameters(self) -> list[str]:
        """Design parameter names: the ``parameters`` attribute, else every field that is not an
        objective, a constraint or bookkeeping."""
        named = string_list_attr(self._group, "parameters")
        if named is not None:
            return named
        taken = set(self.objectives) | set(self.constraints) | set(BOOKKEEPING)
        return [c for c in self._raw_trials.columns if c not in taken]

    @functools.cached_property
    def short_names(self) -> dict[str, str]:
        """{parameter: its short name}, in parameter order. The short name is the last segment of
        the dotted path (``rows`` for ``system.components.sa.rows``), as ``archlab tune`` prints it
        and as its ``[tune]`` conditions accept it, when no other parameter ends in that segment;
        otherwise the fewest last segments that no other parameter ends in (``a.size`` and
        ``b.size`` for ``system.components.a.size`` and ``system.components.b.size``, which
        ``archlab tune`` would both print as ``size``). A short name already taken by another
        field (``trial``, an objective, ...) gets a segment more; a parameter without a shorter
        unique name keeps its path."""
        taken = set(self._raw_trials.columns) | set(self.objectives) | set(self.constraints) | {"pareto", "feasible"}
        names = {}
        for name in self.parameters:
            parts = name.split(".")
            names[name] = name
            for count in range(1, len(parts)):
                short = ".".join(parts[-count:])
                if short in taken or any(other != name and (other == short or other.endswith("." + short))
                                         for other in self.parameters):
                    continue
                names[name] = short
                break
        return names

    @functools.cached_property
    def aliases(self) -> dict[str, str]:
        """{short name: parameter} for every parameter whose short name (:attr:`short_names`) is
        not its path. :attr:`trials` has a column under each short name too."""
        return {short: name for name, short in self.short_names.items() if short != name}

    def column(self, name: str) -> str:
        """The :attr:`trials` column that ``name`` means: a field of the table, a parameter's path
        or its short name. Raises :class:`MissingDataError` naming the valid names."""
        if name in self._raw_trials.columns or name in ("pareto", "feasible"):
            return name
        if name in self.aliases:
            return self.aliases[name]
        tail = [p for p in self.parameters if p.endswith("." + name)]
        hint = (f"; '{name}' ends {len(tail)} parameters' paths: {', '.join(self.short_names[p] for p in tail)}"
                if len(tail) > 1 else "")
        raise MissingDataError(f"{self.path}: no column '{name}'{hint}; parameters: "
                               f"{', '.join(self.short_names.values()) or 'none'}; objectives: "
                               f"{', '.join(self.objectives)}")

    @functools.cached_property
    def _raw_trials(self) -> pd.DataFrame:
        dataset = self._group.get("trials")
        if dataset is None:
            raise NoStudyError(f"{self.path}: /study has no 'trials' table")
        return pd.DataFrame(decode_columns(dataset[:]))

    @functools.cached_property
    def trials(self) -> pd.DataFrame:
        """One row per trial: trial, status, feasible, pareto, the parameters, objectives and
        constraints, then the other recorded fields (replica, batch, wall_seconds, ...), then a
        copy of each parameter under its short name (:attr:`aliases`)."""
        frame = self._raw_trials.copy()
        missing = [name for name in self.objectives + self.constraints + self.parameters if name not in frame]
        if missing:
            raise MissingDataError(f"{self.path}: /study/trials lacks the fields {', '.join(missing)} named by "
                                   f"/study's attributes; it has: {', '.join(frame.columns)}")
        if "trial" not in frame:
            frame["trial"] = np.arange(len(frame))
        if "status" not in frame:
            frame["status"] = "ok"
        ok = frame["status"].astype(str).str.lower() == "ok"
        if "feasible" in frame:
            feasible = ok & frame["feasible"].astype(bool)
        else:
            # Constraints are stored as g(x) <= 0 when satisfied (value minus limit).
            feasible = ok & np.all(frame[self.constraints].to_numpy(dtype=np.float64) <= 0, axis=1)
        if "fidelity" in frame:
            # [tune.screen]: analytical estimates guide the search; fronts and best are of simulated trials.
            feasible = feasible & (frame["fidelity"].astype(str) == "event")
        frame["feasible"] = np.asarray(feasible, dtype=bool)
        frame["pareto"] = False
        frame.loc[self._pareto_rows(frame), "pareto"] = True
        first = ["trial", "status", "feasible", "pareto"] + self.parameters + self.objectives + self.constraints
        frame = frame[first + [c for c in frame.columns if c not in first]]
        for short, name in self.aliases.items():
            frame[short] = frame[name]
        return frame

    def _pareto_rows(self, frame: pd.DataFrame) -> np.ndarray:
        stored = self._group.get("pareto")
        if stored is not None:
            rows = np.asarray(stored[:], dtype=np.int64).ravel()
            if rows.size and (rows.min() < 0 or rows.max() >= len(frame)):
                raise MissingDataError(f"{self.path}: /study/pareto names rows outside /study/trials "
                                       f"(0..{len(frame) - 1})")
            return rows
        return self._computed_pareto_rows(frame)

    def _computed_pareto_rows(self, frame: pd.DataFrame) -> np.ndarray:
        feasible = np.flatnonzero(frame["feasible"].to_numpy())
        values = frame[self.objectives].to_numpy(dtype=np.float64)[feasible]
        return feasible[pareto_mask(values, [self.directions[o] for o in self.objectives])]

    @property
    def pareto_source(self) -> str:
        """``"file"`` when /study/pareto was read, ``"computed"`` when this package computed the front."""
        return "file" if "pareto" in self._group else "computed"

    @property
    def pareto(self) -> pd.DataFrame:
        """The non-dominated feasible trials (from /study/pareto, else computed from the trials)."""
        trials = self.trials
        return trials[trials["pareto"]]

    def best(self, objective: str | None = None) -> pd.Series:
        """The best feasible trial.

        With ``objective`` (or a single-objective study): the best value of it. Otherwise the design
        the study chose (``chosen`` attribute), or else the Pareto trial nearest the ideal point,
        each objective scaled to [0, 1] over the front.
        """
        trials = self.trials
        feasible = trials[trials["feasible"]]
        if feasible.empty:
            raise MissingDataError(f"{self.path}: no feasible trial among {len(trials)} "
                                   f"({(trials['status'] != 'ok').sum()} failed)")
        if objective is None and len(self.objectives) == 1:
            objective = self.objectives[0]
        if objective is not None:
            if objective not in self.directions:
                raise MissingDataError(f"{self.path}: '{objective}' is not an objective; objectives: "
                                       f"{', '.join(self.objectives)}")
            column = feasible[objective]
            return feasible.loc[column.idxmin() if self.directions[objective] == "min" else column.idxmax()]
        if "chosen" in self._group.attrs:
            row = int(self._group.attrs["chosen"])
            if not 0 <= row < len(trials):
                raise MissingDataError(f"{self.path}: /study 'chosen' is row {row}, outside /study/trials")
            return trials.iloc[row]
        front = self.pareto if not self.pareto.empty else feasible
        costs = front[self.objectives].to_numpy(dtype=np.float64)
        costs = costs * np.array([1.0 if self.directions[o] == "min" else -1.0 for o in self.objectives])
        span = costs.max(axis=0) - costs.min(axis=0)
        scaled = (costs - costs.min(axis=0)) / np.where(span > 0, span, 1.0)
        return front.iloc[int(np.argmin(np.linalg.norm(scaled, axis=1)))]

    @functools.cached_property
    def workload_objectives(self) -> dict[str, str]:
        """{objective: workload variant} for the objectives taken from one workload variant
        (``workload = "..."`` in the experiment's ``[tune.objectives]``); empty when there are none
        or the file does not keep its experiment."""
        try:
            tune = tomllib.loads(self.experiment_toml or "").get("tune", {})
        except tomllib.TOMLDecodeError:
            return {}
        declared = tune.get("objectives", {}) if isinstance(tune, dict) else {}
        return {name: str(table["workload"]) for name, table in declared.items()
                if name in self.directions and isinstance(table, dict) and "workload" in table}

    def winners(self, objectives: list[str] | None = None) -> pd.DataFrame:
        """The best simulated feasible design for each objective (default: each per-workload
        objective, :attr:`workload_objectives`): one row per objective with ``objective``,
        ``workload``, then the winning trial's row. ``frame.attrs["differing"]`` lists the
        parameters whose values are not the same in every winner (empty: one design wins them all)."""
        objectives = list(objectives if objectives is not None else self.workload_objectives)
        if not objectives:
            raise MissingDataError(f"{self.path}: no per-workload objective (an objective with workload = \"...\" "
                                   f"in [tune.objectives]); objectives: {', '.join(self.objectives)}")
        rows = []
        for objective in objectives:
            row = self.best(objective).copy()
            row["objective"] = objective
            row["workload"] = self.workload_objectives.get(objective, "")
            rows.append(row)
        frame = pd.DataFrame(rows).reset_index(drop=True)
        frame = frame[["objective", "workload"] + [c for c in frame.columns if c not in ("objective", "workload")]]
        frame.attrs["differing"] = [p for p in self.parameters if frame[p].astype(str).nunique() > 1]
        return frame

    def convergence(self, objective: str | None = None) -> pd.DataFrame:
        """Best feasible value of ``objective`` (default: the first, the study's primary objective)
        after each trial, in trial order:
        columns trial, value (NaN when infeasible or failed), best (NaN before the first feasible trial)."""
        objective = objective or self.objectives[0]
        if objective not in self.directions:
            raise MissingDataError(f"{self.path}: '{objective}' is not an objective; objectives: "
                                   f"{', '.join(self.objectives)}")
        trials = self.trials.sort_values("trial", kind="stable")
        value = trials[objective].where(trials["feasible"]).astype(np.float64)
        best = (value.cummin() if self.directions[objective] == "min" else value.cummax()).ffill()
        return pd.DataFrame({"trial": trials["trial"].to_numpy(), "value": value.to_numpy(),
                             "best": best.to_numpy()})
