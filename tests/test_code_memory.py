"""engine.code_memory: compiled programs let go before the kernel's mapping limit."""

from __future__ import annotations

import sys

import pytest

from ketasim.engine import code_memory


def test_programs_are_let_go_only_past_the_share_of_the_limit(monkeypatch):
    import jax

    cleared = []
    monkeypatch.setattr(jax, "clear_caches", lambda: cleared.append(True))
    monkeypatch.setattr(code_memory, "map_limit", lambda: 1000)
    monkeypatch.setattr(code_memory, "map_count", lambda: 500)
    assert not code_memory.release_if_crowded() and cleared == []     # exactly half: not crowded
    monkeypatch.setattr(code_memory, "map_count", lambda: 501)
    assert code_memory.release_if_crowded() and cleared == [True]
    assert not code_memory.release_if_crowded(share=0.6) and cleared == [True]
    monkeypatch.setattr(code_memory, "map_count", lambda: None)      # no /proc: nothing to judge by
    assert not code_memory.release_if_crowded(share=0.0)


def test_nothing_is_imported_or_cleared_without_jax(monkeypatch):
    monkeypatch.setattr(code_memory, "map_count", lambda: 10**9)
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    assert not code_memory.release_if_crowded()
    assert "jax" not in sys.modules


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_counts_are_read_from_the_kernel():
    with open("/proc/self/maps") as f:
        lines = sum(1 for _ in f)
    assert abs(code_memory.map_count() - lines) < 50     # the same file, read a moment later
    with open("/proc/sys/vm/max_map_count") as f:
        assert code_memory.map_limit() == int(f.read())
