"""A trial on a real dask.distributed cluster: a `dask scheduler` and two `dask worker` processes on loopback.

Slow (each process compiles the trial's solve, from a compilation cache shared by this
module's processes). The cluster's processes each lead their own process group; teardown
stops the groups (SIGTERM, then SIGKILL) and checks that no process of them is left, also
when the test fails. As a net for a test process that is itself killed, the scheduler
exits after an hour without work and the workers shortly after losing it. Readiness
waits are generous (a loaded machine starts a worker in seconds to minutes) and nothing
asserts a duration.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import ketasim
from trial_helpers import two_arm_trial

pytestmark = pytest.mark.slow

SRC = str(Path(ketasim.__file__).resolve().parents[1])   # the workers import this ketasim
READY_S = 600            # generous: starting Python, dask and ketasim on a loaded machine
STOP_S = 60              # after SIGTERM, before SIGKILL

TRIAL = two_arm_trial(n=8, seed=11, chunk=2, trial_id="cluster-trial",
                      title="Ketamine 0.5 versus 0.1 mg/kg on a dask cluster")


def live_in_group(pgid: int) -> list[int]:
    """Processes of process group `pgid` that are not zombies (Linux /proc; else signal 0 to the group)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        return [pgid]
    out = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()     # after "pid (comm) ": state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def stop_groups(procs: list[subprocess.Popen]) -> list[int]:
    """SIGTERM every process group, wait, SIGKILL what is left; the pids still alive (none, normally)."""
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_S
    while time.monotonic() < deadline and any(live_in_group(p.pid) for p in procs):
        for p in procs:
            p.poll()
        time.sleep(0.5)
    for p in procs:
        if live_in_group(p.pid):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for p in procs:
        try:
            p.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            pass
    deadline = time.monotonic() + STOP_S
    while time.monotonic() < deadline and any(live_in_group(p.pid) for p in procs):
        time.sleep(0.5)
    return [pid for p in procs for pid in live_in_group(p.pid)]


def dask_cli(*args: str, env: dict, log: Path) -> subprocess.Popen:
    """`dask ...` of this interpreter, leading its own process group, output to `log`."""
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_for(condition, what: str, procs: list[subprocess.Popen], logs: list[Path]) -> None:
    """Poll `condition()` for up to READY_S s; fail (with the logs) if a process exits first or time runs out."""
    deadline = time.monotonic() + READY_S
    while not condition():
        dead = [p for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            text = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs if log.exists())
            pytest.fail(f"{what}: {'a process exited' if dead else 'not ready in time'}\n{text}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def jax_cache(tmp_path_factory):
    """One compilation cache for the in-process run, the command's client and the workers."""
    return tmp_path_factory.mktemp("jax-cache")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, jax_cache):
    """A scheduler (tcp, 127.0.0.1, a free port) and two single-threaded workers; yields its scheduler file."""
    from dask.distributed import Client

    d = tmp_path_factory.mktemp("cluster")
    sched_file = d / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "KETASIM_JAX_CACHE": str(jax_cache)}
    procs, logs = [], [d / "scheduler.log", d / "worker-1.log", d / "worker-2.log"]
    try:
        procs.append(dask_cli("scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(sched_file),
                              "--no-dashboard", "--idle-timeout", "3600", env=env, log=logs[0]))

        def address() -> str:
            try:
                return json.loads(sched_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                return ""

        wait_for(address, "dask scheduler", procs, logs)
        for k in (1, 2):
            procs.append(dask_cli("worker", "--scheduler-file", str(sched_file), "--nthreads", "1", "--host",
                                  "127.0.0.1", "--no-dashboard", "--death-timeout", "120", "--name", f"worker-{k}",
                                  "--local-directory", str(d / f"worker-{k}"), env=env, log=logs[k]))
        with Client(scheduler_file=str(sched_file), timeout=READY_S) as client:
            wait_for(lambda: len(client.scheduler_info(n_workers=-1)["workers"]) >= 2, "two dask workers", procs,
                     logs)
        yield {"file": sched_file, "address": address()}
    finally:
        left = stop_groups(procs)
        assert left == [], f"processes left after teardown: {left}"


def trial_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ketasim", "trial", *args], capture_output=True, text=True,
                          timeout=3600, env=env)


def test_a_trial_through_a_real_scheduler_equals_the_in_process_run(tmp_path, cluster, jax_cache):
    import zarr
    from dask.distributed import Client

    from ketasim.experiments.loader import load_experiment
    from ketasim.trial.chunk_model import chunk_model_builds
    from ketasim.trial.engine import read_complete
    from ketasim.trial.spec import trial_spec
    from ketasim.trial.store import done_flags

    assert cluster["address"].startswith("tcp://127.0.0.1:")
    f = tmp_path / "trial.toml"
    f.write_text(TRIAL)
    env = {**os.environ, "PYTHONPATH": SRC, "KETASIM_JAX_CACHE": str(jax_cache)}
    local = trial_cli(str(f), "--workers", "0", "--out", str(tmp_path / "local"), "--bootstrap", "50", "--json",
                      env=env)
    assert local.returncode == 0, local.stderr[-3000:]
    remote = trial_cli(str(f), "--scheduler", cluster["address"], "--out", str(tmp_path / "remote"), "--bootstrap",
                       "50", "--json", env=env)
    assert remote.returncode == 0, remote.stderr[-3000:]
    run = json.loads(remote.stdout)["run"]
    assert run["executor"] == cluster["address"] and run["chunks_run"] == 8      # 2 arms x 4 chunks of 2
    assert json.loads(local.stdout)["run"]["executor"] == "sync"
    for name in ("endpoints.parquet", "summary.json", "report.html"):
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    spec = trial_spec(load_experiment(f))
    roots = {w: zarr.open_group(str(tmp_path / w / "trial.zarr"), mode="r") for w in ("local", "remote")}
    arms = {w: read_complete(root, spec) for w, root in roots.items()}
    for name in spec.arm_names:
        a, b = arms["local"][name], arms["remote"][name]
        for field in ("madrs", "hamd", "baseline_madrs", "dropout_day", "dropout_side_effect", "cadss_peak",
                      "patient"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=f"{name}.{field}")
        assert a.covariates.keys() == b.covariates.keys()
        for k in a.covariates:
            np.testing.assert_array_equal(a.covariates[k], b.covariates[k], err_msg=f"{name}.{k}")
        # the same checksum in every chunk's done flag
        np.testing.assert_array_equal(roots["local"][name]["done"][:], roots["remote"][name]["done"][:])
        assert done_flags(roots["remote"], spec)[name].all()
    summary = json.loads((tmp_path / "remote" / "summary.json").read_text())
    assert 0.0 <= summary["arms"]["ketamine"]["response_rate"]["estimate"] <= 1.0
    # each worker built the chunk model once, however many chunks it ran
    with Client(scheduler_file=str(cluster["file"]), timeout=READY_S) as client:
        counts = list(client.run(chunk_model_builds).values())
    assert len(counts) == 2 and sum(c["requests"] for c in counts) == 8, counts
    assert all(c["builds"] == (1 if c["requests"] else 0) for c in counts), counts
    assert max(c["requests"] for c in counts) >= 4                             # some worker reused it 3+ times
