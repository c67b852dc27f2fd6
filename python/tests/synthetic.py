"""Small synthetic archlab files: studies (/study) in shapes `archlab tune` does not write, and
workload operator tables (/workload/<name>/operators) in a minimal form of the layout
python/README.md describes (the real producer, workload.dnn, is tested in test_dnn_runs.py).

Values are made up but deterministic, and every writer returns the numbers a test needs to
check what the reader made of them.
"""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np


def write_root_attributes(file: h5py.File, format_version: int = 1, engine: str = "sequential") -> None:
    file.attrs["archlab_version"] = "0.1.0"
    file.attrs["format_version"] = np.uint32(format_version)
    file.attrs["engine"] = engine
    file.attrs["seed"] = np.uint64(1)
    file.attrs["experiment_toml"] = ""
    file.attrs["system_toml"] = ""
    file.attrs["effective_toml"] = ""


def design_points(trials: int, seed: int):
    """(tile, freq_ghz, dataflow) per trial, and the objectives and area they give."""
    rng = np.random.default_rng(seed)
    tile = rng.choice([8, 16, 32, 64, 128], size=trials).astype(np.uint32)
    freq = rng.choice([0.8, 1.0, 1.2, 1.5, 2.0], size=trials)
    dataflow = rng.choice(["ws", "os"], size=trials)
    bonus = np.where(dataflow == "ws", 0.9, 1.0)
    latency = 1e6 / (tile.astype(float) ** 1.3 * freq) * bonus + rng.normal(0, 5, trials)  # ns
    energy = tile.astype(float) ** 0.8 * freq ** 2 * 10 + rng.normal(0, 1, trials)  # uJ
    area = tile.astype(float) ** 2 / 100.0  # mm^2
    return tile, freq, dataflow, latency, energy, area


def write_study(path: Path, trials: int = 40, seed: int = 7, tuner: str = "random", store_pareto: bool = True,
                store_feasible: bool = True, chosen: int | None = None, failed: tuple[int, ...] = (3, 17),
                area_limit: float = 100.0, single_objective: bool = False, analytical: tuple[int, ...] = ()) -> dict:
    """A study file: /study (attributes), /study/trials, and /study/pareto unless told not to.

    The constraint is stored as ``area_excess = area - area_limit`` (feasible when <= 0).
    Returns the columns written and the expected feasibility, for checks.
    """
    tile, freq, dataflow, latency, energy, area = design_points(trials, seed)
    status = np.array(["ok"] * trials, dtype=object)
    for row in failed:
        status[row] = "failed: deadlock"
        latency[row] = np.nan
        energy[row] = np.nan
    excess = area - area_limit
    feasible = (status == "ok") & (excess <= 0)
    if analytical:  # [tune.screen] rows: estimated, never feasible designs of the front
        feasible[list(analytical)] = False
    objectives = ["latency"] if single_objective else ["latency", "energy"]
    fields = [("trial", "<u4"), ("batch", "<u4"), ("replica", "<u4"), ("status", "S32"), ("wall_seconds", "<f8"),
              ("tile", "<u4"), ("freq_ghz", "<f8"), ("dataflow", "S4"), ("latency", "<f8")]
    if not single_objective:
        fields.append(("energy", "<f8"))
    fields.append(("area_excess", "<f8"))
    if store_feasible:
        fields.append(("feasible", "u1"))
    if analytical:
        fields.append(("fidelity", "S16"))
    table = np.zeros(trials, dtype=fields)
    table["trial"] = np.arange(trials)
    table["batch"] = np.arange(trials) // 8
    table["replica"] = np.arange(trials) % 8
    table["status"] = [s.encode() for s in status]
    table["wall_seconds"] = 0.5 + 0.01 * np.arange(trials)
    table["tile"], table["freq_ghz"] = tile, freq
    table["dataflow"] = [d.encode() for d in dataflow]
    table["latency"] = latency
    if not single_objective:
        table["energy"] = energy
    table["area_excess"] = excess
    if store_feasible:
        table["feasible"] = (status == "ok") & (excess <= 0)
    if analytical:
        table["fidelity"] = [b"analytical" if row in analytical else b"event" for row in range(trials)]

    pareto = brute_force_pareto(np.column_stack([latency, energy])[:, :len(objectives)], feasible)
    with h5py.File(path, "w") as file:
        write_root_attributes(file)
        study = file.create_group("study")
        study.attrs["tuner"] = tuner
        study.attrs["objectives"] = objectives
        study.attrs["directions"] = ["min"] * len(objectives)
        study.attrs["parameters"] = ["tile", "freq_ghz", "dataflow"]
        study.attrs["constraints"] = ["area_excess"]
        if chosen is not None:
            study.attrs["chosen"] = np.int64(chosen)
        study.create_dataset("trials", data=table, maxshape=(None,), chunks=True)
        if store_pareto:
            study.create_dataset("pareto", data=np.flatnonzero(pareto).astype(np.uint32))
    return {"latency": latency, "energy": energy, "feasible": feasible, "pareto": pareto, "tile": tile,
            "freq": freq, "dataflow": dataflow, "status": status, "objectives": objectives}


def brute_force_pareto(costs: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """The non-dominated feasible rows (all objectives minimized), pair by pair."""
    n = len(costs)
    front = np.zeros(n, dtype=bool)
    for i in range(n):
        if not feasible[i]:
            continue
        front[i] = not any(feasible[j] and np.all(costs[j] <= costs[i]) and np.any(costs[j] < costs[i])
                           for j in range(n) if j != i)
    return front


OPERATOR_KINDS = ["conv2d", "conv2d", "relu", "conv2d", "relu", "pool", "matmul", "softmax"]


def add_operators(path: Path, workload: str = "resnet", first_component: int = 0, overlap: bool = True) -> dict:
    """Adds /workload/<workload>/operators to an existing file. Two operators overlap in time when
    ``overlap`` is set (they ran on different units), so spans need two tracks."""
    count = len(OPERATOR_KINDS)
    latency = np.array([4000, 6000, 500, 9000, 700, 1500, 12000, 300], dtype=np.uint64)[:count]
    start = np.concatenate([[0], np.cumsum(latency)[:-1]]).astype(np.uint64)
    if overlap:
        start[4] = start[3] + 1000  # relu 4 starts while conv2d 3 still runs
    end = start + latency
    table = np.zeros(count, dtype=[("name", "S32"), ("op", "S16"), ("start", "<u8"), ("end", "<u8"),
                                   ("latency", "<u8"), ("macs", "<u8"), ("bytes", "<u8"), ("energy", "<f8"),
                                   ("utilization", "<f8"), ("component", "<u4")])
    table["name"] = [f"{kind}_{i}".encode() for i, kind in enumerate(OPERATOR_KINDS)]
    table["op"] = [kind.encode() for kind in OPERATOR_KINDS]
    table["start"], table["end"], table["latency"] = start, end, latency
    table["macs"] = latency * 64
    table["bytes"] = latency * 2
    table["energy"] = latency.astype(float) * 0.25
    table["utilization"] = np.linspace(0.2, 0.9, count)
    table["component"] = first_component + np.arange(count) % 2
    with h5py.File(path, "a") as file:
        file.require_group("workload").require_group(workload).create_dataset("operators", data=table)
    return {"name": [f"{kind}_{i}" for i, kind in enumerate(OPERATOR_KINDS)], "start": start, "end": end,
            "latency": latency, "op": OPERATOR_KINDS}
