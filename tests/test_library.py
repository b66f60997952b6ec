"""The experiment library: every file is valid and runs; a miss must explain itself."""

import math

import pytest

from ketasim.experiments.loader import library, library_paths
from ketasim.experiments.run import run_experiment

PATHS = library_paths()


LONG_DAYS = 180.0  # a year or two of repeated use takes about a minute to integrate


def _is_slow(path) -> bool:
    """Virtual-trial experiments (arms of patient populations) take minutes each, and
    protocols of a year or more of repeated use about a minute: slow (the scorecard runs them)."""
    import tomllib

    from ketasim.units import parse_quantity

    protocol = tomllib.loads(path.read_text(encoding="utf-8")).get("protocol", {})
    days = parse_quantity(protocol["duration"], "d", "duration") if "duration" in protocol else 0.0
    return "arms" in protocol or days >= LONG_DAYS


CASES = [pytest.param(p, id=p.stem, marks=pytest.mark.slow) if _is_slow(p) else pytest.param(p, id=p.stem)
         for p in PATHS]


def test_library_is_not_empty_and_ids_are_unique():
    exps = library()
    assert len(exps) >= 20
    ids = [e.id for e in exps]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", CASES)
def test_experiment_runs_and_misses_are_explained(path):
    from ketasim.experiments.loader import load_experiment

    exp = load_experiment(path)
    result = run_experiment(exp, keep_series=False)
    for m in result.measures:
        assert math.isfinite(m.simulated), m.name
    if not result.passed:
        # a miss is information: the file must say what the source reports and why we differ
        assert len(exp.notes.strip()) > 40, f"{exp.id} misses without an explanation in notes"


def test_a_wrong_parameter_makes_a_passing_experiment_miss():

    exp = next(e for e in library() if e.id == "pk-esketamine-oral-bioavailability")
    assert run_experiment(exp, keep_series=False).passed
    broken = exp.model_copy(update={"protocol": exp.protocol.model_copy(update={
        "parameters": {"ketamine_s.F_oral": 0.05}})})
    assert not run_experiment(broken, keep_series=False).passed
