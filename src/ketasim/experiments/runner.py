"""Run an experiment: protocol -> simulation -> measures scored against published values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from ..engine.dosing import DoseEvent
from ..errors import InputError
from ..mechanisms.drugs import PROCEDURES, procedure_event
from ..patient import Patient
from ..units import parse_dose, parse_quantity
from .schema import Dose, Experiment, Protocol
from .statistics import compute

MEASURE_TIME_STEP = 1.0  # min; experiments are scored on a 1-min grid up to a day


class ProtocolError(InputError):
    """A protocol field is invalid (one line, names the field)."""


@dataclass(frozen=True)
class MeasureResult:
    name: str
    simulated: float
    expected: float | None
    unit: str
    passed: bool
    range: tuple[float, float] | None = None
    tolerance: str = ""
    series: tuple[tuple[float, ...], tuple[float, ...]] | None = None  # (x, y) for plots
    axis: str = "time (min)"  # what the series' x is, with its unit (in-vitro curves: concentration, voltage)

    def to_json(self) -> dict:
        out = {"name": self.name, "simulated": self.simulated, "expected": self.expected,
               "unit": self.unit, "passed": self.passed}
        if self.range is not None:
            out["range"] = list(self.range)
        if self.tolerance:
            out["tolerance"] = self.tolerance
        return out


@dataclass(frozen=True)
class ExperimentResult:
    id: str
    title: str
    source: str
    tags: tuple[str, ...]
    hypotheses: dict
    calibration: bool
    measures: tuple[MeasureResult, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(m.passed for m in self.measures)

    def to_json(self) -> dict:
        return {"id": self.id, "tags": list(self.tags), "hypotheses": self.hypotheses,
                "passed": self.passed, "calibration": self.calibration,
                "measures": [m.to_json() for m in self.measures]}


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


def _grid(duration: float) -> np.ndarray:
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
    return simulate(doses, patient_of(exp), duration, protocol.hypotheses, times=_grid(duration),
                    parameters=params, solver=solver)


def _total_mg(events, weight: float) -> float:
    return sum(e.amount * (weight if e.per_kg else 1.0) * e.count for e in events)


def run_experiment(exp: Experiment, solver: str = "auto", keep_series: bool = True,
                   parameters: Mapping[str, float] | None = None) -> ExperimentResult:
    """Simulate the protocol and score every measure.

    parameters: overrides by qualified name, in the parameter's unit (a fitted parameter
    file's values), merged over `protocol.parameters` (the override wins). Names the
    experiment's model does not have are ignored (see `merged_parameters`); in-vitro
    experiments apply only the `nmda.` and `offtargets.` names their receptor scheme
    knows (see `in_vitro.run_in_vitro`).
    """
    from .statistics import MeasureError

    if exp.protocol.in_vitro is not None:
        from .in_vitro import run_in_vitro

        return run_in_vitro(exp, keep_series=keep_series, parameters=parameters)
    if exp.protocol.arms:
        from ..trial.score import run_trial_experiment

        return run_trial_experiment(exp, keep_series=keep_series, parameters=parameters)
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


def score(value: float, m) -> tuple[bool, str]:
    """Pass if inside range, or within rel_tol / abs_tol of expected."""
    if not np.isfinite(value):
        return False, "not finite"
    if m.range is not None:
        lo, hi = m.range
        return bool(lo <= value <= hi), f"range [{lo:g}, {hi:g}]"
    if m.rel_tol is not None:
        return bool(abs(value - m.expected) <= m.rel_tol * abs(m.expected)), f"±{m.rel_tol:.0%}"
    return bool(abs(value - m.expected) <= m.abs_tol), f"±{m.abs_tol:g}"


def summarize(results: list[ExperimentResult]) -> dict:
    by_tag: dict[str, list[int]] = {}
    for r in results:
        layer = r.tags[0]
        by_tag.setdefault(layer, [0, 0])
        by_tag[layer][0] += 1
        by_tag[layer][1] += int(r.passed)
    return {"total": len(results), "passed": sum(r.passed for r in results), "by_tag": by_tag}


def to_json(results: list[ExperimentResult]) -> dict:
    return {"experiments": [r.to_json() for r in results], "summary": summarize(results)}
