"""Run an in-vivo experiment: protocol -> simulation -> measures scored against published values.

The records and the scoring live in `experiments.results`; the dispatch between in-vivo,
in-vitro and trial protocols in `experiments.run`.
"""

from __future__ import annotations

from typing import Mapping

from ..choices import did_you_mean
from ..engine.dosing import DoseEvent
from ..measures import Call, Curve, MeasureError, call_of, statistic
from .plan import SimulationPlan, checked_parameters, experiment_plan, merged_parameters
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


def checked_calls(exp: Experiment, plan: SimulationPlan, parameters: Mapping[str, float] | None) -> list[Call]:
    """Every measure's `Call`, checked against the model BEFORE anything is solved.

    Refuses, with one InputError line naming the field: a `protocol.parameters` name the model
    lacks or a value outside its bounds (likewise an override the model has), an observable
    or `versus` the model (and the reference regimen's model) does not produce, a statistic's
    missing option, time outside the grid or impossible unit (`measures.call_of`), and a zero
    total dose (test or reference) in a statistic that divides by it (bioavailability).
    """
    from ..simulate import model_for

    hypotheses = dict(plan.hypotheses)
    models = [model_for(plan.regimen, plan.species, hypotheses)]
    if plan.reference_regimen:
        models.append(model_for(plan.reference_regimen, plan.species, hypotheses))
    for model in models:
        checked_parameters(model.parameters, dict(plan.parameters), parameters)
    units = [{o.name: o.unit for o in model.observables} for model in models]
    calls = []
    for i, m in enumerate(exp.measure):
        f = f"measure[{i}]"
        for key in ("observable", "versus"):
            name = getattr(m, key)
            if name is not None and any(name not in u for u in units):
                raise MeasureError(f"{f}.{key}: unknown observable {name!r} (the model has no such output)"
                                   f"{did_you_mean(name, units[0])}")
        o = plan.measures[i]
        if "reference" in statistic(m.statistic, f).needs:
            for dose, where in ((o.dose, "protocol.doses"), (o.reference_dose, "protocol.reference_doses")):
                if dose is not None and not dose > 0:
                    raise MeasureError(f"{where}: the total dose is zero; {f} ({m.statistic}) divides by it")
        other_unit = units[0][m.versus] if m.versus is not None else None
        calls.append(call_of(m.statistic, plan.times, units[0][m.observable], o, m.unit, f, other_unit))
    return calls


def run_in_vivo(exp: Experiment, solver: str = "auto", keep_series: bool = True,
                parameters: Mapping[str, float] | None = None) -> ExperimentResult:
    """Simulate an in-vivo protocol (doses into a patient) and score every measure.

    `experiments.run.run_experiment` is the one entry point: it sends in-vitro and
    trial protocols elsewhere and in-vivo ones here.

    parameters: overrides by qualified name, in the parameter's unit (a fitted parameter
    file's values), merged over `protocol.parameters` (the override wins). Names the
    experiment's model does not have are ignored (see `merged_parameters`). Every input is
    checked before the solve (`checked_calls`).
    """
    plan = experiment_plan(exp)
    calls = checked_calls(exp, plan, parameters)
    ds = _simulate(plan, plan.regimen, solver, parameters)
    reference = _simulate(plan, plan.reference_regimen, solver, parameters) if plan.reference_regimen else None
    t = ds["time"].values
    results = []
    for m, call in zip(exp.measure, calls):
        y = ds[m.observable].values
        other = None
        if reference is not None:
            other = Curve(reference["time"].values, reference[m.observable].values)
        if m.versus is not None:
            other = Curve(t, ds[m.versus].values)
        # the plan holds the measure's options parsed (times in min, the regimens' total doses)
        value = call.value(t, y, other)
        passed, tol = score(value, m)
        series = (tuple(t.tolist()), tuple(y.tolist())) if keep_series else None
        y_axis = f"{m.observable} ({ds[m.observable].attrs.get('units', '')})"
        results.append(MeasureResult(m.label, value, m.expected, m.unit, passed, m.range, tol, series,
                                     y_axis=y_axis))
    return ExperimentResult(exp.id, exp.title, exp.source, tuple(exp.tags), dict(exp.protocol.hypotheses),
                            tuple(results))
