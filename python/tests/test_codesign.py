"""Co-design studies (the main job's shape): the best design for each workload, the parameters
they differ in, the table `archlab-analyze codesign` prints and the picture it draws. On
synthetic study files whose winners are known by construction."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

import archlab
from archlab import plots
from archlab.cli import main, winners_table
from synthetic import write_root_attributes

EXPERIMENT = """
[tune.objectives]
cnn = { stat = "latency", workload = "resnet50" }
llm = { stat = "latency", workload = "gpt2_decode" }
area = { stat = "area" }
"""

# rows, cols, bandwidth, fidelity, cnn latency, llm latency, area, status
TRIALS = [
    (256, 256, "128 GB/s", "event", 10.0, 90.0, 300.0, "ok"),    # 0: the CNN's winner (compute)
    (64, 64, "512 GB/s", "event", 40.0, 20.0, 120.0, "ok"),      # 1: the LLM's winner (bandwidth)
    (128, 128, "256 GB/s", "event", 20.0, 40.0, 200.0, "ok"),    # 2: in between
    (32, 32, "128 GB/s", "event", 80.0, 95.0, 50.0, "ok"),       # 3: small and slow
    (256, 256, "512 GB/s", "analytical", 1.0, 1.0, 10.0, "ok"),  # 4: an estimate: never a winner
    (256, 256, "512 GB/s", "event", 5.0, 5.0, 500.0, "ok"),      # 5: over the area budget
    (64, 256, "512 GB/s", "event", np.nan, np.nan, np.nan, "failed: deadlock"),  # 6
]


def write_codesign_study(path, trials=TRIALS, experiment=EXPERIMENT, budget=400.0):
    fields = [("trial", "<u4"), ("batch", "<u4"), ("replica", "<u4"), ("status", "S32"), ("wall_seconds", "<f8"),
              ("fidelity", "S16"), ("rows", "<u4"), ("cols", "<u4"), ("link_bandwidth", "S16"), ("cnn", "<f8"),
              ("llm", "<f8"), ("area", "<f8"), ("area_budget", "<f8"), ("feasible", "u1")]
    table = np.zeros(len(trials), dtype=fields)
    for i, (rows, cols, bandwidth, fidelity, cnn, llm, area, status) in enumerate(trials):
        ok = status == "ok"
        table[i] = (i, 0, i, status.encode(), 1.0, fidelity.encode(), rows, cols, bandwidth.encode(), cnn, llm, area,
                    area - budget, ok and area <= budget)
    with h5py.File(path, "w") as file:
        write_root_attributes(file)
        file.attrs["experiment_toml"] = experiment
        study = file.create_group("study")
        study.attrs["tuner"] = "nsga2"
        study.attrs["objectives"] = ["cnn", "llm", "area"]
        study.attrs["directions"] = ["min", "min", "min"]
        study.attrs["parameters"] = ["rows", "cols", "link_bandwidth"]
        study.attrs["constraints"] = ["area_budget"]
        study.create_dataset("trials", data=table)


def test_winners_are_the_simulated_feasible_best_of_each_workload(tmp_path):
    path = tmp_path / "codesign.h5"
    write_codesign_study(path)
    with archlab.open(path) as study:
        assert study.workload_objectives == {"cnn": "resnet50", "llm": "gpt2_decode"}
        winners = study.winners()
        assert list(winners["objective"]) == ["cnn", "llm"]
        assert list(winners["workload"]) == ["resnet50", "gpt2_decode"]
        # not trial 4 (estimated), 5 (over budget) or 6 (failed)
        assert list(winners["trial"]) == [0, 1]
        assert list(winners["cnn"]) == [10.0, 40.0]
        assert winners.attrs["differing"] == ["rows", "cols", "link_bandwidth"]


def test_differing_lists_only_the_parameters_the_winners_disagree_on(tmp_path):
    path = tmp_path / "codesign.h5"
    trials = list(TRIALS)
    trials[1] = (256, 64, "128 GB/s", "event", 40.0, 20.0, 120.0, "ok")  # same rows and bandwidth as trial 0
    write_codesign_study(path, trials)
    with archlab.open(path) as study:
        winners = study.winners()
        assert winners.attrs["differing"] == ["cols"]
        lines = winners_table(study, winners)
    assert lines[0].split() == ["workload", "trial", "value", "rows", "*cols", "link_bandwidth"]
    assert lines[1].split() == ["resnet50", "0", "10", "256", "256", "128", "GB/s"]
    assert lines[2].split() == ["gpt2_decode", "1", "20", "256", "64", "128", "GB/s"]


def test_one_design_winning_everywhere_is_said_plainly(tmp_path, capsys):
    path = tmp_path / "codesign.h5"
    trials = list(TRIALS)
    trials[2] = (128, 128, "256 GB/s", "event", 9.0, 19.0, 200.0, "ok")  # best on both models
    write_codesign_study(path, trials)
    assert main(["codesign", str(path)]) == 0
    out = capsys.readouterr().out
    assert "one design, trial 2, is the best for every workload" in out
    with archlab.open(path) as study:
        assert study.winners().attrs["differing"] == []


def test_codesign_command_prints_the_table_and_draws_the_picture(tmp_path, capsys):
    path = tmp_path / "codesign.h5"
    write_codesign_study(path)
    assert main(["codesign", str(path)]) == 0
    out = capsys.readouterr().out
    assert "best design for each workload" in out
    assert "*rows" in out and "*link_bandwidth" in out
    assert "is the best for every workload" not in out
    picture = tmp_path / "codesign.png"
    assert f"wrote {picture}" in out
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_picture_has_a_panel_per_workload_with_every_winner(tmp_path):
    path = tmp_path / "codesign.h5"
    write_codesign_study(path)
    figure = plots.plot_codesign(path)
    axes = figure.get_axes()
    assert [ax.get_title() for ax in axes] == ["resnet50", "gpt2_decode"]
    assert figure._suptitle.get_text().endswith("differ in rows, cols, link_bandwidth")
    assert all(ax.get_xlabel() == "area (min)" for ax in axes)
    labels = axes[0].get_legend_handles_labels()[1]
    assert "best for resnet50: trial 0" in labels and "best for gpt2_decode: trial 1" in labels
    assert "feasible, simulated (4)" in labels  # trials 0-3: not the estimate, the over-budget or the failed one


def test_a_study_without_per_workload_objectives_is_refused_clearly(tmp_path, capsys):
    path = tmp_path / "codesign.h5"
    write_codesign_study(path, experiment='[tune.objectives]\ncnn = { stat = "latency" }\n')
    with archlab.open(path) as study:
        assert study.workload_objectives == {}
        with pytest.raises(archlab.MissingDataError, match="no per-workload objective"):
            study.winners()
    assert main(["codesign", str(path)]) == 2
    assert "no per-workload objective" in capsys.readouterr().err
