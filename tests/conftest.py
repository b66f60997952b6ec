"""Shared fixtures. JAX's compilation cache goes to a per-run folder under pytest's tmp."""

import os

import pytest

os.environ.setdefault("KETASIM_JAX_CACHE", "off")


@pytest.fixture(scope="session")
def standard_regimen():
    import ketasim as k

    return [k.DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0.0, duration=40.0)]
