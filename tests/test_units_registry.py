"""`ketasim.units.new_registry`: pint's parsed definitions kept in the cache folder, and a
cache that fails gives the same units, parsed again."""

import pytest

from ketasim.units import new_registry

CHECKS = [("0.5 mg/kg", "g/kg", 5e-4), ("40 min", "h", 40 / 60), ("1 ng/mL", "mg/L", 1e-3), ("37 degC", "K", 310.15)]


def converted(reg) -> list[float]:
    return [reg.Quantity(text).to(unit).magnitude for text, unit, _ in CHECKS]


@pytest.mark.parametrize("text, unit, expected", CHECKS)
def test_the_cached_registry_converts_as_the_units_do(tmp_path, monkeypatch, text, unit, expected):
    monkeypatch.setenv("KETASIM_JAX_CACHE", str(tmp_path))
    new_registry()                                        # writes the cache
    assert any((tmp_path / "pint").glob("*.pickle"))
    assert new_registry().Quantity(text).to(unit).magnitude == pytest.approx(expected, rel=1e-12)  # reads it


def test_a_corrupted_cache_falls_back_to_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("KETASIM_JAX_CACHE", str(tmp_path))
    new_registry()
    for f in (tmp_path / "pint").glob("*.pickle"):
        f.write_bytes(f.read_bytes()[:40])                # cut short, as a concurrent writer might leave it
    assert converted(new_registry()) == pytest.approx([e for _, _, e in CHECKS], rel=1e-12)


def test_caching_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("KETASIM_JAX_CACHE", "off")
    monkeypatch.chdir(tmp_path)
    assert converted(new_registry()) == pytest.approx([e for _, _, e in CHECKS], rel=1e-12)
    assert not any(tmp_path.rglob("*"))
