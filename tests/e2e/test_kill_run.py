"""`archlab run` killed with SIGKILL midway leaves a file h5py opens, with every sample up to the
last flush intact and consistent. (A killed file is still marked open for SWMR writing, so it is
opened with swmr=True.) ARCHLAB_EXE names the program (CTest sets it)."""
import os
import signal
import subprocess
import time

import h5py
import numpy as np

EXPERIMENT = """
engine = "sequential"
stop_time = "1 ms"
stats_interval = "0.2 ns"
flush_seconds = 0.1
[system.components]
[workloads.lp]
type = "workload.phold"
count = 4096
events_per_lp = 4
[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
"""


def test_sigkill_midway_leaves_a_readable_file(tmp_path):
    experiment = tmp_path / "long.toml"
    experiment.write_text(EXPERIMENT)
    output = tmp_path / "killed.h5"
    run = subprocess.Popen([os.environ["ARCHLAB_EXE"], "run", "-q", str(experiment), "-o", str(output)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while not output.exists() and time.time() < deadline and run.poll() is None:
        time.sleep(0.05)
    time.sleep(1.5)  # several flushes
    assert run.poll() is None, "the run ended before it could be killed: " + run.stderr.read().decode()
    run.send_signal(signal.SIGKILL)
    run.wait()

    with h5py.File(output, "r", swmr=True) as f:
        assert f.attrs["format_version"] == 1
        assert "workload.phold" in f.attrs["experiment_toml"]
        times = f["/stats/time"][:]
        samples = len(times)
        assert samples >= 3
        assert np.all(np.diff(times.astype(np.int64)) == 200)  # every 0.2 ns, none missing
        events = f["/stats/workload.phold/events"][:samples]
        committed = f["/stats/engine/events"][:samples]
        pending = f["/stats/engine/pending"][:samples]
        assert events.shape == (samples, 4096)
        # the per-LP counts of every flushed sample add up to the engine's count at that time
        assert np.array_equal(events.sum(axis=1), committed.astype(np.float64))
        assert np.all(np.diff(committed.astype(np.int64)) > 0)
        assert np.all(pending == 4096 * 4)
        # the run never finished: no final status was written
        assert f["/summary/engine/status"].asstr()[()] == "running"
