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
        assert event["ph"] in {"i", "X", "M"}, event
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
    assert first["args"] == {"src": int(row["src"]), "port": int(row["port"]), "kind": int(row["kind"]),
                             "seq": int(row["seq"])}
    assert first["name"] == ("self k0" if row["port"] == 0xFFFF else f"port {row['port']} k{row['kind']}")
    processes = {e["args"]["name"] for e in by_phase(trace, "M") if e["name"] == "process_name"}
    assert processes == {"workload.phold"}
    assert trace["otherData"]["events_in_file"] == len(records)


def test_window_and_cap(phold_run, tmp_path):
    out = tmp_path / "window.json"
    with archlab.open(phold_run.path) as run:
        records = run.trace()
        result = write_chrome_trace(run, out, start=10_000, end=20_000, max_events=100)
    inside = int(((records["time"] >= 10_000) & (records["time"] < 20_000)).sum())
    assert inside > 100 and result.truncated and result.events_written == 100
    instants = by_phase(load(out), "i")
    assert len(instants) == 100 and all(0.01 <= e["ts"] < 0.02 for e in instants)


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
