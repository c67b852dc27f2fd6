"""Study files (/study) and operator tables (/workload/<name>/operators): synthetic files in the
layout python/README.md describes, and one study written by `archlab tune` (operator tables from the
real workload.dnn are checked in test_dnn_runs.py)."""
from __future__ import annotations

import os
import shutil
import sys

import h5py
import numpy as np
import pytest

import archlab
from synthetic import add_operators, brute_force_pareto, write_root_attributes, write_study


@pytest.fixture
def study_file(tmp_path):
    path = tmp_path / "study.h5"
    return path, write_study(path)


def test_open_returns_a_study(study_file):
    path, written = study_file
    with archlab.open(path) as study:
        assert isinstance(study, archlab.Study) and isinstance(study, archlab.Run)
        assert study.tuner == "random"
        assert study.objectives == ["latency", "energy"]
        assert study.directions == {"latency": "min", "energy": "min"}
        assert study.parameters == ["tile", "freq_ghz", "dataflow"]
        assert study.constraints == ["area_excess"]
        trials = study.trials
        assert len(trials) == 40
        assert list(trials.columns[:10]) == ["trial", "status", "feasible", "pareto", "tile", "freq_ghz", "dataflow",
                                             "latency", "energy", "area_excess"]
        assert trials["dataflow"].tolist() == list(written["dataflow"])
        assert trials["status"].tolist() == list(written["status"])
        assert np.array_equal(trials["feasible"].to_numpy(), written["feasible"])
        np.testing.assert_array_equal(trials["latency"].to_numpy(), written["latency"])


@pytest.mark.parametrize("store_pareto", [True, False])
def test_pareto_front_stored_or_computed(tmp_path, store_pareto):
    path = tmp_path / "study.h5"
    written = write_study(path, store_pareto=store_pareto)
    with archlab.open(path) as study:
        assert study.pareto_source == ("file" if store_pareto else "computed")
        assert sorted(study.pareto["trial"]) == list(np.flatnonzero(written["pareto"]))
        assert study.trials["pareto"].sum() == written["pareto"].sum() >= 2


def test_feasibility_from_constraint_values_without_a_feasible_field(tmp_path):
    path = tmp_path / "study.h5"
    written = write_study(path, store_feasible=False, store_pareto=False, area_limit=50.0)
    with archlab.open(path) as study:
        assert np.array_equal(study.trials["feasible"].to_numpy(), written["feasible"])
        assert not written["feasible"].all()  # the area limit rules some designs out
        assert not study.pareto["area_excess"].gt(0).any()


def test_screened_studies_count_only_simulated_trials(tmp_path):
    # [tune.screen]: the analytical rows (here every other one) are neither feasible nor on the front.
    path = tmp_path / "study.h5"
    analytical = tuple(range(0, 40, 2))
    written = write_study(path, store_pareto=False, analytical=analytical)
    with archlab.open(path) as study:
        trials = study.trials
        assert "fidelity" not in study.parameters
        assert np.array_equal(trials["feasible"].to_numpy(), written["feasible"])
        assert not trials.loc[list(analytical), "feasible"].any()
        assert set(study.pareto["trial"]) == set(np.flatnonzero(written["pareto"]))
        assert set(study.pareto["fidelity"]) == {"event"}
        assert study.best()["fidelity"] == "event"


def test_pareto_mask_matches_brute_force():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 20, size=(200, 2)).astype(float)  # ties on purpose
    feasible = np.ones(200, dtype=bool)
    assert np.array_equal(archlab.pareto_mask(values, ["min", "min"]), brute_force_pareto(values, feasible))
    flipped = values * np.array([1, -1])
    assert np.array_equal(archlab.pareto_mask(flipped, ["min", "max"]), brute_force_pareto(values, feasible))


def test_best_design(study_file):
    path, written = study_file
    latency = np.where(written["feasible"], written["latency"], np.inf)
    with archlab.open(path) as study:
        assert study.best("latency")["trial"] == np.argmin(latency)
        best = study.best()  # multi-objective, nothing chosen: the front's point nearest the ideal
        assert best["pareto"] and best["feasible"]
        with pytest.raises(archlab.MissingDataError, match="not an objective"):
            study.best("area")


def test_chosen_design_attribute(tmp_path):
    path = tmp_path / "study.h5"
    write_study(path, chosen=5)
    with archlab.open(path) as study:
        assert study.best()["trial"] == 5


def test_single_objective_study(tmp_path):
    path = tmp_path / "study.h5"
    written = write_study(path, single_objective=True)
    with archlab.open(path) as study:
        best = study.best()
        assert best["trial"] == np.argmin(np.where(written["feasible"], written["latency"], np.inf))
        assert study.pareto["trial"].tolist() == [best["trial"]]


def test_convergence_is_the_running_best(study_file):
    path, written = study_file
    with archlab.open(path) as study:
        curve = study.convergence("latency")
        expected = np.minimum.accumulate(np.where(written["feasible"], written["latency"], np.inf))
        expected[np.isinf(expected)] = np.nan
        np.testing.assert_array_equal(curve["best"].to_numpy(), expected)


def test_study_without_trials_or_objectives(tmp_path):
    path = tmp_path / "empty.h5"
    with h5py.File(path, "w") as f:
        write_root_attributes(f)
        f.create_group("study")
    with archlab.open(path) as study:
        with pytest.raises(archlab.NoStudyError, match="no 'trials' table"):
            _ = study.trials
        with pytest.raises(archlab.MissingDataError, match="no 'objectives' attribute"):
            _ = study.objectives


def test_trials_missing_a_named_field(tmp_path):
    path = tmp_path / "study.h5"
    write_study(path)
    with h5py.File(path, "a") as f:
        f["study"].attrs["parameters"] = ["tile", "voltage"]
    with archlab.open(path) as study:
        with pytest.raises(archlab.MissingDataError, match="lacks the fields voltage"):
            _ = study.trials


def test_operators(tmp_path, phold_run):
    path = tmp_path / "with-operators.h5"
    shutil.copy(phold_run.path, path)
    written = add_operators(path, "resnet")
    add_operators(path, "bert", overlap=False)
    with archlab.open(path) as run:
        assert run.workloads == ["bert", "resnet"]
        resnet = run.operators_of("resnet")
        assert resnet["name"].tolist() == written["name"]
        assert resnet["op"].tolist() == written["op"]
        assert np.array_equal(resnet["latency"].to_numpy(), written["latency"])
        assert np.array_equal(resnet["end"].to_numpy() - resnet["start"].to_numpy(), written["latency"])
        everything = run.operators
        assert len(everything) == 2 * len(written["name"]) and set(everything["workload"]) == {"bert", "resnet"}
        with pytest.raises(archlab.NoOperatorsError, match="workloads with operators: bert, resnet"):
            run.operators_of("gpt")


def test_operator_latency_filled_in_from_start_and_end(tmp_path):
    path = tmp_path / "ops.h5"
    table = np.zeros(2, dtype=[("name", "S8"), ("start", "<u8"), ("end", "<u8")])
    table["name"] = [b"a", b"b"]
    table["start"], table["end"] = [0, 100], [100, 350]
    with h5py.File(path, "w") as f:
        write_root_attributes(f)
        f["workload/tiny/operators"] = table
    with archlab.open(path) as run:
        assert run.operators["latency"].tolist() == [100, 250]


def test_a_study_written_by_archlab_tune(tmp_path):
    """A real study file: objectives in the order the experiment writes them (latency before
    area, not alphabetical), and each parameter also under the short name `archlab tune` prints."""
    import subprocess
    from conftest import PYTHON_ROOT, REPO_ROOT, archlab_exe
    path = tmp_path / "systolic.h5"
    done = subprocess.run([str(archlab_exe()), "tune", str(REPO_ROOT / "tests" / "tune" / "systolic_tune.toml"), "-q",
                           "-o", str(path), "--set", "tune.budget=4", "--set", "tune.batch=4"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "random explores the space without looking at results; recorded: latency (min), area (min)" in done.stdout
    with archlab.open(path) as study:
        assert study.objectives == ["latency", "area"]
        assert study.parameters == ["system.components.sa.rows", "system.components.sa.cols",
                                    "system.components.sa.dataflow"]
        assert study.aliases == {"rows": "system.components.sa.rows", "cols": "system.components.sa.cols",
                                 "dataflow": "system.components.sa.dataflow"}
        trials = study.trials
        assert len(trials) == 4
        assert trials["rows"].tolist() == trials["system.components.sa.rows"].tolist()
        assert set(trials["dataflow"]) <= {"os", "ws", "is"}
        assert (trials["rows"] * trials["cols"] <= 4096).all()  # the study's condition
        best = study.best("area")
        assert best["cols"] == best["system.components.sa.cols"]
    # archlab-analyze pareto heads its table with the names archlab tune printed in its own.
    lines = done.stdout.splitlines()
    tune_header = lines[next(i for i, line in enumerate(lines) if line.startswith("Pareto front (")) + 1].split()
    assert tune_header[:4] == ["trial", "rows", "cols", "dataflow"]
    analyze = subprocess.run([sys.executable, "-m", "archlab", "pareto", str(path)], capture_output=True, text=True,
                             timeout=60, env={**os.environ, "PYTHONPATH": str(PYTHON_ROOT / "src")})
    assert analyze.returncode == 0, analyze.stderr
    assert analyze.stdout.splitlines()[1].split()[:4] == tune_header[:4]
    assert ": rows=" in analyze.stdout.splitlines()[-1]  # best: trial N: rows=..., cols=..., dataflow=...


def test_short_names_only_where_unique(tmp_path):
    path = tmp_path / "clash.h5"
    write_study(path)
    with h5py.File(path, "r+") as file:
        table = file["study/trials"][:]
        names = list(table.dtype.names)
        renamed = {"tile": "system.components.a.size", "freq_ghz": "system.components.b.size",
                   "dataflow": "system.components.a.dataflow"}
        table.dtype.names = [renamed.get(n, n) for n in names]
        del file["study/trials"]
        file["study"].create_dataset("trials", data=table)
        file["study"].attrs["parameters"] = [renamed[n] for n in ("tile", "freq_ghz", "dataflow")]
    with archlab.open(path) as study:
        # "size" ends two paths: each gets one segment more; "dataflow" ends one.
        assert study.short_names == {"system.components.a.size": "a.size", "system.components.b.size": "b.size",
                                     "system.components.a.dataflow": "dataflow"}
        assert study.aliases == {"a.size": "system.components.a.size", "b.size": "system.components.b.size",
                                 "dataflow": "system.components.a.dataflow"}
        trials = study.trials
        assert "size" not in trials
        assert trials["a.size"].tolist() == trials["system.components.a.size"].tolist()
        assert trials["b.size"].tolist() == trials["system.components.b.size"].tolist()
        assert study.column("b.size") == "system.components.b.size"
        assert study.column("system.components.a.dataflow") == "system.components.a.dataflow"
        assert study.column("latency") == "latency"
        with pytest.raises(archlab.MissingDataError, match=r"no column 'size'; 'size' ends 2 parameters' paths: "
                                                           r"a.size, b.size; parameters: a.size, b.size, dataflow"):
            study.column("size")


def test_a_short_name_taken_by_a_field_gets_a_segment_more(tmp_path):
    path = tmp_path / "taken.h5"
    write_study(path)
    with h5py.File(path, "r+") as file:
        table = file["study/trials"][:]
        renamed = {"tile": "system.components.sa.latency", "freq_ghz": "workloads.dnn.batch",
                   "dataflow": "sa.dataflow"}
        table.dtype.names = [renamed.get(n, n) for n in table.dtype.names]
        del file["study/trials"]
        file["study"].create_dataset("trials", data=table)
        file["study"].attrs["parameters"] = [renamed[n] for n in ("tile", "freq_ghz", "dataflow")]
    with archlab.open(path) as study:
        # "latency" is an objective and "batch" a bookkeeping field: one more segment each.
        assert study.short_names == {"system.components.sa.latency": "sa.latency", "workloads.dnn.batch": "dnn.batch",
                                     "sa.dataflow": "dataflow"}
        assert study.trials["sa.latency"].tolist() == study.trials["system.components.sa.latency"].tolist()
        # The objective keeps its column.
        np.testing.assert_array_equal(study.trials["latency"].to_numpy(), study._raw_trials["latency"].to_numpy())
