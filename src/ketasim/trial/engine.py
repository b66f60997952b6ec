"""Run a virtual trial: chunks of patients as tasks (Dask or in process), each written to Zarr as it finishes.

Every arm's patients are split into chunks of `spec.chunk`. Chunks the store can vouch
for are skipped (resume): their done flag is set and their arrays exist, read, have the
expected shape and match the checksum the flag records (`store.check_chunks`). Every other
chunk runs as a task; a flagged chunk that fails its check is reported in one status line
(which chunk, why) and recomputed, never trusted and never a traceback. The tasks run on a `dask.distributed`
cluster (a local one of `workers` single-threaded processes by default, or the scheduler
at `scheduler`) or one after another in this process (`workers=0` or `scheduler="sync"`).
Results are written by this (the client) process only, in the order they arrive. Because a
patient's outcome depends only on (seed, arm, cohort, patient index), the stored results
are the same whichever way, in whatever order, and in however many sittings they ran.
With a `shard.Shard` (an HPC array job), only that shard's chunks run, into the shard's own
store (`trial.shard-I-of-N.zarr`); `merge.merge_shards` combines the shards' stores.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

import numpy as np

from .outcomes import ArmOutcomes
from .shard import Shard
from .spec import TrialSpec
from .store import NOT_DONE, ChunkCheck, check_chunks, done_flags, open_store, read_arm, repair_layout, write_chunk

STORE_NAME = "trial.zarr"
SYNC = "sync"
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class TrialResult:
    """A finished trial (or shard): its spec, store, every arm's outcomes, and what this call ran.

    arms: every arm's outcomes (empty for a shard: its store holds only some patients;
    merge the shards for the trial's). chunks_run: chunks simulated by this call;
    chunks_skipped: found done (and verified) in the store; chunks_merged: copied from
    shard stores (`merge.merge_shards`); wall_s: seconds this call took (store opening to
    last write); recomputed: the status lines of store repairs and of flagged chunks that
    failed verification (empty for a fresh run or a clean resume). shard: the shard this
    call ran, None for the whole trial.
    """

    spec: TrialSpec
    store: Path
    arms: Mapping[str, ArmOutcomes]
    chunks_run: int
    chunks_skipped: int
    wall_s: float
    executor: str
    recomputed: tuple[str, ...] = ()
    shard: Shard | None = None
    chunks_merged: int = 0


def default_simulate() -> Callable:
    """The mechanistic chunk simulator, `ketasim.trial.chunk.simulate_chunk`."""
    from .chunk import simulate_chunk

    return simulate_chunk


@contextlib.contextmanager
def _progress(total: int, done: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar of patients (on stderr); yields advance(k)."""
    if not enabled:
        yield lambda k: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    cols = (TextColumn("patients"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*cols, console=Console(stderr=True)) as bar:
        task = bar.add_task("patients", total=total, completed=done)
        yield lambda k: bar.advance(task, k)


def _tasks(spec: TrialSpec, checks: tuple[ChunkCheck, ...]) -> list[tuple[int, int]]:
    """(arm index, chunk index) of every chunk not trusted."""
    arm_index = {arm.name: a for a, arm in enumerate(spec.arms)}
    return [(arm_index[c.arm], c.index) for c in checks if not c.trusted]


def to_stderr(line: str) -> None:
    """A status line (a store repair, a chunk recomputed) on stderr, flushed at once."""
    print(line, file=sys.stderr, flush=True)


def _overrides(spec: TrialSpec) -> dict:
    """The chunk simulator's `parameters` keyword when the spec overrides model parameters
    (left out otherwise, so simulators without that keyword keep working)."""
    return {"parameters": dict(spec.parameters)} if spec.parameters else {}


def _run_sync(spec, todo, simulate, write) -> None:
    for a, c in todo:
        start, size = spec.chunks()[c]
        arm = spec.arms[a]
        write(a, c, simulate(arm, spec.cohort, start, size, spec.seed, spec.visits, spec.species, batch=spec.chunk,
                             **_overrides(spec)))


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers or DEFAULT_WORKERS, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        pin_workers(client)
        yield client


def pin_workers(client) -> None:
    """Each worker of a local cluster on cores of its own (`ketasim.cores`), before any of
    them imports JAX: LocalCluster names its workers 0 .. n-1."""
    n = len(client.scheduler_info()["workers"])

    def pin(dask_worker) -> None:
        from ketasim.cores import pin_process, share_of_cores

        pin_process(share_of_cores(int(dask_worker.name), n))

    client.run(pin)


def _run_dask(spec, todo, simulate, write, scheduler, workers) -> None:
    from dask.distributed import as_completed

    with _client(scheduler, workers) as client:
        where, futures = {}, []
        for a, c in todo:
            start, size = spec.chunks()[c]
            fut = client.submit(simulate, spec.arms[a], spec.cohort, start, size, spec.seed, spec.visits,
                                spec.species, batch=spec.chunk, key=f"{spec.trial_id}-{spec.digest[:12]}-{a}-{c}",
                                pure=False, **_overrides(spec))
            where[fut.key] = (a, c)
            futures.append(fut)
        try:
            for fut in as_completed(futures):
                a, c = where[fut.key]
                write(a, c, fut.result())
                fut.release()
        except BaseException:
            client.cancel(futures)
            raise


def run_trial(spec: TrialSpec, out_dir: str | Path, scheduler: str | None = None, workers: int | None = None,
              progress: bool = True, simulate: Callable | None = None,
              notify: Callable[[str], None] = to_stderr, shard: Shard | None = None) -> TrialResult:
    """Run (or resume) `spec`, storing results in `out_dir/trial.zarr`; returns every arm's outcomes.

    scheduler: a dask.distributed scheduler address, or "sync" (this process); None with
    `workers` None or > 0: a LocalCluster of `workers` (default 2) single-threaded worker
    processes; `workers=0`: this process. simulate: the chunk simulator (signature of
    `ketasim.trial.chunk.simulate_chunk`; default that one). A store of another spec at
    the same place is refused (`TrialStoreError`). notify: receives one status line per store
    repair and per flagged chunk that fails verification (default: printed on stderr).
    shard: run only that shard's chunks (`Shard.chunks`), into `out_dir/trial.shard-I-of-N.zarr`
    (resumable like the whole trial's store); the result's `arms` is then empty.
    """
    t0 = time.perf_counter()
    path = Path(out_dir) / (shard.store_name if shard else STORE_NAME)
    root = open_store(path, spec, shard=shard)
    lines = repair_layout(root, spec)
    checks = check_chunks(root, spec)
    if shard is not None:
        mine = set(shard.chunks(spec))
        names = spec.arm_names
        checks = tuple(c for c in checks if (names.index(c.arm), c.index) in mine)
    lines += [c.status for c in checks if c.reason not in ("", NOT_DONE)]
    for line in lines:
        notify(f"{path}: {line}")
    todo = _tasks(spec, checks)
    simulate = simulate or default_simulate()
    sizes = [size for _, size in spec.chunks()]
    total = sum(c.size for c in checks)
    done = total - sum(sizes[c] for _, c in todo)
    sync = scheduler == SYNC or (scheduler is None and workers == 0)
    with _progress(total, done, progress) as advance:
        def write(a: int, c: int, result) -> None:
            write_chunk(root, spec, spec.arms[a].name, c, result)
            advance(sizes[c])

        if todo and sync:
            _run_sync(spec, todo, simulate, write)
        elif todo:
            _run_dask(spec, todo, simulate, write, scheduler, workers)
    if shard is None:
        arms = read_complete(root, spec)
    else:
        arms = {}
        _check_flagged(root, spec, [(c.arm, c.index) for c in checks])
    return TrialResult(spec, path, arms, len(todo), len(checks) - len(todo), time.perf_counter() - t0,
                       "sync" if sync else (scheduler or f"local:{workers or DEFAULT_WORKERS}"), tuple(lines), shard)


def read_complete(root, spec: TrialSpec) -> dict[str, ArmOutcomes]:
    """Every arm's outcomes from a finished store (arm name -> `ArmOutcomes`, the spec's order).

    RuntimeError unless every chunk's done flag is set and every patient index is present
    once, in order. The checksums are not read back again here: callers verified them
    (resumed or merged chunks) or computed them from the arrays just written.
    """
    _check_flagged(root, spec, [(a.name, c) for a in spec.arms for c in range(len(spec.chunks()))])
    arms = {a.name: read_arm(root, spec, a.name) for a in spec.arms}
    for name, outcomes in arms.items():
        if not np.array_equal(outcomes.patient, np.arange(spec.n)):
            raise RuntimeError(f"arm {name}: stored patient indices are not 0..{spec.n - 1}")
    return arms


def _check_flagged(root, spec: TrialSpec, chunks: list[tuple[str, int]]) -> None:
    """RuntimeError unless the done flag of every (arm name, chunk index) in `chunks` is set."""
    flags = done_flags(root, spec)
    for name in spec.arm_names:
        missing = [c for arm, c in chunks if arm == name and not flags[name][c]]
        if missing:
            raise RuntimeError(f"arm {name}: chunks {missing} not written")
