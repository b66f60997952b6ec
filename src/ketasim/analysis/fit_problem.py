"""What a fit matches: experiments' measures as differentiable functions of the fitted values.

`fit_problem` turns experiments (the same `Experiment` records the runner scores) into a
`FitProblem`: for each experiment, the model of its protocol (built by `model_for`, then
cut to the modules its measured observables need, see `submodel`), the canonical
parameter vector with its patient covariates and `protocol.parameters` applied, the
compiled dosing schedule, the runner's output grid, and each measure as a
`MeasurePlan` with its expected value and scale. Supported: experiments with doses (not
in-vitro, not trials) and measures whose statistic is one of `SUPPORTED` (the registry's
fittable statistics, evaluated by their JAX face).

The scale of a measure is its tolerance: rel_tol * |expected|, abs_tol, or, for a range,
half its width (with the midpoint as the expected value), so a residual of 1 is a
measure on the edge of passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from ..choices import did_you_mean
from ..engine.dosing import Schedule
from ..engine.model import AssembledModel
from ..errors import InputError
from ..experiments.schema import Experiment
from ..measures import STATISTICS, Call, call_of
from ..units import to_canonical_factor
from .fit_parameters import FitParameter, resolve_parameters
from .submodel import submodel


SUPPORTED = tuple(name for name, s in STATISTICS.items() if s.fittable)


@dataclass(frozen=True)
class MeasurePlan:
    """One measure as a traceable function of the canonical observables on the output grid.

    column: the observable's column in the output of the model's `observe`; canonical: the
    observable's `Observable.factor` (canonical magnitude / canonical = value in the
    observable's unit); call: the statistic with its parsed options and its conversion to
    the measure's unit. Hashable: part of the fit's compilation cache key.
    """

    column: int
    canonical: float
    call: Call

    def value(self, ts: np.ndarray, obs):
        """The measure's value, in its unit, from canonical observables obs (T, n_obs) (a JAX
        array) on the NumPy grid ts (min)."""
        return self.call.jax(ts, obs[:, self.column] / self.canonical)


@dataclass(frozen=True)
class MeasureFit:
    """One measure before and after a fit (gradient or trial) (simulated values in the measure's unit)."""

    name: str
    expected: float
    scale: float
    unit: str
    before: float
    after: float

    @property
    def residual_before(self) -> float:
        return (self.before - self.expected) / self.scale

    @property
    def residual_after(self) -> float:
        return (self.after - self.expected) / self.scale


@dataclass(frozen=True, eq=False)
class Target:
    """One measure: where it comes from, its expected value, scale (tolerance) and plan (None for a
    trial measure, which is scored by running the trial: `analysis.trial_fit`)."""

    experiment: str
    index: int
    label: str
    expected: float
    scale: float
    unit: str
    plan: MeasurePlan | None = None

    @property
    def name(self) -> str:
        return f"{self.experiment}: {self.label}"


@dataclass(frozen=True, eq=False)
class ExperimentPlan:
    """One experiment's differentiable simulation.

    model: the cut-down model; p0: its canonical parameter vector (covariates and protocol
    overrides applied); slots: (fitted parameter index, position in p, canonical factor);
    schedule: the compiled regimen; ts: output grid (min); targets: its measures.
    """

    experiment: str
    model: AssembledModel
    p0: np.ndarray
    slots: tuple[tuple[int, int, float], ...]
    schedule: Schedule
    ts: np.ndarray
    targets: tuple[Target, ...]


@dataclass(frozen=True, eq=False)
class FitProblem:
    """The fitted parameters (with bounds and start) and the experiments they are matched to."""

    parameters: tuple[FitParameter, ...]
    experiments: tuple[ExperimentPlan, ...]

    @property
    def targets(self) -> tuple[Target, ...]:
        return tuple(t for e in self.experiments for t in e.targets)

    @property
    def experiment_ids(self) -> tuple[str, ...]:
        return tuple(e.experiment for e in self.experiments)


def expected_and_scale(m, field: str) -> tuple[float, float]:
    """(expected, scale) of a measure: range midpoint and half-width, or expected with its tolerance."""
    if m.range is not None:
        lo, hi = m.range
        if hi <= lo:
            raise InputError(f"{field}.range: a zero-width range has no scale to fit against")
        return 0.5 * (lo + hi), 0.5 * (hi - lo)
    if m.rel_tol is not None:
        if m.expected == 0:
            raise InputError(f"{field}.rel_tol: a relative tolerance of an expected 0 has no scale")
        return float(m.expected), float(m.rel_tol * abs(m.expected))
    return float(m.expected), float(m.abs_tol)


def _supported(exp: Experiment, where: str) -> None:
    if exp.protocol.in_vitro is not None:
        raise InputError(f"{where}: in-vitro experiments cannot be fitted by gradients through the slow model")
    if exp.protocol.arms:
        raise InputError(f"{where}: virtual trials cannot be fitted by gradients (random patients, rated scores)")


def _plan_experiment(exp: Experiment, indices: Sequence[int], build: Callable, where: str):
    """(full model, cut model, p0 vector, schedule, grid, targets) of one experiment."""
    from ..experiments.plan import experiment_plan
    from ..simulate import schedule_for

    try:
        plan = experiment_plan(exp)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    doses = plan.regimen
    full = build(doses, plan.species, dict(plan.hypotheses))
    unknown = [k for k, _ in plan.parameters if k not in full.parameters]
    if unknown:
        raise InputError(f"{where}: protocol.parameters.{unknown[0]}: the model has no such parameter")
    measures = []
    for i in indices:
        if not 0 <= i < len(exp.measure):
            raise InputError(f"{where}: measure[{i}]: the experiment has {len(exp.measure)} measures")
        m = exp.measure[i]
        f = f"{where}: measure[{i}]"
        if m.versus is not None or m.statistic not in SUPPORTED:
            raise InputError(f"{f}.statistic: {m.statistic!r} ({m.label}) cannot be fitted by gradients "
                             f"(supported: {', '.join(SUPPORTED)}); leave it out (--experiment ID:N,M picks measures)")
        if m.observable not in full.observable_names:
            raise InputError(f"{f}.observable: unknown observable {m.observable!r}"
                             f"{did_you_mean(m.observable, full.observable_names)}")
        measures.append((i, m, f))
    cut = submodel(full, {m.observable for _, m, _ in measures}, doses)
    overrides = {**plan.patient.overrides(), **dict(plan.parameters)}
    pset = cut.parameters.with_mapping({k: v for k, v in overrides.items() if k in cut.parameters})
    sched = schedule_for(cut, doses, plan.patient.weight, plan.duration)
    ts = plan.times
    obs = {o.name: (j, o) for j, o in enumerate(cut.observables)}
    targets = []
    for i, m, f in measures:
        j, o = obs[m.observable]
        expected, scale = expected_and_scale(m, f)
        call = call_of(m.statistic, ts, o.unit, plan.measures[i], m.unit, f)
        targets.append(Target(exp.id, i, m.label, expected, scale, m.unit, MeasurePlan(j, o.factor, call)))
    return full, cut, cut.param_vector_of(pset), sched, ts, tuple(targets)


def fit_problem(experiments: Sequence[Experiment], parameters: Sequence[str],
                bounds: Mapping[str, tuple[float, float]] | None = None,
                initial: Mapping[str, float] | None = None,
                measures: Mapping[str, Sequence[int]] | None = None,
                build: Callable | None = None) -> FitProblem:
    """The `FitProblem` of fitting `parameters` (names or patterns) to the experiments' measures.

    measures: measure indices per experiment id (default: all of the experiment's).
    bounds, initial: by parameter label, in the parameter's unit (see `resolve_parameters`).
    build: (regimen, species, hypotheses) -> AssembledModel; default `ketasim.simulate.model_for`.
    InputError naming the experiment and field for what cannot be fitted.
    """
    from ..simulate import model_for

    build = build or model_for
    if not experiments:
        raise InputError("--experiment: name at least one experiment")
    ids = [e.id for e in experiments]
    if len(set(ids)) != len(ids):
        raise InputError(f"--experiment: {next(i for i in ids if ids.count(i) > 1)!r} given twice")
    planned = []
    for exp in experiments:
        where = f"experiment {exp.id}"
        _supported(exp, where)
        idx = tuple((measures or {}).get(exp.id, range(len(exp.measure))))
        planned.append(_plan_experiment(exp, idx, build, where))
    known: dict = {}
    for full, *_ in planned:
        for k, rec in full.parameters.items.items():
            known.setdefault(k, rec)
    fitted = resolve_parameters(parameters, known, bounds, initial)
    plans = []
    for exp, (full, cut, p0, sched, ts, targets) in zip(experiments, planned):
        index = cut.param_index
        slots = tuple((k, index[n], to_canonical_factor(fp.unit)) for k, fp in enumerate(fitted)
                      for n in fp.names if n in index)
        plans.append(ExperimentPlan(exp.id, cut, np.asarray(p0, dtype=float), slots, sched, ts, targets))
    used = {k for p in plans for k, _, _ in p.slots}
    idle = [fp.label for k, fp in enumerate(fitted) if k not in used]
    if idle:
        raise InputError(f"--parameter: {idle[0]} does not influence any chosen measure "
                         f"(not upstream of the measured observables in {', '.join(ids)})")
    return FitProblem(fitted, tuple(plans))
