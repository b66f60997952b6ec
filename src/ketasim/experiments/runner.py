"""Run an in-vivo experiment: protocol -> simulation -> measures scored against published values.

The records and the scoring live in `experiments.results`; the dispatch between in-vivo,
in-vitro and trial protocols in `experiments.run`.
"""

from __future__ import annotations

from typing import Mapping

from ..engine.dosing import DoseEvent
from ..measures import Curve, MeasureError, call_of
from .plan import SimulationPlan, experiment_plan, merged_parameters
from .results import ExperimentResult, MeasureResult, score
from .schema import Experiment


def _simulate(plan: SimulationPlan, regimen: tuple[DoseEvent, ...], solver: str,
              overrides: Mapping[str, float] | None = None):
    """Simulate `regimen` (the plan's, or its reference regimen) for the plan's patient on its grid."""
    from ..simulate import model_for, simulate

    hypotheses = dict(plan.hypotheses)
    params = dict(plan.parameters)
    if overrides:
        params = merged_parameters(params, overrides, model_for(regimen, plan.species, hypotheses).parameters)
    return simulate(regimen, plan.patient, plan.duration, hypotheses, times=plan.times, parameters=params,
                    solver=solver)


def run_in_vivo(exp: Experiment, solver: str = "auto", keep_series: bool = True,
                parameters: Mapping[str, float] | None = None) -> ExperimentResult:
    """Simulate an in-vivo protocol (doses into a patient) and score every measure.

    `experiments.run.run_experiment` is the one entry point: it sends in-vitro and
    trial protocols elsewhere and in-vivo ones here.

    parameters: overrides by qualified name, in the parameter's unit (a fitted parameter
    file's values), merged over `protocol.parameters` (the override wins). Names the
    experiment's model does not have are ignored (see `merged_parameters`).
    """
    plan = experiment_plan(exp)
    ds = _simulate(plan, plan.regimen, solver, parameters)
    reference = _simulate(plan, plan.reference_regimen, solver, parameters) if plan.reference_regimen else None
    t = ds["time"].values
    results = []
    for i, m in enumerate(exp.measure):
        f = f"measure[{i}]"
        if m.observable not in ds:
            raise MeasureError(f"{f}.observable: unknown observable {m.observable!r}")
        y = ds[m.observable].values
        other, other_unit = None, None
        if reference is not None:
            other = Curve(reference["time"].values, reference[m.observable].values)
        if m.versus is not None:
            if m.versus not in ds:
                raise MeasureError(f"{f}.versus: unknown observable {m.versus!r}")
            other, other_unit = Curve(t, ds[m.versus].values), ds[m.versus].attrs["units"]
        # the plan holds the measure's options parsed (times in min, the regimens' total doses)
        call = call_of(m.statistic, t, ds[m.observable].attrs["units"], plan.measures[i], m.unit, f, other_unit)
        value = call.value(t, y, other)
        passed, tol = score(value, m)
        series = (tuple(t.tolist()), tuple(y.tolist())) if keep_series else None
        results.append(MeasureResult(m.label, value, m.expected, m.unit, passed, m.range, tol, series))
    return ExperimentResult(exp.id, exp.title, exp.source, tuple(exp.tags), dict(exp.protocol.hypotheses),
                            tuple(results))
