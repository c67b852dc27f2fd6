"""archlab-analyze summary | pareto | plot | perfetto."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from archlab.cli import main
from conftest import PYTHON_ROOT, REPO_ROOT
from synthetic import write_study
from test_plots import check_png, sram_run  # noqa: F401 (a fixture)


def total_lines(text):
    return [line.rstrip() for line in text.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("fixture", ["phold_run", "ensemble_run"])
def test_summary_prints_the_totals_archlab_run_printed(fixture, request, capsys):
    made = request.getfixturevalue(fixture)
    assert main(["summary", str(made.path)]) == 0
    out = capsys.readouterr().out
    assert total_lines(out) == total_lines(made.stdout)
    assert f"status      {made.printed.status}" in out
    assert f"sim time    {made.printed.sim_time}" in out
    assert f"events      {made.printed.events}" in out


def test_summary_json(phold_run, capsys):
    assert main(["summary", "--json", str(phold_run.path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["events"] == phold_run.printed.events
    assert data["components_by_type"] == {"workload.phold": 256}
    assert data["trace_events"] == phold_run.printed.events
    assert data["sample_interval_ps"] == 5000


def test_summary_of_a_study(tmp_path, capsys):
    path = tmp_path / "study.h5"
    write_study(path, chosen=5, tuner="nsga2")
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "study       nsga2: 40 trials" in out and "2 failed" in out
    assert "best        trial 5: tile=" in out


def test_pareto(tmp_path, capsys):
    path = tmp_path / "study.h5"
    written = write_study(path)
    assert main(["pareto", str(path), "--csv", str(tmp_path / "front.csv"), "-o", str(tmp_path / "front.png")]) == 0
    out = capsys.readouterr().out
    assert f"{written['pareto'].sum()} on the Pareto front (file)" in out and "best: trial" in out
    assert len((tmp_path / "front.csv").read_text().splitlines()) == written["pareto"].sum() + 1
    check_png(tmp_path / "front.png")


def test_pareto_of_a_run_file(phold_run, capsys):
    assert main(["pareto", str(phold_run.path)]) == 2
    assert "no study" in capsys.readouterr().err


def test_plot_kinds(phold_run, tmp_path, capsys):
    assert main(["plot", str(phold_run.path), "-o", str(tmp_path / "stats.png")]) == 0
    check_png(tmp_path / "stats.png")
    studies = []
    for seed in (1, 2):
        studies.append(tmp_path / f"study{seed}.h5")
        write_study(studies[-1], seed=seed)
    assert main(["plot", str(studies[0])]) == 0  # a study: the Pareto front, next to the file
    check_png(tmp_path / "study1-pareto.png")
    assert main(["plot", *map(str, studies), "-o", str(tmp_path / "conv.png")]) == 0
    check_png(tmp_path / "conv.png")
    assert main(["plot", str(phold_run.path), "--kind", "operators", "-o", str(tmp_path / "x.png")]) == 2
    assert "no workload operators" in capsys.readouterr().err


def test_plot_says_what_it_left_out_and_draws_histograms(sram_run, tmp_path, capsys):
    assert main(["plot", str(sram_run.path), "-o", str(tmp_path / "stats.png")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("archlab-analyze: warning: plot_stats: sram_traffic.h5: drew 12 panels; left out ")
    assert "memory.sram/writes" in err and "(--show-empty)" in err and "(--kind histogram)" in err
    assert main(["plot", str(sram_run.path), "--show-empty", "--max-panels", "40", "-o", str(tmp_path / "all.png")]) == 0
    err = capsys.readouterr().err
    assert "left out histograms: workload.mem_traffic/latency_histogram" in err and "memory.sram/writes" not in err
    assert main(["plot", str(sram_run.path), "--max-panels", "0"]) == 2
    assert "--max-panels 0" in capsys.readouterr().err
    assert main(["plot", str(sram_run.path), "--kind", "histogram", "-o", str(tmp_path / "hist.png")]) == 0
    check_png(tmp_path / "hist.png", min_height=150)
    assert main(["plot", str(sram_run.path), "--kind", "histogram", "--histogram", "size"]) == 2
    assert ("no histogram matches; histograms: --type workload.mem_traffic --histogram latency_histogram"
            in capsys.readouterr().err)


def test_perfetto(phold_run, tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["perfetto", str(phold_run.path), "-o", str(out), "--start", "5 ns", "--end", "6 ns"]) == 0
    trace = json.loads(out.read_text())
    instants = [e for e in trace["traceEvents"] if e["ph"] == "i"]
    assert all(0.005 <= e["ts"] < 0.006 for e in instants)
    assert f"wrote {out}: {len(instants)} events, {len(instants)} message spans" in capsys.readouterr().out
    assert main(["perfetto", str(phold_run.path), "-o", str(out), "--end", "6 ns", "--no-spans"]) == 0
    assert " events, 0 message spans" in capsys.readouterr().out
    assert not [e for e in json.loads(out.read_text())["traceEvents"] if e["ph"] in "be"]
    with pytest.raises(SystemExit):
        main(["perfetto", str(phold_run.path), "-o", str(out), "--start", "5"])  # a time needs a unit


def test_python_dash_m_runs_the_command_line(phold_run):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PYTHON_ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "archlab", "summary", str(phold_run.path)], capture_output=True,
                            text=True, env=env, cwd=REPO_ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert total_lines(result.stdout) == total_lines(phold_run.stdout)


def test_worked_example_on_a_study_and_on_a_run(tmp_path, phold_run):
    study = tmp_path / "study.h5"
    written = write_study(study, chosen=5)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PYTHON_ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "MPLBACKEND": "Agg"}
    example = REPO_ROOT / "examples" / "analysis.py"
    result = subprocess.run([sys.executable, str(example), str(study), "-o", str(tmp_path / "plots")],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "best design: trial 5" in result.stdout
    assert f"Pareto front ({written['pareto'].sum()} trials)" in result.stdout
    check_png(tmp_path / "plots" / "study-pareto.png")
    check_png(tmp_path / "plots" / "study-convergence.png")
    result = subprocess.run([sys.executable, str(example), str(phold_run.path), "-o", str(tmp_path / "plots")],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "no study in it" in result.stdout
    check_png(tmp_path / "plots" / "phold-stats.png")
