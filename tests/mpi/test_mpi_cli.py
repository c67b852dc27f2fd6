"""The archlab program under mpirun (CTest test mpi.cli).

- A study shared out over 2 and 3 ranks gives the trials of the same study in one process
  (same designs, objectives, constraints, status, in the same order), and says how many ranks.
- A rank killed mid-study ends the job; --resume on the file rank 0 wrote continues it, and the
  finished study equals the uninterrupted one: no finished trial is lost.
- `archlab run --engine mpi` on 2 and 3 ranks writes the file the sequential engine writes
  (statistics, samples, summary, trace), and other engines are refused under mpirun.
"""
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

EXE = os.environ["ARCHLAB_EXE"]
MPIRUN = shlex.split(os.environ["ARCHLAB_MPIRUN"])
SOURCE = Path(os.environ["ARCHLAB_SOURCE_DIR"])
STUDY = SOURCE / "tests/tune/systolic_tune.toml"
PHOLD = SOURCE / "workloads/phold/equivalence.toml"


def mpirun(ranks, *args, **kwargs):
    return subprocess.run(MPIRUN + ["-n", str(ranks), EXE, *map(str, args)], capture_output=True, text=True,
                          timeout=300, **kwargs)


def alone(*args):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, timeout=300)


def trials(path):
    """The study's trials without what may differ between runs (wall time, ensemble replica)."""
    with h5py.File(path, "r") as f:
        rows = f["study/trials"][:]
        finished = bool(f["study"].attrs.get("finished", True))
    names = [n for n in rows.dtype.names if n not in ("wall_seconds", "replica")]
    return [tuple(row[n].tobytes() if isinstance(row[n], np.ndarray) else row[n] for n in names) for row in rows], finished


@pytest.mark.parametrize("ranks", [1, 2, 3])
def test_study_over_ranks_matches_one_process(tmp_path, ranks):
    one = alone("tune", STUDY, "-q", "-o", tmp_path / "one.h5")
    assert one.returncode == 0, one.stderr
    many = mpirun(ranks, "tune", STUDY, "-q", "-o", tmp_path / "many.h5")
    assert many.returncode == 0, many.stderr
    # A world of one rank runs and prints as one process always did.
    assert " ranks" not in one.stdout.replace(str(tmp_path), "")
    if ranks > 1:
        assert f"on {ranks} ranks" in many.stdout
    else:
        assert many.stdout.replace(str(tmp_path), "").replace("many.h5", "one.h5").split("\n")[0] == \
            one.stdout.replace(str(tmp_path), "").split("\n")[0]
    assert many.stdout.count("tuning ") == 1  # only rank 0 prints
    reference, _ = trials(tmp_path / "one.h5")
    shared, _ = trials(tmp_path / "many.h5")
    assert len(reference) == 12
    assert shared == reference


def rank_pids(mpirun_pid, rank):
    """Pids of the processes of `rank` below `mpirun_pid` (from /proc: parent links, environment)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat[stat.rfind(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [mpirun_pid]
    while stack:
        for pid in children.get(stack.pop(), []):
            stack.append(pid)
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ and Path(f"/proc/{pid}/exe").resolve() == Path(EXE).resolve():
                found.append(pid)
    return found


def test_killed_rank_then_resume_loses_no_trial(tmp_path):
    # 200 trials in batches of 4, each GEMM in 20,000 tiles: about 50 ms a batch, so rank 1 dies
    # a few batches in, long before the end.
    budget = 200
    sets = ["--set", f"tune.budget={budget}", "--set", "workloads.ctrl.tiles=20000"]
    full = alone("tune", STUDY, "-q", "-o", tmp_path / "full.h5", *sets)
    assert full.returncode == 0, full.stderr
    reference, _ = trials(tmp_path / "full.h5")
    assert len(reference) == budget

    study = tmp_path / "study.h5"
    job = subprocess.Popen(MPIRUN + ["-n", "2", EXE, "tune", str(STUDY), "-q", "-o", str(study), *sets],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not study.exists() and time.time() < deadline and job.poll() is None:
        time.sleep(0.05)
    assert study.exists(), "rank 0 wrote no study file"
    victims = rank_pids(job.pid, 1)
    assert victims, "rank 1 not found"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    _, err = job.communicate(timeout=120)
    assert job.returncode != 0, "the job went on without rank 1"
    done, finished = trials(study)
    assert not finished and 0 < len(done) < budget, f"killed after {len(done)} trials"
    assert done == reference[:len(done)]  # every trial written before the kill is intact

    resumed = mpirun(2, "tune", STUDY, "-q", "--resume", study, "-o", study, *sets)
    assert resumed.returncode == 0, resumed.stderr
    after, finished = trials(study)
    assert finished
    assert after == reference


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name != "summary/engine/wall_seconds":
                out[name] = obj[()]
        f.visititems(visit)
        engine = f.attrs["engine"]
    return out, engine.decode() if isinstance(engine, bytes) else str(engine)


@pytest.mark.parametrize("ranks", [2, 3])
def test_run_on_mpi_engine_writes_the_sequential_file(tmp_path, ranks):
    sets = ["--set", "trace=true", "--set", "stop_time=40 ns"]
    seq = alone("run", PHOLD, "-q", "--engine", "sequential", "-o", tmp_path / "seq.h5", *sets)
    assert seq.returncode == 0, seq.stderr
    dist = mpirun(ranks, "run", PHOLD, "-q", "--engine", "mpi", "-o", tmp_path / "mpi.h5", *sets)
    assert dist.returncode == 0, dist.stderr
    assert dist.stdout.count("engine      mpi") == 1
    reference, engine = datasets(tmp_path / "seq.h5")
    got, got_engine = datasets(tmp_path / "mpi.h5")
    assert (engine, got_engine) == ("sequential", "mpi")
    assert "trace/events" in reference and len(reference["trace/events"]) > 1000
    assert sorted(got) == sorted(reference)
    for name, values in reference.items():
        assert np.array_equal(got[name], values), name


def test_other_engines_are_refused_under_mpirun(tmp_path):
    refused = mpirun(2, "run", PHOLD, "-q", "--engine", "sequential", "-o", tmp_path / "x.h5")
    assert refused.returncode == 2
    assert "needs engine = \"mpi\"" in refused.stderr
    assert refused.stderr.count("error:") == 1  # said once, by rank 0
    assert not (tmp_path / "x.h5").exists()


def test_study_on_the_mpi_engine_is_refused(tmp_path):
    result = mpirun(2, "tune", STUDY, "-q", "--set", "engine=mpi", "-o", tmp_path / "s.h5")
    assert result.returncode == 2
    assert "cannot run on engine 'mpi'" in result.stderr
    assert result.stderr.count("error:") == 1
    assert not (tmp_path / "s.h5").exists()


def test_mpi_engine_without_mpirun_is_bad_input():
    result = alone("run", PHOLD, "-q", "--engine", "mpi")
    assert result.returncode == 2
    assert "mpirun" in result.stderr
