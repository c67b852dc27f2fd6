"""Chrome trace JSON export (ui.perfetto.dev, chrome://tracing)."""
from __future__ import annotations

import json
import shutil
from collections import Counter

import numpy as np
import pytest

import archlab
from archlab.perfetto import write_chrome_trace
from synthetic import add_operators


def load(path):
    trace = json.loads(path.read_text())
    assert set(trace) >= {"traceEvents", "displayTimeUnit", "otherData"}
    for event in trace["traceEvents"]:
        assert event["ph"] in {"i", "X", "M", "b", "e"}, event
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        assert isinstance(event["name"], str) and event["name"]
        if event["ph"] != "M":
            assert isinstance(event["ts"], (int, float)) and event["ts"] >= 0
        if event["ph"] == "X":
            assert event["dur"] >= 0
        if event["ph"] == "i":
            assert event["s"] == "t"
    return trace


def by_phase(trace, phase):
    return [e for e in trace["traceEvents"] if e["ph"] == phase]


def test_one_track_per_component_with_every_event(phold_run, tmp_path):
    out = tmp_path / "run.json"
    with archlab.open(phold_run.path) as run:
        result = write_chrome_trace(run, out, max_events=None)
        trace = load(out)
        records = run.trace()
        labels = run.components.set_index("id")["component"]
    instants = by_phase(trace, "i")
    assert len(instants) == len(records) == result.events_written and not result.truncated
    # one track (tid) per component, named after it, holding that component's events
    names = {e["tid"]: e["args"]["name"] for e in by_phase(trace, "M") if e["name"] == "thread_name"}
    assert len(names) == 256 == result.tracks
    assert all(names[i + 1] == labels[i] for i in range(256))
    per_track = Counter(e["tid"] for e in instants)
    expected = Counter((records["target"] + 1).tolist())
    assert per_track == expected
    # timestamps are microseconds: picoseconds / 1e6, in order
    np.testing.assert_allclose([e["ts"] for e in instants], records["time"].to_numpy() / 1e6, rtol=0, atol=1e-9)
    first = instants[0]
    row = records.iloc[0]
    sent = run_sent(phold_run.path, row)
    assert first["args"] == {"src": int(row["src"]), "port": int(row["port"]), "kind": int(row["kind"]),
                             "seq": int(row["seq"]), "sent_ps": sent}
    # workload.phold names its port "in" and its one kind "message"
    assert first["name"] == ("self message" if row["port"] == 0xFFFF else "in message")
    assert {e["name"] for e in instants} == {"self message", "in message"}
    assert len(by_phase(trace, "b")) == len(by_phase(trace, "e")) == len(records) == result.message_spans
    processes = {e["args"]["name"] for e in by_phase(trace, "M") if e["name"] == "process_name"}
    assert processes == {"workload.phold"}
    assert trace["otherData"]["events_in_file"] == len(records)


def run_sent(path, row):
    with archlab.open(path) as run:
        return int(run.send_times([row["src"]], [row["seq"]])[0])


def test_window_and_cap(phold_run, tmp_path):
    out = tmp_path / "window.json"
    with archlab.open(phold_run.path) as run:
        records = run.trace()
        result = write_chrome_trace(run, out, start=10_000, end=20_000, max_events=100)
    inside = int(((records["time"] >= 10_000) & (records["time"] < 20_000)).sum())
    assert inside > 100 and result.truncated and result.events_written == 100
    trace = load(out)
    instants = by_phase(trace, "i")
    assert len(instants) == 100 and all(0.01 <= e["ts"] < 0.02 for e in instants)
    # a span for each event written, none for the ones left out; each ends at its event
    ends = by_phase(trace, "e")
    assert len(ends) == len(by_phase(trace, "b")) == 100 == result.message_spans
    assert [e["ts"] for e in ends] == [e["ts"] for e in instants]


PINGPONG = """engine = "windowed"
trace = true
[system.components.ping]
type = "test.pingpong"
count = 2
starter = true
rounds = 6
think = "1 ns"
[system.components.pong]
type = "test.pingpong"
count = 2
rounds = 6
think = "3 ns"
[[system.links]]
from = "ping[*].out"
to = "pong[*].in"
latency = "1 ns"
[[system.links]]
from = "pong[*].out"
to = "ping[*].in"
latency = "2 ns"
"""


@pytest.fixture(scope="module")
def pingpong_run(files_dir):
    from conftest import run_archlab, test_plugin_dir
    plugins = test_plugin_dir()
    if plugins is None:
        pytest.fail("the test.pingpong plugin is not built (set ARCHLAB_TEST_PLUGIN_DIR; CTest does)")
    experiment = files_dir / "pingpong_trace.toml"
    experiment.write_text(PINGPONG)
    return run_archlab(files_dir / "pingpong_trace.h5", experiment, env={"ARCHLAB_PLUGIN_PATH": str(plugins)})


def handling_time_of_send(records, received):
    """The time of the handling that sent ``received``, found the slow way: the sender's last record
    whose first_seq is at most the event's seq; 0 when none is (its init sent it)."""
    sent_at = 0
    for _, handled in records[records["target"] == received["src"]].iterrows():
        if handled["first_seq"] <= received["seq"]:
            sent_at = int(handled["time"])
    return sent_at


def test_events_named_by_port_and_kind_with_a_span_from_send_to_receive(pingpong_run, tmp_path):
    out = tmp_path / "pingpong.json"
    with archlab.open(pingpong_run.path) as run:
        result = write_chrome_trace(run, out)
        records = run.trace()
        labels = run.components.set_index("id")["component"].to_dict()
        assert run.ports[["type", "port", "name", "direction"]].values.tolist() == [
            ["test.pingpong", 0, "in", "in"], ["test.pingpong", 1, "out", "out"]]
        assert run.kind_name(0, "test.pingpong") == "ball" and run.kind_name(1, "test.pingpong") == "tick"
        assert run.kind_name(5, "test.pingpong") == "mem_read" and run.kind_name(300) == "k300"
    trace = load(out)
    assert result.notes == []
    instants = by_phase(trace, "i")
    assert len(instants) == len(records) == result.events_written
    balls = records["port"] != 0xFFFF
    # Every ball arrives on port "in"; every ball received schedules a "tick" for itself.
    assert [e["name"] for e in instants] == ["in ball" if b else "self tick" for b in balls]
    assert balls.sum() == 2 * 13  # per pair: the first ball and 12 answers
    pid_of = {e["tid"]: e["pid"] for e in instants}
    begins, ends = by_phase(trace, "b"), by_phase(trace, "e")
    assert len(begins) == len(ends) == len(records) == result.message_spans
    ends_by_id = {e["id"]: e for e in ends}
    think = {"ping": 1000, "pong": 3000}
    latency = {"ping": 1000, "pong": 2000}  # ping -> pong 1 ns, pong -> ping 2 ns
    for (row, received), begin, instant in zip(records.iterrows(), begins, instants):
        end = ends_by_id[begin["id"]]
        sender = labels[int(received["src"])]
        assert begin["cat"] == end["cat"] == "message"
        assert begin["name"] == end["name"] == ("ball" if received["port"] != 0xFFFF else "tick")
        # on the sender's track, from the time of the handling that sent it to the receive
        assert begin["pid"] == end["pid"] == pid_of[int(received["src"]) + 1]
        assert begin["tid"] == int(received["src"]) + 1 and begin["args"]["to"] == labels[int(received["target"])]
        assert begin["ts"] <= end["ts"] == instant["ts"]
        sent_at = handling_time_of_send(records, received)
        assert begin["ts"] == pytest.approx(sent_at / 1e6, abs=1e-12)
        assert instant["args"]["sent_ps"] == sent_at
        kind = sender.split("[")[0]
        if received["port"] == 0xFFFF:
            assert sent_at == received["time"]  # a tick is scheduled with no delay
        elif sent_at == 0 and kind == "ping" and received["seq"] == 0:
            assert received["time"] == latency["ping"]  # the first ball, sent by ping's init
        else:
            assert received["time"] - sent_at == latency[kind] + think[kind]
    processes = {e["args"]["name"] for e in by_phase(trace, "M") if e["name"] == "process_name"}
    assert processes == {"test.pingpong"}


def test_spans_honour_the_window_and_the_cap(pingpong_run, tmp_path):
    out = tmp_path / "window.json"
    with archlab.open(pingpong_run.path) as run:
        records = run.trace(sent=True)
        result = write_chrome_trace(run, out, start=10_000, end=30_000, max_events=7)
    window = records[(records["time"] >= 10_000) & (records["time"] < 30_000)]
    assert len(window) > 7 and result.truncated
    trace = load(out)
    begins = by_phase(trace, "b")
    assert len(begins) == len(by_phase(trace, "e")) == 7 == result.events_written
    # a span starts at its send, which may lie before the window
    np.testing.assert_allclose([b["ts"] for b in begins], window["sent"].to_numpy()[:7] / 1e6, rtol=0, atol=1e-12)
    assert min(b["ts"] for b in begins) < 0.01
    with archlab.open(pingpong_run.path) as run:
        result = write_chrome_trace(run, out, spans=False)
    trace = load(out)
    assert not by_phase(trace, "b") and result.message_spans == 0 and len(by_phase(trace, "i")) == len(records)


def test_a_file_from_before_names_and_send_times_still_exports(phold_run, tmp_path):
    import h5py
    path = tmp_path / "old.h5"
    shutil.copy(phold_run.path, path)
    with h5py.File(path, "r+") as f:
        records = f["trace/events"][:]
        old = np.dtype([(name, records.dtype[name]) for name in ("time", "seq", "src", "target", "port", "kind")])
        del f["trace/events"], f["ports"], f["kinds"]
        f.create_dataset("trace/events", data=np.array([tuple(r)[:6] for r in records.tolist()], dtype=old))
    out = tmp_path / "old.json"
    with archlab.open(path) as run:
        assert not run.has_send_times and run.ports.empty and run.kinds.empty
        with pytest.raises(archlab.MissingDataError, match="before archlab recorded send times"):
            run.trace(sent=True)
        result = write_chrome_trace(run, out)
    trace = load(out)
    instants = by_phase(trace, "i")
    assert len(instants) == len(records) and not by_phase(trace, "b") and result.message_spans == 0
    assert {e["name"] for e in instants} == {"self k0", "port 0 k0"}
    assert "sent_ps" not in instants[0]["args"]
    assert any("no message spans" in note for note in result.notes)
    assert any("names no ports and no event kinds" in note for note in result.notes)


def test_operator_spans(phold_run, tmp_path):
    path = tmp_path / "ops.h5"
    shutil.copy(phold_run.path, path)
    written = add_operators(path, "resnet", overlap=True)
    out = tmp_path / "ops.json"
    with archlab.open(path) as run:
        result = write_chrome_trace(run, out, max_events=1000)
    trace = load(out)
    spans = by_phase(trace, "X")
    assert len(spans) == result.operator_spans == len(written["name"])
    assert {s["name"] for s in spans} == set(written["name"])
    for span in spans:
        i = written["name"].index(span["name"])
        assert span["ts"] == pytest.approx(written["start"][i] / 1e6)
        assert span["dur"] == pytest.approx(written["latency"][i] / 1e6)
        assert span["args"]["op"] == written["op"][i]
    # spans on one track never overlap (the overlapping pair went to two tracks)
    tracks = {}
    for span in spans:
        tracks.setdefault(span["tid"], []).append((span["ts"], span["ts"] + span["dur"]))
    assert len(tracks) == 2
    for intervals in tracks.values():
        intervals.sort()
        assert all(a[1] <= b[0] + 1e-12 for a, b in zip(intervals, intervals[1:]))
    pids = {s["pid"] for s in spans}
    assert len(pids) == 1
    names = [e["args"]["name"] for e in by_phase(trace, "M") if e["name"] == "process_name" and e["pid"] in pids]
    assert names == ["workload resnet"]


def test_nothing_to_export(ensemble_run, tmp_path):
    with archlab.open(ensemble_run.path) as run:
        with pytest.raises(archlab.NoTraceError, match="nothing to export"):
            write_chrome_trace(run, tmp_path / "x.json")
