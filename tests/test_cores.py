"""`ketasim.cores`: which cores each of n side-by-side processes gets, and pinning every thread."""

import os
import subprocess
import sys

import pytest

from ketasim.cores import share_of_cores

linux = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux-only")


@linux
@pytest.mark.parametrize("allowed, index, count, expected", [
    ({0, 1}, 0, 2, {0}), ({0, 1}, 1, 2, {1}),
    ({0, 1, 2, 3, 4}, 0, 2, {0, 2, 4}), ({0, 1, 2, 3, 4}, 1, 2, {1, 3}),
    ({4, 6, 9}, 2, 3, {9}), ({0, 1, 2, 3}, 5, 2, {1, 3}),      # index taken modulo count
    ({0, 1}, 0, 3, None), ({0, 1}, 0, 1, None), ({3}, 0, 1, None),
])
def test_every_process_gets_a_disjoint_share(monkeypatch, allowed, index, count, expected):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(allowed))
    assert share_of_cores(index, count) == expected


@linux
def test_every_share_together_is_every_core(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(7)))
    shares = [share_of_cores(i, 3) for i in range(3)]
    assert set().union(*shares) == set(range(7)) and sum(len(s) for s in shares) == 7


@linux
def test_pinning_reaches_every_thread_and_later_ones():
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two cores")
    code = """
import os, threading, time
from ketasim.cores import pin_process
stop = threading.Event()
early = threading.Thread(target=stop.wait); early.start()
core = min(os.sched_getaffinity(0))
pin_process({core})
seen = []
late = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0))); late.start(); late.join()
tasks = [int(t) for t in os.listdir("/proc/self/task")]
print(sorted({frozenset(os.sched_getaffinity(t)) == {core} for t in tasks}), seen[0] == {core}, len(tasks))
stop.set(); early.join()
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == ["[True]", "True"] and int(out[2]) >= 2
