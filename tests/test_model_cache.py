"""`engine.model_cache`: assembled models kept on disk, keyed by what was assembled."""

import numpy as np
import pytest

from ketasim.engine.assembler import assemble
from ketasim.engine.model_cache import cached_model, model_path
from ketasim.engine.module import Module
from ketasim.parameters import p


def decay(k: float) -> tuple[Module, ...]:
    return (Module(name="m", equations="dA/dt = -k * A : mg",
                   parameters=(p("k", k, "1/min", "assumed", note="test"),), initial={"A": 2.0}),)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KETASIM_JAX_CACHE", str(tmp_path))
    return tmp_path


def counted(mods, calls: list):
    def build():
        calls.append(1)
        return assemble(mods)
    return build


def test_a_second_call_reads_the_model_with_its_source(cache):
    calls = []
    first = cached_model(("t", repr(decay(0.1))), counted(decay(0.1), calls))
    again = cached_model(("t", repr(decay(0.1))), counted(decay(0.1), calls))
    assert calls == [1]                                   # read back, not assembled
    assert again is not first and "source" in again.__dict__
    assert again.source == first.source
    assert np.array_equal(again.param_vector, first.param_vector)
    assert again.param_vector[0] == pytest.approx(0.1)
    assert model_path(("t", repr(decay(0.1)))).exists()


def test_other_modules_are_another_key(cache):
    calls = []
    cached_model(("t", repr(decay(0.1))), counted(decay(0.1), calls))
    other = cached_model(("t", repr(decay(0.2))), counted(decay(0.2), calls))
    assert calls == [1, 1]
    assert other.param_vector[0] == pytest.approx(0.2)


def test_an_unreadable_entry_is_assembled_again(cache):
    calls = []
    key = ("t", repr(decay(0.1)))
    cached_model(key, counted(decay(0.1), calls))
    path = model_path(key)
    path.write_bytes(path.read_bytes()[:50])              # cut short
    model = cached_model(key, counted(decay(0.1), calls))
    assert calls == [1, 1] and model.param_vector[0] == pytest.approx(0.1)


def test_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("KETASIM_JAX_CACHE", "off")
    monkeypatch.chdir(tmp_path)
    calls = []
    for _ in range(2):
        cached_model(("t", repr(decay(0.1))), counted(decay(0.1), calls))
    assert calls == [1, 1] and not any(tmp_path.rglob("*"))


def test_the_registry_model_read_back_equals_a_fresh_assembly(cache):
    from ketasim.mechanisms import registry

    registry._build.cache_clear()
    try:
        built = registry.build_model("human", {}, frozenset({"ketamine"}))
        registry._build.cache_clear()
        read = registry.build_model("human", {}, frozenset({"ketamine"}))   # from the file
    finally:
        registry._build.cache_clear()
    assert any((cache / "models").glob("*.pickle"))
    assert read is not built
    assert read.source == built.source
    assert read.param_names == built.param_names and np.array_equal(read.param_vector, built.param_vector)
    assert read.observable_names == built.observable_names
