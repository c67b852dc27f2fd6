"""Files written by the real `archlab` program, read back and checked against what it printed."""
from __future__ import annotations

import numpy as np
import pytest

import archlab
from archlab.units import format_time


def check_against_printed(run: archlab.Run, printed) -> None:
    assert run.engine == printed.engine
    assert run.status == printed.status
    assert run.finished and not run.failed
    assert format_time(run.final_time) == printed.sim_time
    assert run.events == printed.events
    totals = run.totals()
    assert len(totals) == len(printed.totals)
    for row in totals.itertuples():
        value, unit = printed.totals[(row.replica, row.type, row.stat)]
        assert row.total == pytest.approx(value, rel=1e-5), (row.type, row.stat)
        assert row.unit == unit


@pytest.mark.parametrize("fixture", ["phold_run", "windowed_run", "default_run", "ensemble_run"])
def test_values_match_what_the_run_printed(fixture, request):
    made = request.getfixturevalue(fixture)
    with archlab.open(made.path) as run:
        assert type(run) is archlab.Run
        check_against_printed(run, made.printed)
        # The last sample is at the stop time, so the engine's pending count there is the one printed.
        assert run.engine_stats["pending"].iloc[-1] == made.printed.pending
        assert run.engine_stats["events"].iloc[-1] == made.printed.events


def test_metadata_components_and_links(phold_run):
    with archlab.open(phold_run.path) as run:
        assert run.format_version == 1
        assert run.archlab_version
        assert run.seed == 1
        assert not run.opened_with_swmr
        assert "workload.phold" in run.experiment_toml
        assert run.config["workloads"]["lp"]["count"] == 256
        assert run.config["trace"] is True
        components = run.components
        assert list(components.columns[:6]) == ["id", "component", "name", "index", "type", "replica"]
        assert len(components) == 256
        assert components["id"].tolist() == list(range(256))
        assert components["component"].iloc[5] == "lp[5]" and run.label(5) == "lp[5]"
        assert set(components["type"]) == {"workload.phold"}
        links = run.links
        assert len(links) == 1
        link = links.iloc[0]
        assert (link["from"], link["to"], link["latency"]) == ("lp[*].out", "lp[*].in", 100)
        assert (link["src_first"], link["src_count"], link["dst_count"]) == (0, 256, 256)


def test_stats_long_format(phold_run):
    with archlab.open(phold_run.path) as run:
        times = run.times
        assert np.array_equal(times, np.arange(1, 9, dtype=np.uint64) * 5000)  # every 5 ns up to 40 ns
        stats = run.stats
        assert list(stats.columns) == ["component", "replica", "type", "stat", "time", "value", "id"]
        assert len(stats) == 2 * 256 * len(times)
        events = run.stats_frame("workload.phold", "events")
        # Every handled event is counted by exactly one LP: the per-LP counts add up to the engine's.
        per_sample = events.groupby("time")["value"].sum()
        assert np.array_equal(per_sample.to_numpy(), run.engine_stats["events"].to_numpy().astype(float))
        # The last sample is the final value of every component.
        last = events[events["time"] == times[-1]].set_index("id")["value"].sort_index()
        summary = run.summary.set_index("id")["events"].sort_index()
        assert np.array_equal(last.to_numpy(), summary.to_numpy())
        one = events[events["component"] == "lp[7]"]
        assert one["time"].tolist() == times.tolist()
        assert one["value"].is_monotonic_increasing
        wide = run.stat_series("workload.phold", "events")
        assert wide.shape == (len(times), 256)
        assert np.array_equal(wide["lp[7]"].to_numpy(), one["value"].to_numpy())
        assert run.units[("workload.phold", "events")] == "events"


def test_trace_matches_the_statistics(phold_run):
    with archlab.open(phold_run.path) as run:
        trace = run.trace()
        assert list(trace.columns) == ["time", "seq", "src", "target", "port", "kind", "first_seq"]
        assert len(trace) == run.trace_length == phold_run.printed.events
        assert trace["time"].is_monotonic_increasing
        handled = np.bincount(trace["target"].to_numpy(), minlength=256)
        assert np.array_equal(handled, run.summary.set_index("id")["events"].sort_index().to_numpy())
        window = run.trace(start=10_000, end=20_000)
        assert len(window) == int(((trace["time"] >= 10_000) & (trace["time"] < 20_000)).sum())
        assert len(run.trace(limit=10)) == 10


def test_windowed_engine_file_equals_sequential(phold_run, windowed_run):
    with archlab.open(phold_run.path) as sequential, archlab.open(windowed_run.path) as windowed:
        assert windowed.engine == "windowed"
        assert sequential.stats["value"].equals(windowed.stats["value"])
        assert sequential.trace().equals(windowed.trace())


def test_ensemble_replicas(ensemble_run):
    with archlab.open(ensemble_run.path) as run:
        assert run.replicas == 3
        components = run.components
        assert components.groupby("replica").size().tolist() == [64, 64, 64]
        assert run.links["replica"].tolist() == [0, 1, 2]
        # lp[0] exists once per replica: the label repeats, the replica tells them apart
        assert (components["component"] == "lp[0]").sum() == 3
        remote = run.totals().query("stat == 'remote_sends'").set_index("replica")["total"]
        assert remote.is_monotonic_increasing  # remote = 0.1, 0.5, 0.9
        one = run.stats_frame("workload.phold", "events", replica=2)
        assert set(one["replica"]) == {2} and len(one) == 64 * len(run.times)
        assert run.stat_series("workload.phold", "events", replica=1).shape == (len(run.times), 64)


def test_two_component_types_and_a_single_component(mixed_run):
    with archlab.open(mixed_run.path) as run:
        check_against_printed(run, mixed_run.printed)
        assert run.types == ["test.pingpong", "workload.phold"]
        components = run.components
        labels = components.set_index("id")["component"]
        assert labels[0] == "ping[0]" and labels[4] == "pong[0]" and labels[8] == "solo" and labels[9] == "lp[0]"
        summary = run.summary.set_index("component")
        # statistics land on the right components through each type's first_id: ping[i] plays
        # with pong[i]; a round trip takes 2 + 5 + 7 + 3 = 17 ns, so before 500 ns pong[0]
        # receives at 2 + 17k ns (30 balls) and ping[0] at 14 + 17k ns (29 balls)
        assert summary.loc["ping[0]", "received"] == 29 and summary.loc["pong[0]", "received"] == 30
        assert np.isnan(summary.loc["lp[3]", "received"]) and np.isnan(summary.loc["ping[1]", "events"])
        assert summary.loc["lp[3]", "events"] > 0
        stats = run.stats_frame("test.pingpong")
        bins = ["hops[-inf,0)"] + [f"hops[{k},{k + 5})" for k in range(0, 40, 5)] + ["hops[40,inf)"]
        assert set(stats["stat"]) == {"received", "self_events", "weighted", "weight_per_ball"} | set(bins)
        assert set(stats["id"]) == set(range(9))
        assert run.units[("test.pingpong", "weighted")] == ""
        # The declared histogram of hop counts: pong[0] received the balls passed 0, 2, ..., 58
        # times, three in [0, 5), two in [5, 10), ..., ten at 40 or more.
        assert run.histograms("test.pingpong") == ["hops"]
        assert [summary.loc["pong[0]", b] for b in bins] == [0, 3, 2, 3, 2, 3, 2, 3, 2, 10]
        everyone = run.histogram("test.pingpong", "hops")
        assert everyone.attrs["unit"] == "hops"
        assert everyone["low"].tolist()[:2] == [-np.inf, 0.0] and everyone["high"].tolist()[-1] == np.inf
        assert everyone["count"].sum() == summary["received"].sum()
        assert run.stat_kinds[("test.pingpong", "weight_per_ball")]["numerator"] == "weighted"
        ratio = summary.loc["ping[0]", "weighted"] / summary.loc["ping[0]", "received"]
        assert summary.loc["ping[0]", "weight_per_ball"] == pytest.approx(ratio)


def test_a_run_file_has_no_study_and_no_operators(phold_run):
    with archlab.open(phold_run.path) as run:
        with pytest.raises(archlab.NoStudyError, match="no study"):
            _ = run.trials
        with pytest.raises(archlab.NoStudyError, match="no study"):
            _ = run.pareto
        with pytest.raises(archlab.NoOperatorsError, match=r"no workload operators.*lp \(workload.phold\)"):
            _ = run.operators
        with pytest.raises(archlab.MissingDataError, match="has no statistic 'nope'; it has: events, remote_sends"):
            run.stat_array("workload.phold", "nope")
        with pytest.raises(archlab.MissingDataError, match="types with statistics: workload.phold"):
            run.stats_frame("memory.sram")


def test_untraced_run_says_how_to_trace(ensemble_run):
    with archlab.open(ensemble_run.path) as run:
        assert not run.has_trace
        with pytest.raises(archlab.NoTraceError, match="trace=true"):
            run.trace()
