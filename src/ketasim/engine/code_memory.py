"""Compiled code's share of the process's memory mappings, and giving it back.

Why: XLA's CPU backend maps every compiled program into the process with its own memory
mappings, about 800 for a solve of the human model and up to 3,600 for the two-year
bladder course (measured with /proc/self/maps while the library ran). Linux refuses new
mappings past `vm.max_map_count` (65,530 by default), and LLVM then aborts the whole
process ("Unable to allocate section memory"). A process that runs many models one after
another (the scorecard, `ketasim hypotheses`: hundreds of runs) reaches that limit after
about a hundred programs. `exported.Program` calls `release_if_crowded` before a program
new to the process is loaded or built. `jax.clear_caches()` drops the compiled programs and their
mappings (measured: 6,932 mappings after ten PK experiments, 1,208 after it); a program
needed again is read back from the persistent cache (about a second).
"""

from __future__ import annotations

import gc
import sys
from functools import lru_cache
from pathlib import Path

CROWDED = 0.5          # share of vm.max_map_count above which compiled programs are let go
DEFAULT_LIMIT = 65530  # Linux's default vm.max_map_count, where the kernel does not say


def map_count() -> int | None:
    """The process's memory mappings now (None where /proc does not exist)."""
    try:
        with open("/proc/self/maps", "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return None


@lru_cache(maxsize=1)
def map_limit() -> int:
    """The kernel's limit on one process's memory mappings (vm.max_map_count; read once)."""
    try:
        return int(Path("/proc/sys/vm/max_map_count").read_text())
    except (OSError, ValueError):
        return DEFAULT_LIMIT


def release_if_crowded(share: float = CROWDED) -> bool:
    """Drop JAX's compiled programs when the mappings exceed `share` of the limit; returns
    whether it did. Nothing happens in a process that has not imported JAX."""
    if "jax" not in sys.modules:
        return False
    count = map_count()
    if count is None or count <= share * map_limit():
        return False
    sys.modules["jax"].clear_caches()
    gc.collect()
    return True
