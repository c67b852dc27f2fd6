"""Operator tables from the real producer: workload.dnn in `archlab run` writes
/workload/<name>/operators and /workload/<name>/totals. The examples run here are the small MLP
(784-512-256-10, batch 32, a chain of 6 operators; a few ms) and MobileNet-v2 (99 operators; ~1 s).
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import REPO_ROOT, run_archlab
from test_perfetto import by_phase, load
from test_plots import check_png
from test_real_runs import check_against_printed

import archlab
from archlab import plots
from archlab.cli import main
from archlab.perfetto import write_chrome_trace
from archlab.units import format_time

EXAMPLES = REPO_ROOT / "examples"
MLP = EXAMPLES / "manycore_mlp.toml"
MOBILENET = EXAMPLES / "edge_mobilenet_v2.toml"

MLP_NAMES = ["fc1", "relu1", "fc2", "relu2", "fc3", "softmax"]
MLP_KINDS = ["gemm", "elementwise", "gemm", "elementwise", "gemm", "softmax"]
MLP_UNITS = ["matrix", "vector", "matrix", "vector", "matrix", "vector"]
MLP_MACS = 17_121_280  # 32 x (784 x 512 + 512 x 256 + 256 x 10)
OPERATOR_FIELDS = ["workload", "name", "op", "unit", "start", "end", "latency", "macs", "bytes", "energy",
                   "utilization", "tiles", "replica", "instance", "finished"]

# workload.dnn's printed table: "  fc1   gemm   0.000 ns   3.694 us   12845056   800.0 KiB  86.8%"
_PRINTED_OPERATOR = re.compile(r"^  (\S+)\s+(\S+)\s+(\d+\.\d+ [a-z]+)\s+(\d+\.\d+ [a-z]+)\s+(\d+)\s+")


def printed_operators(printed) -> list[tuple[str, str, int]]:
    """(name, type, MACs) of each operator row workload.dnn printed."""
    rows = []
    for line in printed.reports:
        match = _PRINTED_OPERATOR.match(line)
        if match:
            rows.append((match.group(1), match.group(2), int(match.group(5))))
    return rows


@pytest.fixture
def mlp(tmp_path):
    return run_archlab(tmp_path / "mlp.h5", MLP)


@pytest.fixture(scope="module")
def mobilenet(tmp_path_factory):
    return run_archlab(tmp_path_factory.mktemp("dnn") / "mobilenet.h5", MOBILENET)


def check_operator_table(run: archlab.Run, count: int) -> None:
    """What holds for any finished workload.dnn inference."""
    operators = run.operators
    assert list(operators.columns) == OPERATOR_FIELDS
    assert len(operators) == count
    assert operators["finished"].all()
    starts, ends = operators["start"].to_numpy(np.int64), operators["end"].to_numpy(np.int64)
    assert np.array_equal(operators["latency"].to_numpy(np.int64), ends - starts)
    assert (ends >= starts).all() and (operators["latency"] > 0).all()
    assert set(operators["op"]) <= set(plots.OPERATOR_KINDS)
    assert set(operators["unit"]) <= {"matrix", "vector"}
    assert (operators["tiles"] > 0).all()
    assert operators["utilization"].between(0, 1).all()
    assert operators.attrs["units"]["start"] == "ps" and operators.attrs["units"]["energy"] == "pJ"
    totals = run.workload_totals
    assert len(totals) == 1
    total = totals.iloc[0]
    assert total["status"] == "completed"
    assert total["ops"] == total["ops_done"] == count
    assert operators["macs"].sum() == total["macs"]
    assert operators["bytes"].sum() == total["bytes"]
    assert operators["energy"].sum() == pytest.approx(total["energy"], rel=1e-9)
    assert operators["end"].max() == total["latency"]
    assert total["throughput"] == pytest.approx(1e12 / total["latency"])
    assert totals.attrs["units"]["latency"] == "ps"
    # the workload's own statistics agree with its tables
    summary = run.totals().set_index(["type", "stat"])["total"]
    assert summary[("workload.dnn", "macs")] == total["macs"]
    assert summary[("workload.dnn", "latency")] == total["latency"]
    assert summary[("workload.dnn", "ops_done")] == count


def test_mlp_operators(mlp):
    with archlab.open(mlp.path) as run:
        check_against_printed(run, mlp.printed)
        assert run.workloads == ["dnn"]
        check_operator_table(run, 6)
        operators = run.operators
        assert operators["name"].tolist() == MLP_NAMES  # the program's topological order
        assert operators["op"].tolist() == MLP_KINDS
        assert operators["unit"].tolist() == MLP_UNITS
        assert (operators["replica"] == 0).all() and (operators["instance"] == 0).all()
        # a chain: each operator starts once the one before has ended
        starts, ends = operators["start"].to_numpy(np.int64), operators["end"].to_numpy(np.int64)
        assert starts[0] == 0
        assert (starts[1:] >= ends[:-1]).all()
        macs = operators.set_index("name")["macs"]
        assert macs["fc1"] == 32 * 784 * 512
        assert macs["fc2"] == 32 * 512 * 256
        assert macs["fc3"] == 32 * 256 * 10
        assert macs[["relu1", "relu2", "softmax"]].sum() == 0
        assert operators["macs"].sum() == run.workload_totals["macs"].iloc[0] == MLP_MACS
        total = run.workload_totals.iloc[0]
        assert (total["workload"], total["model"], total["status"]) == ("dnn", "mlp_small", "completed")
        assert total["latency"] == run.final_time == ends[-1]
        # what workload.dnn printed: every operator of the small graph, in order
        assert printed_operators(mlp.printed) == list(zip(MLP_NAMES, MLP_KINDS, operators["macs"].tolist()))
        assert f"latency {format_time(total['latency'])}" in "\n".join(mlp.printed.reports)


def test_mlp_operator_plot(mlp, tmp_path):
    with archlab.open(mlp.path) as run:
        figure = plots.plot_operators(run, path=tmp_path / "operators.png")
    check_png(tmp_path / "operators.png")
    timeline, share = figure.axes[:2]
    assert timeline.get_title() == "dnn (mlp_small): 6 operators, latency 6.723 us"
    assert [t.get_text() for t in timeline.get_yticklabels()] == MLP_NAMES
    colours = [tuple(bar.get_facecolor()) for bar in timeline.containers[0]]
    assert len(colours) == 6
    colour_of = dict(zip(MLP_KINDS, colours))
    assert all(colour_of[kind] == colour for kind, colour in zip(MLP_KINDS, colours))  # one colour per kind
    assert len(set(colour_of.values())) == 3
    assert [t.get_text() for t in timeline.get_legend().get_texts()] == ["gemm", "elementwise", "softmax"]
    assert sorted(t.get_text() for t in share.get_yticklabels()) == ["elementwise", "gemm", "softmax"]


def test_mlp_perfetto_spans(mlp, tmp_path):
    out = tmp_path / "mlp.json"
    with archlab.open(mlp.path) as run:
        result = write_chrome_trace(run, out)
        operators = run.operators
    trace = load(out)
    spans = by_phase(trace, "X")
    assert len(spans) == result.operator_spans == 6 and result.tracks == 1 and not result.notes
    assert [s["name"] for s in spans] == MLP_NAMES
    assert len({(s["pid"], s["tid"]) for s in spans}) == 1  # a chain: one track
    for span, row in zip(spans, operators.itertuples()):
        assert span["ts"] == pytest.approx(row.start / 1e6, abs=1e-9)
        assert span["dur"] == pytest.approx(row.latency / 1e6, abs=1e-9)
        assert span["args"]["op"] == row.op and span["args"]["unit"] == row.unit
        assert span["args"]["tiles"] == row.tiles and span["args"]["instance"] == 0
        assert span["args"]["macs"] == row.macs and span["args"]["finished"] is True
    processes = [e["args"]["name"] for e in by_phase(trace, "M") if e["name"] == "process_name"]
    assert processes == ["workload dnn (mlp_small)"]


def test_mlp_command_line(mlp, tmp_path, capsys):
    assert main(["summary", str(mlp.path)]) == 0
    text = capsys.readouterr().out
    assert "operators   dnn: 6\n" in text
    assert ("workload    dnn: mlp_small, completed, 6 operators, latency 6.723 us, 1.487e+05 inferences/s, "
            "1.712e+07 MACs") in text
    assert main(["summary", str(mlp.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["operators"] == {"dnn": 6}
    assert data["workload_totals"][0]["macs"] == MLP_MACS and data["workload_totals"][0]["status"] == "completed"
    # without a statistics time series, `plot` draws the operators
    assert main(["plot", str(mlp.path)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {mlp.path.with_name('mlp-operators.png')}"
    check_png(mlp.path.with_name("mlp-operators.png"))
    assert main(["plot", str(mlp.path), "--kind", "operators", "-o", str(tmp_path / "ops.png")]) == 0
    check_png(tmp_path / "ops.png")
    assert main(["plot", str(mlp.path), "--kind", "operators", "--instance", "1", "-o", str(tmp_path / "x.png")]) == 2
    assert "no operators of instance 1; instances: 0" in capsys.readouterr().err
    assert main(["perfetto", str(mlp.path), "-o", str(tmp_path / "mlp.json")]) == 0
    assert "6 operator spans" in capsys.readouterr().out
    assert len(by_phase(load(tmp_path / "mlp.json"), "X")) == 6


def test_mobilenet(mobilenet, tmp_path):
    with archlab.open(mobilenet.path) as run:
        check_against_printed(run, mobilenet.printed)
        check_operator_table(run, 99)
        operators = run.operators
        assert run.workload_totals["model"].iloc[0] == "mobilenet_v2"
        assert {"conv2d", "elementwise", "pool", "gemm"} <= set(operators["op"])
        # the printed table holds the ten longest operators; the file holds all of them
        printed = printed_operators(mobilenet.printed)
        assert len(printed) == 10
        by_name = operators.set_index("name")
        assert all(by_name.loc[name, "op"] == kind and by_name.loc[name, "macs"] == macs
                   for name, kind, macs in printed)
        assert {name for name, _, _ in printed} == set(operators.nlargest(10, "latency")["name"])
        figure = plots.plot_operators(run, path=tmp_path / "mobilenet.png")
        result = write_chrome_trace(run, tmp_path / "mobilenet.json")
    check_png(tmp_path / "mobilenet.png")
    assert figure.axes[0].get_title().endswith("(the 40 longest shown)")
    spans = by_phase(load(tmp_path / "mobilenet.json"), "X")
    assert len(spans) == result.operator_spans == 99
    assert {s["name"] for s in spans} == set(operators["name"])


def test_unfinished_inference(tmp_path):
    """Stopped at 4 us: fc1 and relu1 done, fc2 running, the rest never started."""
    made = run_archlab(tmp_path / "cut.h5", MLP, "--set", "stop_time=4 us")
    with archlab.open(made.path) as run:
        operators = run.operators
        assert operators["finished"].tolist() == [True, True, False, False, False, False]
        assert (operators.loc[2:, "latency"] == 0).all() and (operators.loc[2:, "end"] == 0).all()
        total = run.workload_totals.iloc[0]
        assert total["status"] == "unfinished: 2 of 6 operators done" and total["ops_done"] == 2
        figure = plots.plot_operators(run, path=tmp_path / "cut.png")
        result = write_chrome_trace(run, tmp_path / "cut.json")
        final = run.final_time
        fc2_start = int(operators["start"].iloc[2])
    check_png(tmp_path / "cut.png")
    assert "2 finished, 1 running at the end" in figure.axes[0].get_title()
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["fc1", "relu1", "fc2"]
    spans = by_phase(load(tmp_path / "cut.json"), "X")  # load() checks every dur >= 0
    assert [s["name"] for s in spans] == ["fc1", "relu1", "fc2"] == [s["name"] for s in spans[:3]]
    assert spans[2]["args"]["finished"] is False
    assert spans[2]["ts"] + spans[2]["dur"] == pytest.approx(final / 1e6) and fc2_start < final
    assert any("3 of 6 operators never started" in note for note in result.notes)


def test_ensemble_of_inferences(tmp_path):
    made = run_archlab(tmp_path / "ensemble.h5", MLP, "--set", "ensemble.replicas=2")
    with archlab.open(made.path) as run:
        check_against_printed(run, made.printed)
        operators = run.operators
        assert len(operators) == 12
        assert operators.groupby("replica")["name"].apply(list).tolist() == [MLP_NAMES, MLP_NAMES]
        assert run.workload_totals["replica"].tolist() == [0, 1]
        assert (run.workload_totals["macs"] == MLP_MACS).all()
        one = plots.plot_operators(run, replica=1, path=tmp_path / "replica1.png")
        both = plots.plot_operators(run, path=tmp_path / "both.png")
        write_chrome_trace(run, tmp_path / "ensemble.json")
    check_png(tmp_path / "replica1.png")
    assert [t.get_text() for t in one.axes[0].get_yticklabels()] == MLP_NAMES
    assert [t.get_text() for t in both.axes[0].get_yticklabels()][6] == "fc1  (replica 1)"
    trace = load(tmp_path / "ensemble.json")
    processes = {e["pid"]: e["args"]["name"] for e in by_phase(trace, "M") if e["name"] == "process_name"}
    spans = by_phase(trace, "X")
    assert sorted(processes[s["pid"]] for s in spans) == sorted(
        [f"workload dnn (mlp_small) (replica {r})" for r in (0, 1)] * 6)


def test_two_instances_of_the_workload(tmp_path):
    """`count = 2`: two inferences sharing the machine, told apart by the `instance` field."""
    text = MLP.read_text().replace('"dnn.', '"dnn[*].')
    text = text.replace('"../', f'"{EXAMPLES.parent.as_posix()}/')
    experiment = tmp_path / "mlp2.toml"
    experiment.write_text(text)
    made = run_archlab(tmp_path / "mlp2.h5", experiment, "--set", "workloads.dnn.count=2")
    with archlab.open(made.path) as run:
        operators = run.operators
        assert operators.groupby("instance")["name"].apply(list).tolist() == [MLP_NAMES, MLP_NAMES]
        assert (operators["latency"] == operators["end"] - operators["start"]).all()
        totals = run.workload_totals
        assert totals["instance"].tolist() == [0, 1] and (totals["status"] == "completed").all()
        for instance, group in operators.groupby("instance"):
            assert group["end"].max() == totals.set_index("instance").loc[instance, "latency"]
        figure = plots.plot_operators(run, path=tmp_path / "instances.png")
        write_chrome_trace(run, tmp_path / "instances.json")
    check_png(tmp_path / "instances.png")
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == [f"{name}  dnn[{i}]" for i in (0, 1) for name in MLP_NAMES]
    trace = load(tmp_path / "instances.json")
    tracks = {e["tid"]: e["args"]["name"] for e in by_phase(trace, "M") if e["name"] == "thread_name"}
    spans = by_phase(trace, "X")
    assert len(spans) == 12
    assert [tracks[s["tid"]] for s in spans] == ["dnn[0]"] * 6 + ["dnn[1]"] * 6
