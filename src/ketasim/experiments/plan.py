"""Protocol -> plan: every unit string of an experiment's protocol parsed once, into a `SimulationPlan`.

An experiment file (and the command line's dose options) speak in quantity strings
("0.5 mg/kg", "40 min", "7 d"). This module is the one place they become canonical
numbers: doses become `DoseEvent`s (mg or mg/kg, times in minutes), the duration and the
measures' times (`at`, `baseline_at`, `window`) minutes (as `ketasim.measures.Options`,
by `measures.measure_options`), the patient a `Patient` (weight in kg, age in years).
The experiment runner, the fit problem, the trial specification and the command line
build on the plan; nothing downstream parses a unit string of the protocol again.
Errors name the field (`ProtocolError`, an `InputError`). The work limits of
`ketasim.limits` (repeats, dose events, simulated time) are checked here, before any
repeat is expanded or time grid allocated, for files and command line alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from ..choices import check_name
from ..engine.dosing import DoseEvent
from ..errors import InputError
from ..limits import MAX_REPEAT_COUNT, check_count, check_duration
from ..measures import Options, measure_options
from ..mechanisms.drugs import PROCEDURES, procedure_event
from ..mechanisms.pk_disposition import check_sampling
from ..mechanisms.registry import resolve_hypotheses
from ..patient import Patient
from ..units import parse_dose, parse_quantity

# The experiment schema is needed for annotations only: imported for type checking, the CLI's
# one-dose regimen (`ketasim run`) does not build the pydantic models (about 0.08 s).
if TYPE_CHECKING:
    from .schema import Dose, Experiment, Measure


class ProtocolError(InputError):
    """A protocol field is invalid (one line, names the field)."""


@dataclass(frozen=True, eq=False)
class SimulationPlan:
    """What an experiment simulates, in canonical numbers.

    regimen: the protocol's doses (empty for a trial, whose doses are per arm in `arms`);
    reference_regimen: `reference_doses` (bioavailability), empty when absent; duration and
    times (the output grid, `measure_grid`): minutes; hypotheses and parameters
    (`protocol.parameters`, qualified name -> value in the parameter's unit) as pairs;
    measures: each measure's statistic options (`ketasim.measures.Options`: at,
    baseline_at, window in minutes, and with a reference regimen the two total doses in
    mg), in the order of `experiment.measure`, ready for `measures.call_of`.
    """

    species: str
    regimen: tuple[DoseEvent, ...]
    duration: float
    patient: Patient
    times: np.ndarray
    hypotheses: tuple[tuple[str, str], ...] = ()
    parameters: tuple[tuple[str, float], ...] = ()
    reference_regimen: tuple[DoseEvent, ...] = ()
    arms: tuple[tuple[str, tuple[DoseEvent, ...]], ...] = ()
    measures: tuple[Options, ...] = ()

    def arm_regimen(self, name: str) -> tuple[DoseEvent, ...]:
        """The regimen of trial arm `name` (KeyError if there is none)."""
        return dict(self.arms)[name]


@dataclass(frozen=True)
class DoseLabels:
    """Where a dose's errors point: the labels of its dose, infusion duration, repeat
    interval and repeat count."""

    dose: str
    duration: str
    every: str
    count: str


def dose_labels(field: str) -> DoseLabels:
    """The labels of an experiment file's dose entry `field` (e.g. 'protocol.doses[0]')."""
    return DoseLabels(f"{field}.dose", f"{field}.duration", f"{field}.repeat.every", f"{field}.repeat.count")


CLI_LABELS = DoseLabels("--dose", "--infusion", "--repeat-every", "--repeat-count")


def repeats(every: str | None, count: int, labels: DoseLabels) -> float | None:
    """A dose's repeat interval (minutes, None when not given), checked with its count
    before anything is expanded: 1 <= count <= `MAX_REPEAT_COUNT`, and a positive interval
    when count > 1."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ProtocolError(f"{labels.count}: must be a whole number of doses, at least 1 (got {count!r})")
    check_count(count, MAX_REPEAT_COUNT, labels.count, "doses in one repeated dose")
    interval = parse_quantity(every, "min", labels.every) if every else None
    if count > 1 and (interval is None or interval <= 0):
        raise ProtocolError(f"{labels.every}: a positive interval is needed when the count is {count}")
    return interval


def dose_event(drug: str, route: str, dose: str, start: float, duration: str | None, every: str | None,
               count: int, field: str, labels: DoseLabels) -> DoseEvent:
    """One drug dose from its strings: amount in mg (or mg/kg), infusion duration and repeat
    interval in minutes. start: minutes (already parsed); field: the event's origin."""
    amount, per_kg = parse_dose(dose, labels.dose)
    minutes = parse_quantity(duration, "min", labels.duration) if duration else None
    if minutes is not None and minutes <= 0:
        raise ProtocolError(f"{labels.duration}: an infusion lasts a positive time")
    interval = repeats(every, count, labels)
    return DoseEvent(drug, route, amount, per_kg, start, minutes, interval, count, None, field)


def dose_events(doses: list[Dose], where: str) -> tuple[DoseEvent, ...]:
    """An experiment file's dose entries (`where`, e.g. 'protocol.doses') as `DoseEvent`s.

    The entries are schema records: the schema has already bounded a regimen to
    `limits.MAX_DOSE_EVENTS` events, repeats counted, before any is expanded."""
    out = []
    for i, d in enumerate(doses):
        f = f"{where}[{i}]"
        start = parse_quantity(d.start, "min", f"{f}.start")
        if start < 0:
            raise ProtocolError(f"{f}.start: must not be negative")
        count = d.repeat.count if d.repeat else 1
        if d.procedure is not None:
            if d.drug or d.route or d.dose or d.duration:
                raise ProtocolError(f"{f}.procedure: a procedure has no drug, route, dose or duration")
            check_name(d.procedure, PROCEDURES, f"{f}.procedure", "procedure", ProtocolError)
            every = repeats(d.repeat.every if d.repeat else None, count, dose_labels(f))
            out.append(procedure_event(d.procedure, start, every, count, f))
            continue
        out.append(dose_event(d.drug, d.route, d.dose, start, d.duration, d.repeat.every if d.repeat else None,
                              count, f, dose_labels(f)))
    return tuple(out)


def one_dose_regimen(drug: str, route: str, dose: str, infusion: str | None, repeat_every: str | None = None,
                     repeat_count: int = 1) -> tuple[DoseEvent, ...]:
    """The command line's dose options as a regimen: one dose at time 0 (or repeats of it).

    infusion: IV infusion duration ('none', '' or '0': a bolus; ignored for other routes).
    """
    inf = None if infusion in (None, "", "none", "0") or route != "iv" else infusion
    return (dose_event(drug, route, dose, 0.0, inf, repeat_every, repeat_count, "--dose", CLI_LABELS),)


def patient_of(exp: Experiment) -> Patient:
    """The protocol's patient: weight (kg) and age (years) parsed, covariates checked by `Patient`."""
    ps = exp.protocol.patient
    weight = parse_quantity(ps.weight, "kg", "protocol.patient.weight") if ps.weight else None
    age = parse_quantity(ps.age, "year", "protocol.patient.age") if ps.age else None
    return Patient(species=exp.species, weight_kg=weight, cyp2b6=ps.cyp2b6,
                   cyp2b6_scenario=ps.cyp2b6_scenario, sex=ps.sex, age_years=age,
                   bdnf=ps.bdnf, trkb=ps.trkb, stress=ps.stress)


def measure_grid(duration: float, regimens: Sequence[tuple[DoseEvent, ...]]) -> np.ndarray:
    """Output times (min) an experiment is scored on: the output grid of all its regimens
    together (`simulate.grid_for`: fine after every dose start and infusion end, which are
    on it), so a measure never depends on where the grid happens to fall."""
    from ..simulate import grid_for

    return grid_for(tuple(e for regimen in regimens for e in regimen), duration)


def measure_options_of(m: Measure, field: str) -> Options:
    """A measure's statistic options in minutes (`field`: e.g. 'measure[0]'); a trial's
    endpoint measure has only its `at`."""
    if m.statistic is None:
        return Options(at=parse_quantity(m.at, "min", f"{field}.at") if m.at is not None else None)
    return measure_options(m, field)


def total_mg(regimen: tuple[DoseEvent, ...], weight_kg: float) -> float:
    """The total amount of a regimen (mg), mg/kg doses at `weight_kg`, repeats counted."""
    return sum(e.amount * (weight_kg if e.per_kg else 1.0) * e.count for e in regimen)


def simulated_duration(text: str | float, field: str) -> float:
    """A simulated time in minutes: positive and at most `limits.MAX_DURATION_MIN` (two years).

    field: what the user typed it in ('protocol.duration', '--duration')."""
    duration = parse_quantity(text, "min", field)
    if duration <= 0:
        raise ProtocolError(f"{field}: must be positive")
    return check_duration(duration, field)


def protocol_duration(exp: Experiment) -> float:
    """`protocol.duration` in minutes; must be positive and within the duration limit."""
    if exp.protocol.duration is None:
        raise ProtocolError("protocol.duration: missing (an in-vivo protocol or a trial needs one)")
    return simulated_duration(exp.protocol.duration, "protocol.duration")


def experiment_plan(exp: Experiment) -> SimulationPlan:
    """The `SimulationPlan` of an in-vivo experiment or a virtual trial (not an in-vitro one)."""
    prot = exp.protocol
    if prot.in_vitro is not None:
        raise ProtocolError("protocol.in_vitro: an in-vitro protocol has no simulation plan")
    duration = protocol_duration(exp)
    if prot.sampling is not None:
        check_sampling(prot.sampling, exp.species, resolve_hypotheses(dict(prot.hypotheses))["ketamine_pk"])
    regimen = dose_events(prot.doses, "protocol.doses")
    reference = dose_events(prot.reference_doses, "protocol.reference_doses")
    arms = tuple((name, dose_events(arm.doses, f"protocol.arms.{name}.doses")) for name, arm in prot.arms.items())
    patient = patient_of(exp)
    measures = tuple(measure_options_of(m, f"measure[{i}]") for i, m in enumerate(exp.measure))
    if reference:
        dose, ref_dose = total_mg(regimen, patient.weight), total_mg(reference, patient.weight)
        measures = tuple(replace(o, dose=dose, reference_dose=ref_dose) for o in measures)
    return SimulationPlan(species=exp.species, regimen=regimen, duration=duration, patient=patient,
                          times=measure_grid(duration, (regimen, reference) + tuple(r for _, r in arms)),
                          hypotheses=tuple(prot.hypotheses.items()),
                          parameters=tuple(prot.parameters.items()), reference_regimen=reference,
                          arms=arms, measures=measures)


def merged_parameters(protocol_parameters: Mapping[str, float], overrides: Mapping[str, float] | None,
                      known) -> dict[str, float]:
    """protocol.parameters with the overrides the model knows merged over them (the override wins).

    known: the model's qualified parameter names. Override names the model does not have
    are left out: one fitted parameter file is applied to a whole library whose models
    differ (a comparator drug's PK module exists only where that drug is dosed).
    """
    return {**dict(protocol_parameters), **{k: float(v) for k, v in dict(overrides or {}).items() if k in known}}


def checked_parameters(parameters, protocol_parameters: Mapping[str, float], overrides: Mapping[str, float] | None,
                       overrides_field: str = "parameters") -> dict[str, float]:
    """`merged_parameters` for one model, checked before anything is solved.

    parameters: the model's `ParameterSet`. Every `protocol.parameters` name must be the
    model's and every value (protocol or override the model has) a finite number within
    its parameter's bounds; otherwise `ParameterError` naming `protocol.parameters.KEY` or
    `overrides_field.KEY` (e.g. '--parameters: values').
    """
    parameters.with_mapping(dict(protocol_parameters), "protocol.parameters")
    known = merged_parameters({}, overrides, parameters)
    parameters.with_mapping(known, overrides_field)
    return {**dict(protocol_parameters), **known}
