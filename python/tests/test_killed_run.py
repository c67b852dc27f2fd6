"""A run killed with SIGKILL leaves a file still marked open for SWMR writing: archlab.open reads
it anyway (falling back to swmr=True) and says the run did not finish."""
from __future__ import annotations

import numpy as np
import pytest

import archlab
from archlab.cli import main


def test_killed_run_opens_and_says_it_did_not_finish(killed_run):
    with pytest.warns(archlab.UnfinishedRunWarning, match="did not finish"):
        run = archlab.open(killed_run)
    with run:
        assert run.opened_with_swmr
        assert run.status == "running" and not run.finished
        times = run.times
        assert len(times) >= 3 and np.all(np.diff(times.astype(np.int64)) == 200)
        engine = run.engine_stats
        assert len(engine) == len(times) and np.all(engine["pending"] == 1024 * 4)
        events = run.stats_frame("workload.phold", "events")
        assert len(events) == 1024 * len(times)
        assert np.array_equal(events.groupby("time")["value"].sum().to_numpy(), engine["events"].to_numpy())
        # no final values were written: the summary is the last flushed sample
        assert run.final_time == times[-1] and run.events == engine["events"].iloc[-1]
        assert run.summary["events"].sum() == engine["events"].iloc[-1]
        assert run.totals().set_index("stat").loc["events", "total"] == engine["events"].iloc[-1]
        trace = run.trace()
        assert len(trace) > 0 and trace["time"].is_monotonic_increasing


def test_cli_summary_of_a_killed_run(killed_run, capsys):
    assert main(["summary", str(killed_run)]) == 0
    captured = capsys.readouterr()
    assert "status      running  (the run did not finish" in captured.out
    assert "did not finish" in captured.err
