"""A run killed with SIGKILL mid-write leaves an HDF5 file with everything up to the last flush.

The writer keeps the file in HDF5's SWMR mode, so the superblock of a killed run still says
"open for SWMR writing": it opens with swmr=True (a plain open fails with "file is already open
for write" until `h5clear -s FILE`). kill_writer is the program to kill; the ARCHLAB_KILL_WRITER
environment variable names it (CTest sets it).
"""
import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

STAT_DATASETS = ["workload.phold/sent", "workload.phold/received", "memory.sram/reads"]


@pytest.fixture
def kill_writer():
    path = os.environ.get("ARCHLAB_KILL_WRITER")
    if not path:
        pytest.fail("set ARCHLAB_KILL_WRITER to the kill_writer program (CTest does)")
    return path


def run_and_kill(kill_writer, path):
    writer = subprocess.Popen([kill_writer, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = writer.stdout.readline()
        assert line.strip() == "ready", f"kill_writer said {line!r}, stderr: {writer.stderr.read()}"
        time.sleep(0.3)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert writer.returncode == -signal.SIGKILL


def test_killed_run_is_readable_up_to_last_flush(kill_writer, tmp_path):
    path = tmp_path / "killed.h5"
    run_and_kill(kill_writer, path)

    with h5py.File(path, "r", swmr=True) as f:
        assert f.attrs["format_version"] == 1
        time_ = f["stats/time"][:]
        # 30 samples were written before "ready" and flushes come every 50 ms.
        assert len(time_) >= 20
        assert np.all(np.diff(time_.astype(np.int64)) > 0)
        assert np.array_equal(time_, 1000 * (np.arange(len(time_), dtype=np.uint64) + 1))
        for name in STAT_DATASETS:
            values = f["stats/" + name][:]
            assert values.shape[0] >= 20, name
            for i, row in enumerate(values):
                assert np.all(row == i), f"{name} row {i} is {row}"
        assert f["summary/engine/status"].asstr()[()] == "running"
        assert [n.decode() for n in f["components"]["name"]][:2] == ["lp", "lp"]
