"""Cores of their own for the processes one machine runs side by side (the Dask workers of
a local cluster).

Why: JAX's CPU runtime in two unpinned processes on a 2-core machine oversubscribes the
cores. Two concurrent split solves of the trial's esketamine arm (benchmarks/split_solve.py)
ran at 53-55 patients/s each unpinned and at 66-71 each pinned to a core; one alone, 72-90.
The benchmark trial on a 2-worker local cluster (benchmarks/trial.py --patients 4000, two
rounds each): 216 and 235 patients/s pinned, 181 and 173 unpinned. (pytest-xdist workers
pinned the same way gave no gain, 775 s for `make test` either way: the suite is mostly
compilation, which XLA spreads over threads; so the tests are left unpinned.)
Linux only (os.sched_setaffinity); elsewhere these do nothing.
"""

from __future__ import annotations

import os


def share_of_cores(index: int, count: int) -> set[int] | None:
    """The cores process `index` of `count` gets: every count-th of the cores this process
    may use, starting at index; None when there are fewer cores than processes (or one
    process), where pinning would only take cores away."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    if not 1 < count <= len(cores):
        return None
    return set(cores[index % count::count])


def pin_process(cores: set[int] | None) -> None:
    """Restrict every thread of this process to `cores` (threads it starts later inherit it
    from their creator, and child processes from their parent); None does nothing."""
    if not cores or not hasattr(os, "sched_setaffinity"):
        return
    try:
        threads = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        threads = [0]
    for tid in threads:
        try:
            os.sched_setaffinity(tid, cores)
        except OSError:  # a thread that has just ended
            pass
