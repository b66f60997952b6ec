"""The explorer's request: what the user typed, checked by the experiment-file schema and bounded.

A regimen form becomes one `[[protocol.doses]]` entry (`experiments.schema.Dose`) and a
`[protocol.patient]` table (`PatientSpec`), so the page accepts exactly what an
experiment file would and refuses it with the same kind of one-line message naming the
field (`InputError`). On top of the file format the explorer bounds what one click may
cost (`LIMITS`, within the package-wide limits of `ketasim.limits`): simulated time, dose
size, number of doses, trial size, and the length of every text typed (checked before
anything is parsed; quantities go through the one parser, `ketasim.units`). A trial request
is a whole experiment (`schema.Experiment` with a population and arms), run by the same
trial engine as `ketasim trial`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any, Mapping

from pydantic import ValidationError

from ..engine.dosing import DoseEvent
from ..errors import InputError
from ..experiments.plan import dose_events
from ..limits import (MAX_ARMS, MAX_DOSE_EVENTS, MAX_DURATION_MIN, MAX_PATIENTS_PER_ARM, MAX_QUANTITY_CHARS,
                      MAX_TEXT_CHARS, shown)
from ..experiments.schema import Arm, Dose, Experiment, Measure, PatientSpec, Population, Protocol, Repeat
from ..choices import check_name, unknown_name
from ..mechanisms.drugs import DRUGS, expand, route as route_of, routes_for
from ..mechanisms.registry import resolve_hypotheses
from ..patient import Patient
from ..units import MINUTES_PER_DAY, parse_dose, parse_quantity
from .presets import DEFAULT_PRESET, PRESETS

REGIMEN = "regimen"           # field prefix of a regimen's dose entry in messages
SEVERITY_PARAMETER = "mood.madrs_baseline"  # the untreated patient's MADRS (clinical layer)


@dataclass(frozen=True)
class Limits:
    """What one request may cost. Times in minutes, doses in mg or mg/kg, weights in kg.

    Each is at most the package-wide limit of `ketasim.limits` (checked in `__post_init__`):
    the explorer is a teaching page on a shared server, so its bounds are tighter.
    """

    max_duration_min: float = 12 * 7 * MINUTES_PER_DAY   # 12 weeks
    max_dose_per_kg: float = 10.0                         # mg/kg (several times an anaesthetic induction)
    max_dose_mg: float = 1000.0                           # mg
    max_doses: int = 100                                  # doses in one regimen (daily for 12 weeks fits)
    min_interval_min: float = 30.0                        # between repeated doses
    max_infusion_min: float = MINUTES_PER_DAY             # one infusion at most a day long
    weight_kg: tuple[float, float] = (30.0, 250.0)        # adults
    max_trial_patients: int = 200                         # per arm
    max_trial_arms: int = 2
    min_trial_days: float = 1.0

    def __post_init__(self):
        if not (self.max_duration_min <= MAX_DURATION_MIN and self.max_doses <= MAX_DOSE_EVENTS
                and self.max_trial_patients <= MAX_PATIENTS_PER_ARM and self.max_trial_arms <= MAX_ARMS):
            raise ValueError("explorer limits must be within ketasim.limits")


LIMITS = Limits()

# The form fields that hold a quantity (bounded by the parser, `MAX_QUANTITY_CHARS`) and the
# free-text ones (`MAX_TEXT_CHARS`), with the field names messages use.
QUANTITY_FIELDS = {"dose": f"{REGIMEN}.dose", "infusion": f"{REGIMEN}.duration", "every": f"{REGIMEN}.repeat.every",
                   "duration": "duration", "weight": "patient.weight"}
TEXT_FIELDS = {"preset": "schedule", "drug": f"{REGIMEN}.drug", "route": f"{REGIMEN}.route",
               "cyp2b6": "patient.cyp2b6", "bdnf": "patient.bdnf", "trkb": "patient.trkb", "stress": "patient.stress"}


def check_text_lengths(form: "RegimenForm") -> None:
    """Refuse, before anything is parsed or echoed, a form whose text is too long (one line
    naming the field; at most `limits.SHOWN_CHARS` of the text shown)."""
    for attr, (limit, field) in {**{k: (MAX_QUANTITY_CHARS, v) for k, v in QUANTITY_FIELDS.items()},
                                 **{k: (MAX_TEXT_CHARS, v) for k, v in TEXT_FIELDS.items()}}.items():
        value = getattr(form, attr)
        if isinstance(value, str) and len(value) > limit:
            raise InputError(f"{field}: at most {limit} characters (got {shown(value)})")
    for pair in form.hypotheses:
        if any(isinstance(x, str) and len(x) > MAX_TEXT_CHARS for x in pair):
            raise InputError(f"hypotheses: at most {MAX_TEXT_CHARS} characters per switch and value "
                             f"(got {shown(pair[0])})")
HUMAN_DRUGS = tuple(sorted(n for n in DRUGS if routes_for(n, "human")))


def human_routes(drug: str) -> tuple[str, ...]:
    """The routes by which `drug` can be given to a human in the model (empty if unknown)."""
    return routes_for(drug, "human")


@dataclass(frozen=True)
class RegimenForm:
    """What the user entered for one regimen, as typed (quantities are strings with units).

    preset: a key of `PRESETS` (procedure presets ignore drug, route, dose, infusion).
    infusion: IV infusion duration, "" or None for a bolus. every, count: repeats.
    madrs_baseline: the untreated patient's MADRS (0-60; the severity).
    hypotheses: (switch, value) pairs; unset switches take the registry's defaults.
    """

    preset: str = DEFAULT_PRESET
    drug: str | None = "ketamine"
    route: str | None = "iv"
    dose: str | None = "0.5 mg/kg"
    infusion: str | None = "40 min"
    every: str | None = None
    count: int = 1
    duration: str = "24 h"
    weight: str = "70 kg"
    cyp2b6: str = "*1/*1"
    bdnf: str = "val/val"
    trkb: str = "wt"
    stress: str = "none"
    madrs_baseline: float = 32.0
    hypotheses: tuple[tuple[str, str], ...] = ()


def form_of_preset(key: str, **changes: Any) -> RegimenForm:
    """The form a preset fills (InputError for an unknown preset), with `changes` applied."""
    check_name(key, PRESETS, "schedule", "schedule")
    p = PRESETS[key]
    form = RegimenForm(preset=key, drug=p.drug, route=p.route, dose=p.dose, infusion=p.infusion, every=p.every,
                       count=p.count, duration=p.duration)
    return replace(form, **changes)


@dataclass(frozen=True)
class Request:
    """A validated, bounded simulation request for one regimen in one patient.

    dose, patient_spec: the experiment-file records it was checked as. regimen: the dose
    events they compile to (field prefix "regimen"). duration_min: simulated time (min).
    hypotheses: every switch resolved (sorted pairs). parameters: model overrides by
    qualified name (the severity).
    """

    dose: Dose
    patient_spec: PatientSpec
    regimen: tuple[DoseEvent, ...]
    patient: Patient
    madrs_baseline: float
    hypotheses: tuple[tuple[str, str], ...]
    duration: str
    duration_min: float

    @property
    def parameters(self) -> dict[str, float]:
        return {SEVERITY_PARAMETER: self.madrs_baseline}

    def key(self) -> str:
        """A canonical text of everything that determines the simulation (a cache key)."""
        return json.dumps({"dose": self.dose.model_dump(), "patient": self.patient_spec.model_dump(),
                           "madrs_baseline": self.madrs_baseline, "hypotheses": self.hypotheses,
                           "duration_min": self.duration_min}, sort_keys=True)


def schema_record(cls, where: str, **fields: Any):
    """`cls(**fields)` (a schema model); its first validation error as an InputError naming the field."""
    try:
        return cls(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()))
        name = f"{where}.{loc}" if loc else where
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        raise InputError(f"{name}: {msg}") from None


def _blank(text: str | None) -> bool:
    return text is None or not str(text).strip()


def _dose_record(form: RegimenForm, procedure: str | None, limits: Limits) -> Dose:
    """The regimen as one experiment-file dose entry (checked by the schema, then bounded)."""
    if isinstance(form.count, bool) or not isinstance(form.count, int):
        raise InputError(f"{REGIMEN}.repeat.count: must be a whole number (got {shown(form.count)})")
    if not 1 <= form.count <= limits.max_doses:
        raise InputError(f"{REGIMEN}.repeat.count: must be between 1 and {limits.max_doses} (got {form.count})")
    repeat = None
    if form.count > 1:
        if _blank(form.every):
            raise InputError(f"{REGIMEN}.repeat.every: give the interval between doses (e.g. '1 d')")
        every = parse_quantity(form.every, "min", f"{REGIMEN}.repeat.every")
        if every < limits.min_interval_min:
            raise InputError(f"{REGIMEN}.repeat.every: must be at least {limits.min_interval_min:g} min "
                             f"(got {form.every!r})")
        repeat = schema_record(Repeat, f"{REGIMEN}.repeat", every=str(form.every).strip(), count=form.count)
    if procedure is not None:
        return schema_record(Dose, REGIMEN, procedure=procedure, repeat=repeat)
    drug = (form.drug or "").strip()
    if drug not in HUMAN_DRUGS:
        raise InputError(unknown_name(f"{REGIMEN}.drug", "drug", form.drug, HUMAN_DRUGS))
    route = (form.route or "").strip()
    if route not in human_routes(drug):
        raise InputError(f"{REGIMEN}.route: {drug} cannot be given by {shown(form.route)} "
                         f"(one of {', '.join(human_routes(drug))})")
    if _blank(form.dose):
        raise InputError(f"{REGIMEN}.dose: give a dose (e.g. '0.5 mg/kg' or '56 mg')")
    amount, per_kg = parse_dose(form.dose, f"{REGIMEN}.dose")
    if not math.isfinite(amount):
        raise InputError(f"{REGIMEN}.dose: must be a finite number (got {form.dose!r})")
    top = limits.max_dose_per_kg if per_kg else limits.max_dose_mg
    if amount > top:
        raise InputError(f"{REGIMEN}.dose: at most {top:g} {'mg/kg' if per_kg else 'mg'} in the explorer "
                         f"(got {form.dose!r})")
    infusion = None if _blank(form.infusion) else str(form.infusion).strip()
    if infusion is not None:
        if route != "iv":
            raise InputError(f"{REGIMEN}.duration: only IV doses can be infusions, not {route!r} "
                             "(leave the infusion empty)")
        minutes = parse_quantity(infusion, "min", f"{REGIMEN}.duration")
        if not 0 < minutes <= limits.max_infusion_min:
            raise InputError(f"{REGIMEN}.duration: an infusion lasts more than 0 and at most "
                             f"{limits.max_infusion_min:g} min (got {infusion!r})")
    return schema_record(Dose, REGIMEN, drug=drug, route=route, dose=str(form.dose).strip(), duration=infusion,
                         repeat=repeat)


def _patient(form: RegimenForm, limits: Limits) -> tuple[PatientSpec, Patient, float]:
    """The patient as an experiment file's `[protocol.patient]` table, its `Patient`, and the severity."""
    spec = schema_record(PatientSpec, "patient", weight=str(form.weight).strip(), cyp2b6=form.cyp2b6,
                         bdnf=form.bdnf, trkb=form.trkb, stress=form.stress)
    weight = parse_quantity(spec.weight, "kg", "patient.weight")
    lo, hi = limits.weight_kg
    if not lo <= weight <= hi:
        raise InputError(f"patient.weight: must be between {lo:g} and {hi:g} kg (got {spec.weight!r})")
    patient = Patient(species="human", weight_kg=weight, cyp2b6=spec.cyp2b6, cyp2b6_scenario=spec.cyp2b6_scenario,
                      sex=spec.sex, bdnf=spec.bdnf, trkb=spec.trkb, stress=spec.stress)
    try:
        severity = float(form.madrs_baseline)
    except (TypeError, ValueError):
        raise InputError(f"patient.madrs_baseline: must be a number (got {shown(form.madrs_baseline)})") from None
    if not 0.0 <= severity <= 60.0:
        raise InputError(f"patient.madrs_baseline: must be between 0 and 60 (got {shown(form.madrs_baseline)})")
    return spec, patient, severity


def _duration(text: str, limits: Limits, field: str = "duration") -> float:
    if _blank(text):
        raise InputError(f"{field}: give the simulated time (e.g. '24 h' or '28 d')")
    minutes = parse_quantity(text, "min", field)
    if not minutes > 0:
        raise InputError(f"{field}: must be positive (got {text!r})")
    if minutes > limits.max_duration_min:
        raise InputError(f"{field}: at most {limits.max_duration_min / MINUTES_PER_DAY / 7:g} weeks "
                         f"in the explorer (got {text!r})")
    return minutes


def _events(dose: Dose) -> tuple[DoseEvent, ...]:
    """The dose entry as dose events (the runner's conversion), checked against the drug routing now."""
    events = tuple(replace(e, field=REGIMEN) for e in dose_events([dose], REGIMEN))
    for e in events:
        if e.procedure is None:
            route_of(e, "human")
            expand(e)
    return events


def build_request(form: RegimenForm, limits: Limits = LIMITS) -> Request:
    """Validate and bound a regimen form; InputError (one line naming the field) otherwise."""
    check_text_lengths(form)
    check_name(form.preset, PRESETS, "schedule", "schedule")
    duration_min = _duration(form.duration, limits)
    dose = _dose_record(form, PRESETS[form.preset].procedure, limits)
    spec, patient, severity = _patient(form, limits)
    hypotheses = resolve_hypotheses(dict(form.hypotheses))
    return Request(dose=dose, patient_spec=spec, regimen=_events(dose), patient=patient, madrs_baseline=severity,
                   hypotheses=tuple(sorted(hypotheses.items())), duration=str(form.duration).strip(),
                   duration_min=duration_min)


# ------------------------------------------------------------------------------------ trials
@dataclass(frozen=True)
class TrialForm:
    """What the user entered for a small trial: cohort, patients per arm, seed, duration."""

    cohort: str = "trd"
    patients: int = 20
    seed: int = 0
    duration: str = "7 d"


@dataclass(frozen=True)
class TrialRequest:
    """A validated, bounded trial: the experiment (schema) the trial engine runs, and its arms' names."""

    experiment: Experiment
    arms: tuple[str, ...]

    @property
    def patients(self) -> int:
        return self.experiment.protocol.population.n

    def key(self) -> str:
        return self.experiment.model_dump_json()


TRIAL_CHUNK = 25   # patients per solve (one compiled batch size for every trial the explorer runs)


def build_trial(form: TrialForm, arms: Mapping[str, Request], limits: Limits = LIMITS) -> TrialRequest:
    """A trial of `arms` (name -> validated regimen request) in `form.cohort`, as an experiment.

    The arms keep their regimens and hypotheses; patients are drawn from the cohort (the
    regimen forms' patient fields do not apply). The one measure is each first arm's
    response rate at the end, with the range [0, 1] (a display, not a published finding).
    """
    from ..trial.cohorts import COHORTS

    if not arms:
        raise InputError("trial.arms: give at least one regimen")
    if len(arms) > limits.max_trial_arms:
        raise InputError(f"trial.arms: at most {limits.max_trial_arms} arms in the explorer (got {len(arms)})")
    if not isinstance(form.duration, str) or len(form.duration) > MAX_QUANTITY_CHARS:
        raise InputError(f"trial.duration: a quantity of at most {MAX_QUANTITY_CHARS} characters "
                         f"(got {shown(form.duration)})")
    check_name(form.cohort, COHORTS, "trial.cohort", "cohort")
    n = form.patients
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= limits.max_trial_patients:
        raise InputError(f"trial.patients: between 1 and {limits.max_trial_patients} patients per arm "
                         f"in the explorer (got {shown(n)})")
    if isinstance(form.seed, bool) or not isinstance(form.seed, int) or form.seed < 0:
        raise InputError(f"trial.seed: a whole number, not negative (got {shown(form.seed)})")
    days = _duration(form.duration, limits, "trial.duration") / MINUTES_PER_DAY
    if days < limits.min_trial_days:
        raise InputError(f"trial.duration: at least {limits.min_trial_days:g} d (got {form.duration!r})")
    population = schema_record(Population, "trial", n=n, seed=form.seed, cohort=form.cohort,
                               chunk=min(TRIAL_CHUNK, n))
    arm_records = {name: schema_record(Arm, f"trial.arms.{name}", doses=[req.dose], hypotheses=dict(req.hypotheses))
                   for name, req in arms.items()}
    duration = str(form.duration).strip()
    protocol = schema_record(Protocol, "trial", duration=duration, population=population, arms=arm_records)
    first = next(iter(arms))
    measure = schema_record(Measure, "trial", arm=first, endpoint="response_rate", at=duration, range=(0.0, 1.0))
    title = " vs ".join(arms) + f" in {n} {form.cohort} patients per arm"
    exp = schema_record(Experiment, "trial", id="explorer-trial", title=title,
                        source="ketasim explorer (a user's request, not a published finding)", tags=["clinical"],
                        protocol=protocol, measure=[measure])
    return TrialRequest(experiment=exp, arms=tuple(arms))
