"""Run an in-vivo experiment: protocol -> simulation -> measures scored against published values.

The records and the scoring live in `experiments.results`; the dispatch between in-vivo,
in-vitro and trial protocols in `experiments.run`.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..engine.dosing import DoseEvent
from ..errors import InputError
from ..mechanisms.drugs import PROCEDURES, procedure_event
from ..patient import Patient
from ..units import parse_dose, parse_quantity
from .results import ExperimentResult, MeasureResult, score
from .schema import Dose, Experiment, Protocol
from .statistics import compute

MEASURE_TIME_STEP = 1.0  # min; experiments are scored on a 1-min grid up to a day


class ProtocolError(InputError):
    """A protocol field is invalid (one line, names the field)."""


def dose_events(doses: list[Dose], where: str) -> tuple[DoseEvent, ...]:
    out = []
    for i, d in enumerate(doses):
        f = f"{where}[{i}]"
        start = parse_quantity(d.start, "min", f"{f}.start")
        if start < 0:
            raise ProtocolError(f"{f}.start: must not be negative")
        every = parse_quantity(d.repeat.every, "min", f"{f}.repeat.every") if d.repeat else None
        count = d.repeat.count if d.repeat else 1
        if d.procedure is not None:
            if d.drug or d.route or d.dose or d.duration:
                raise ProtocolError(f"{f}.procedure: a procedure has no drug, route, dose or duration")
            if d.procedure not in PROCEDURES:
                raise ProtocolError(f"{f}.procedure: unknown procedure {d.procedure!r} (one of {', '.join(PROCEDURES)})")
            out.append(procedure_event(d.procedure, start, every, count, f))
            continue
        amount, per_kg = parse_dose(d.dose, f"{f}.dose")
        duration = parse_quantity(d.duration, "min", f"{f}.duration") if d.duration else None
        out.append(DoseEvent(d.drug, d.route, amount, per_kg, start, duration, every, count, None, f))
    return tuple(out)


def patient_of(exp: Experiment) -> Patient:
    ps = exp.protocol.patient
    weight = parse_quantity(ps.weight, "kg", "protocol.patient.weight") if ps.weight else None
    age = parse_quantity(ps.age, "year", "protocol.patient.age") if ps.age else None
    return Patient(species=exp.species, weight_kg=weight, cyp2b6=ps.cyp2b6,
                   cyp2b6_scenario=ps.cyp2b6_scenario, sex=ps.sex, age_years=age,
                   bdnf=ps.bdnf, trkb=ps.trkb, stress=ps.stress)


def measure_grid(duration: float) -> np.ndarray:
    """Output times (min) an experiment is scored on: every minute up to a day, the default grid beyond."""
    from ..simulate import default_grid

    if duration <= 1440:
        return np.arange(0.0, duration + 1e-9, MEASURE_TIME_STEP)
    return default_grid(duration)


def merged_parameters(protocol_parameters: Mapping[str, float], overrides: Mapping[str, float] | None,
                      known) -> dict[str, float]:
    """protocol.parameters with the overrides the model knows merged over them (the override wins).

    known: the model's qualified parameter names. Override names the model does not have
    are left out: one fitted parameter file is applied to a whole library whose models
    differ (a comparator drug's PK module exists only where that drug is dosed).
    """
    return {**dict(protocol_parameters), **{k: float(v) for k, v in dict(overrides or {}).items() if k in known}}


def _simulate(exp: Experiment, protocol: Protocol, doses, solver: str,
              overrides: Mapping[str, float] | None = None):
    from ..simulate import model_for, simulate

    duration = parse_quantity(protocol.duration, "min", "protocol.duration")
    if duration <= 0:
        raise ProtocolError("protocol.duration: must be positive")
    params = dict(protocol.parameters)
    if overrides:
        params = merged_parameters(params, overrides, model_for(doses, exp.species, protocol.hypotheses).parameters)
    return simulate(doses, patient_of(exp), duration, protocol.hypotheses, times=measure_grid(duration),
                    parameters=params, solver=solver)


def _total_mg(events, weight: float) -> float:
    return sum(e.amount * (weight if e.per_kg else 1.0) * e.count for e in events)


def run_in_vivo(exp: Experiment, solver: str = "auto", keep_series: bool = True,
                parameters: Mapping[str, float] | None = None) -> ExperimentResult:
    """Simulate an in-vivo protocol (doses into a patient) and score every measure.

    `experiments.run.run_experiment` is the one entry point: it sends in-vitro and
    trial protocols elsewhere and in-vivo ones here.

    parameters: overrides by qualified name, in the parameter's unit (a fitted parameter
    file's values), merged over `protocol.parameters` (the override wins). Names the
    experiment's model does not have are ignored (see `merged_parameters`).
    """
    from .statistics import MeasureError

    doses = dose_events(exp.protocol.doses, "protocol.doses")
    ds = _simulate(exp, exp.protocol, doses, solver, parameters)
    reference = None
    if exp.protocol.reference_doses:
        ref_doses = dose_events(exp.protocol.reference_doses, "protocol.reference_doses")
        ref = _simulate(exp, exp.protocol, ref_doses, solver, parameters)
        w = patient_of(exp).weight
        reference = (ref, _total_mg(doses, w), _total_mg(ref_doses, w))
    t = ds["time"].values
    results = []
    for i, m in enumerate(exp.measure):
        f = f"measure[{i}]"
        if m.observable not in ds:
            raise MeasureError(f"{f}.observable: unknown observable {m.observable!r}")
        y = ds[m.observable].values
        ref_arg = None
        if reference is not None:
            rds, dose, ref_dose = reference
            ref_arg = (rds["time"].values, rds[m.observable].values, dose, ref_dose)
        versus = None
        if m.versus is not None:
            if m.versus not in ds:
                raise MeasureError(f"{f}.versus: unknown observable {m.versus!r}")
            versus = (ds[m.versus].values, ds[m.versus].attrs["units"])
        value = compute(m.statistic, t, y, ds[m.observable].attrs["units"], m, f, ref_arg, versus)
        passed, tol = score(value, m)
        series = (tuple(t.tolist()), tuple(y.tolist())) if keep_series else None
        results.append(MeasureResult(m.label, value, m.expected, m.unit, passed, m.range, tol, series))
    return ExperimentResult(exp.id, exp.title, exp.source, tuple(exp.tags), dict(exp.protocol.hypotheses),
                            exp.calibration, tuple(results))
