"""An experiment's trial measures: each arm's endpoint at `at`, scored like any other measure."""

from __future__ import annotations

import tempfile
from typing import Container, Mapping

import numpy as np

from ..experiments.results import ExperimentResult, MeasureResult, score
from ..experiments.schema import Experiment
from ..measures import MeasureError
from ..units import MINUTES_PER_DAY
from .course import WHAT, arm_course
from .effects import EFFECT_SCALES
from .endpoints import ENDPOINT_DEFS, EndpointValue, evaluate
from .outcomes import ArmOutcomes
from .spec import TrialSpec, trial_spec

PERCENT_UNITS = ("%", "percent")
EFFECT_BOOT = 1000   # resamples of an effect measure's bootstrap interval in a library (scorecard) run


def _scale(m, e, field: str) -> float:
    """Factor from the endpoint's unit to the measure's (a fraction may be scored in %)."""
    if m.unit in ("1", e.unit):
        return 1.0
    if e.unit == "1" and m.unit in PERCENT_UNITS:
        return 100.0
    raise MeasureError(f"{field}.unit: endpoint {e.name} is in {e.unit!r}" + (" (or %)" if e.unit == "1" else ""))


def measure_values(exp: Experiment, spec: TrialSpec, arms: Mapping[str, ArmOutcomes],
                   n_boot: int = 0, boot: Container[str] | None = None) -> list[tuple[MeasureResult, EndpointValue]]:
    """Every measure's endpoint value (bootstrap interval if n_boot > 0) and its score.

    boot: the endpoints whose measures get the bootstrap (None: all); a measure with an
    interval carries it, in the measure's unit, as `MeasureResult.ci`.
    """
    from ..experiments.plan import experiment_plan

    plan = experiment_plan(exp)   # the measures' `at` parsed once (minutes)
    out = []
    minutes = tuple((np.asarray(spec.visits) * MINUTES_PER_DAY).tolist())
    series = {name: (minutes, arm_course(name, o).mean) for name, o in arms.items()}
    for i, m in enumerate(exp.measure):
        f = f"measure[{i}]"
        e = ENDPOINT_DEFS[m.endpoint]
        at = plan.measures[i].at / MINUTES_PER_DAY if m.at else spec.duration_days
        factor = _scale(m, e, f)
        v = evaluate(m.endpoint, m.arm, arms[m.arm], at, m.versus, arms[m.versus] if m.versus else None,
                     n_boot=n_boot if boot is None or m.endpoint in boot else 0, seed=spec.seed,
                     rules=spec.endpoints)
        value = v.estimate * factor
        passed, tol = score(value, m)
        ci = None if np.isnan(v.low) and np.isnan(v.high) else (v.low * factor, v.high * factor)
        out.append((MeasureResult(m.label, value, m.expected, m.unit, passed, m.range, tol, series[m.arm],
                                  "time (min); mean MADRS of the arm, LOCF", WHAT, ci), v))
    return out


def experiment_result(exp: Experiment, measures: list[tuple[MeasureResult, EndpointValue]],
                      keep_series: bool = True, arms: Mapping[str, ArmOutcomes] | None = None) -> ExperimentResult:
    """The experiment's result from its scored measures; with `keep_series`, each measure's series
    and, given the `arms`, every arm's mean course with its 95% band (`trial.course`), comparators too."""
    ms = tuple(r if keep_series else MeasureResult(r.name, r.simulated, r.expected, r.unit, r.passed, r.range,
                                                   r.tolerance, ci=r.ci) for r, _ in measures)
    courses = tuple(arm_course(name, a) for name, a in arms.items()) if keep_series and arms else ()
    return ExperimentResult(exp.id, exp.title, exp.source, tuple(exp.tags), dict(exp.protocol.hypotheses),
                            ms, courses)


def run_trial_experiment(exp: Experiment, keep_series: bool = True,
                         parameters: Mapping[str, float] | None = None) -> ExperimentResult:
    """Run a trial experiment in this process (into a temporary folder) and score its measures.

    Measures are scored on the endpoints' point estimates; the arm-versus-arm effects
    (`trial.effects.EFFECT_SCALES`) also get a percentile bootstrap interval over
    `EFFECT_BOOT` resamples (`MeasureResult.ci`, for the scorecard's forest plot; a few
    milliseconds beside the trial). The series kept
    for plots is the arm's mean MADRS (LOCF) against time in minutes, and the result
    carries every arm's mean course with its 95% band (`ExperimentResult.courses`). parameters:
    overrides merged over `protocol.parameters` (names the trial's model lacks are ignored,
    see `trial_spec`).
    """
    from .engine import run_trial

    spec = trial_spec(exp, parameters=parameters)
    with tempfile.TemporaryDirectory(prefix="ketasim-trial-") as tmp:
        result = run_trial(spec, tmp, scheduler="sync", progress=False)
    scored = measure_values(exp, spec, result.arms, EFFECT_BOOT, boot=EFFECT_SCALES)
    return experiment_result(exp, scored, keep_series, result.arms)
