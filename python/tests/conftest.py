"""Fixtures: real files written by the `archlab` program, with what it printed.

ARCHLAB_EXE names the program (CTest sets it; default: build/framework/archlab of this checkout).
ARCHLAB_TEST_PLUGIN_DIR names the folder with the test.pingpong plugin (default:
build/test-plugins); the tests that need it fail, saying so, when it is absent.
The package is imported from python/src, so the tests check this tree, installed or not.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PYTHON_ROOT = Path(__file__).resolve().parents[1]
REPO_ROOT = PYTHON_ROOT.parent
sys.path.insert(0, str(PYTHON_ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import matplotlib  # noqa: E402

matplotlib.use("Agg")


def archlab_exe() -> Path:
    path = Path(os.environ.get("ARCHLAB_EXE", REPO_ROOT / "build" / "framework" / "archlab"))
    if not path.is_file():
        pytest.fail(f"the archlab program is not at {path}: build it, or set ARCHLAB_EXE (CTest does)")
    return path


def test_plugin_dir() -> Path | None:
    path = Path(os.environ.get("ARCHLAB_TEST_PLUGIN_DIR", REPO_ROOT / "build" / "test-plugins"))
    return path if (path / "archlab_test_pingpong.so").is_file() else None


@dataclass
class Printed:
    """What `archlab run` printed: the report lines, the per-type totals, and what follows them
    (the plugins' own reports, e.g. workload.dnn's operator table), line by line."""
    engine: str = ""
    status: str = ""
    sim_time: str = ""
    events: int = 0
    pending: int = 0
    totals: dict = field(default_factory=dict)  # (replica, type, stat) -> (total, unit)
    reports: list = field(default_factory=list)  # the lines after the totals' blank line, up to `output`


_TOTAL = re.compile(r"^\s+(?:replica (\d+)\s+)?(\S+)\s+(\S+)\s+(\S+) ?(.*)$")


def parse_report(stdout: str) -> Printed:
    printed = Printed()
    after_totals = False
    for line in stdout.splitlines():
        if after_totals:
            if not line.startswith("output "):
                printed.reports.append(line)
        elif not line.strip():
            after_totals = bool(printed.totals)
        elif line.startswith("engine "):
            printed.engine = line.split(None, 1)[1].strip()
        elif line.startswith("status "):
            printed.status = line.split(None, 1)[1].strip()
        elif line.startswith("sim time "):
            printed.sim_time = line[len("sim time"):].strip()
        elif line.startswith("events "):
            match = re.match(r"events\s+(\d+) \((\d+) pending\)", line)
            printed.events, printed.pending = int(match.group(1)), int(match.group(2))
        elif line.startswith("  "):
            match = _TOTAL.match(line)
            assert match, f"cannot parse the total line {line!r}"
            replica = int(match.group(1) or 0)
            printed.totals[(replica, match.group(2), match.group(3))] = (float(match.group(4)), match.group(5).strip())
    assert printed.engine and printed.status and printed.totals, f"unexpected `archlab run` output:\n{stdout}"
    return printed


@dataclass
class RunFile:
    path: Path
    printed: Printed
    stdout: str


def run_archlab(output: Path, experiment: Path | None, *options: str, env: dict | None = None) -> RunFile:
    command = [str(archlab_exe()), "run", "-q"] + ([str(experiment)] if experiment else []) + \
        ["-o", str(output)] + list(options)
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}"
    return RunFile(output, parse_report(result.stdout), result.stdout)


PHOLD = REPO_ROOT / "examples" / "phold.toml"
SMALL_PHOLD = ["--set", "workloads.lp.count=256", "--set", "workloads.lp.events_per_lp=8",
               "--set", "stop_time=40 ns", "--set", "stats_interval=5 ns", "--set", "trace=true"]


@pytest.fixture(scope="session")
def files_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("archlab-files")


@pytest.fixture(scope="session")
def phold_run(files_dir) -> RunFile:
    """examples/phold.toml, made smaller, traced, on the sequential engine."""
    return run_archlab(files_dir / "phold.h5", PHOLD, *SMALL_PHOLD)


@pytest.fixture(scope="session")
def windowed_run(files_dir) -> RunFile:
    return run_archlab(files_dir / "phold-windowed.h5", PHOLD, *SMALL_PHOLD, "--engine", "windowed", "--threads", "2")


@pytest.fixture(scope="session")
def default_run(files_dir) -> RunFile:
    """The built-in default run (PHOLD, 64K LPs), cut short."""
    return run_archlab(files_dir / "default.h5", None, "--set", "stop_time=3 ns", "--set", "stats_interval=1 ns")


ENSEMBLE = """
engine = "sequential"
stop_time = "20 ns"
stats_interval = "5 ns"
[ensemble]
replicas = 3
[ensemble.vary]
"workloads.lp.remote" = [0.1, 0.5, 0.9]
[system.components]
[workloads.lp]
type = "workload.phold"
count = 64
events_per_lp = 4
[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
"""


@pytest.fixture(scope="session")
def ensemble_run(files_dir) -> RunFile:
    experiment = files_dir / "ensemble.toml"
    experiment.write_text(ENSEMBLE)
    return run_archlab(files_dir / "ensemble.h5", experiment)


MIXED = """
engine = "windowed"
stop_time = "500 ns"
stats_interval = "50 ns"
trace = true
[system.components.ping]
type = "test.pingpong"
count = 4
starter = true
rounds = 40
think = "3 ns"
[system.components.pong]
type = "test.pingpong"
count = 4
rounds = 40
think = "5 ns"
[system.components.solo]
type = "test.pingpong"
rounds = 1
[[system.links]]
from = "ping[*].out"
to = "pong[*].in"
latency = "2 ns"
[[system.links]]
from = "pong[*].out"
to = "ping[*].in"
latency = "7 ns"
[[system.links]]
from = "solo.out"
to = "solo.in"
latency = "1 ns"
[workloads.lp]
type = "workload.phold"
count = 16
events_per_lp = 2
[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
"""


@pytest.fixture(scope="session")
def mixed_run(files_dir) -> RunFile:
    """Two component types (test.pingpong arrays and a single component, then PHOLD)."""
    plugins = test_plugin_dir()
    if plugins is None:
        pytest.fail("the test.pingpong plugin is not built (set ARCHLAB_TEST_PLUGIN_DIR; CTest does)")
    experiment = files_dir / "mixed.toml"
    experiment.write_text(MIXED)
    return run_archlab(files_dir / "mixed.h5", experiment, env={"ARCHLAB_PLUGIN_PATH": str(plugins)})


LONG_RUN = """
engine = "sequential"
stop_time = "1 ms"
stats_interval = "0.2 ns"
flush_seconds = 0.1
trace = true
[system.components]
[workloads.lp]
type = "workload.phold"
count = 1024
events_per_lp = 4
[[links]]
from = "lp[*].out"
to = "lp[*].in"
latency = "0.1 ns"
"""


@pytest.fixture(scope="session")
def killed_run(files_dir) -> Path:
    """A run SIGKILLed after several flushes: its file is still marked open for SWMR writing."""
    experiment = files_dir / "long.toml"
    experiment.write_text(LONG_RUN)
    output = files_dir / "killed.h5"
    run = subprocess.Popen([str(archlab_exe()), "run", "-q", str(experiment), "-o", str(output)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while not output.exists() and time.time() < deadline and run.poll() is None:
            time.sleep(0.05)
        time.sleep(1.0)  # several flushes
        assert run.poll() is None, "the run ended before it could be killed: " + run.stderr.read().decode()
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
        run.stderr.close()
    return output
