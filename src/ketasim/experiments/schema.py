"""The experiment file format (docs/architecture.md §5) as a pydantic schema. Unknown keys are errors."""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator,
                      model_validator)

from ..limits import (MAX_ARMS, MAX_CHUNK, MAX_CLAMP_SAMPLES, MAX_DOSE_EVENTS, MAX_MEASURES, MAX_NAME_CHARS,
                      MAX_PATIENTS_PER_ARM, MAX_REPEAT_COUNT, MAX_SWEEP_POINTS, check_count, check_duration, shown)
from ..parameters import UNSOURCED
from ..references import registry
from ..units import dose_value, quantity_value, read_quantity

STATISTICS = ("max", "min", "value_at", "time_of_max", "auc", "mean", "ratio_to_baseline",
              "change_from_baseline", "half_life", "bioavailability", "auc_ratio",
              # in vitro (voltage clamp):
              "ic50", "relaxation_rate", "on_rate", "rate_ratio")
IN_VITRO_STATISTICS = ("ic50", "relaxation_rate", "on_rate", "rate_ratio", "value_at", "max", "min")
LAYERS = ("pk", "receptor", "circuit", "plasticity", "systems", "clinical")
# Virtual-trial endpoints (docs/architecture.md §5; extend, don't rename). Defined by ketasim.trial.endpoints.
ENDPOINTS = ("response_rate", "remission_rate", "mean_change", "mean_difference", "response_odds_ratio",
             "relapse_median_days", "dropout_rate", "side_effect_dropout_rate", "response_median_days", "change_sd")
TWO_ARM_ENDPOINTS = ("mean_difference", "response_odds_ratio")
# How a protocol defines its endpoints ([protocol.endpoints], read by ketasim.trial.definitions):
# the rating scales remission can be read on, with their highest totals; the missing-data
# analyses; the relapse lines.
SCALE_MAXIMA = {"madrs": 60.0, "hamd17": 52.0}
ANALYSES = ("locf", "observed")
RELAPSE_RULES = ("loss_of_response", "madrs_at_least")
# Where a measure's tolerance comes from: "ci" a published confidence interval (of a mean or an
# estimate), "sd" a published SD or SE with n (an interval computed from them), "range" a published
# range, IQR or min-max of values, "band" a stated band (a judgement; the note gives the reason).
TOLERANCE_BASES = ("ci", "sd", "range", "band")


def _known_reference(key: str) -> str:
    """`key` when it is in the reference registry (data/references.toml), else a one-line error."""
    if key in UNSOURCED:
        raise ValueError(f"{shown(key)} is not a publication: give the key of the paper whose numbers are tested")
    if key not in registry():
        raise ValueError(f"unknown reference key {shown(key)}: add it to ketasim/data/references.toml")
    return key


ReferenceKey = Annotated[str, AfterValidator(_known_reference)]
# A name (id, drug, route, genotype, arm, observable, unit, switch): bounded, since messages echo it.
Name = Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)]


# Quantity strings are read at load by the one parser (`ketasim.units`): a finite number
# with a point, in a unit of the field's dimension, at most `limits.MAX_QUANTITY_CHARS`
# characters. The text is kept (the plan converts it); a bad one is refused here, with the
# loader naming the field path.
def _in(expected: str):
    def check(text: str) -> str:
        quantity_value(text, expected)
        return text
    return AfterValidator(check)


def _dose_text(text: str) -> str:
    dose_value(text)
    return text


def _any_quantity(text: str) -> str:
    """A finite quantity in any unit (a measure's `at` is a time in vivo, a voltage in a sweep)."""
    read_quantity(text)
    return text


def _duration_text(text: str) -> str:
    check_duration(quantity_value(text, "min"), "")
    return text


Time = Annotated[str, _in("min")]
Mass = Annotated[str, _in("kg")]
Concentration = Annotated[str, _in("uM")]
Voltage = Annotated[str, _in("mV")]
DoseText = Annotated[str, AfterValidator(_dose_text)]
AnyQuantity = Annotated[str, AfterValidator(_any_quantity)]
Duration = Annotated[str, AfterValidator(_duration_text)]


def _bounded_regimen(doses: list) -> list:
    """A regimen whose dose events, repeats counted (not expanded), are within `MAX_DOSE_EVENTS`."""
    check_count(sum(d.repeat.count if d.repeat else 1 for d in doses), MAX_DOSE_EVENTS, "",
                "dose events in one regimen, repeats counted")
    return doses


def _bounded_sweep(points: list) -> list:
    """An in-vitro sweep (or step list) of at most `MAX_SWEEP_POINTS` points."""
    check_count(len(points), MAX_SWEEP_POINTS, "", "points")
    return points


Sweep = AfterValidator(_bounded_sweep)


def _bounded_arms(arms: dict) -> dict:
    check_count(len(arms), MAX_ARMS, "", "arms in one trial")
    return arms


class _Strict(BaseModel):
    # allow_inf_nan=False: every float field (expected, tolerances, ranges, parameters) is finite.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Repeat(_Strict):
    every: Time
    count: int = Field(ge=1, le=MAX_REPEAT_COUNT)


class Dose(_Strict):
    drug: Name | None = None
    route: Name | None = None
    dose: DoseText | None = None     # "0.5 mg/kg" or "50 mg"
    start: Time = "0 min"
    duration: Time | None = None     # IV infusion
    repeat: Repeat | None = None
    procedure: Name | None = None

    @model_validator(mode="after")
    def _drug_or_procedure(self):
        if self.procedure is None and (self.drug is None or self.route is None or self.dose is None):
            raise ValueError("a dose needs drug, route and dose (or a procedure)")
        return self


class PatientSpec(_Strict):
    weight: Mass | None = None
    cyp2b6: Name = "*1/*1"
    cyp2b6_scenario: Name = "in_vivo"
    sex: Name = "unspecified"
    age: Time | None = None
    bdnf: Name = "val/val"           # BDNF Val66Met: val/val, val/met, met/met
    trkb: Name = "wt"                # wt or knockout
    stress: Name = "none"            # none or chronic (depressed-like state, fewer PFC spines)


class InVitroStep(_Strict):
    """From `start` on, the bath changes to these values (unset ones keep the table's)."""

    start: Time
    glutamate: Concentration | None = None
    glycine: Concentration | None = None
    magnesium: Concentration | None = None
    voltage: Voltage | None = None
    concentration: Concentration = "0 uM"      # of the protocol's drug


class InVitro(_Strict):
    """A voltage-clamp experiment on the receptor scheme (no dosing, no PK).

    Steady-state sweeps: `concentrations` (block against drug level, at `voltage`) or
    `voltages` (block or Mg2+ remaining against voltage, at `concentration`). Time
    courses: `steps` (bath changes) sampled every `sample` up to `duration`.
    """

    target: Name = "nmda"             # nmda (voltage clamp) or a binding assay: mor, kor, dor, d2, hcn1, a7
    receptor: Name = "pyramidal"      # nmda: glun2a..glun2d, or a cell type's mix: pyramidal, pv, sst
    drug: Name | None = None         # ketamine, esketamine, arketamine, norketamine, s_norketamine, ...
    glutamate: Concentration = "100 uM"
    glycine: Concentration = "10 uM"
    magnesium: Concentration = "0 mM"
    voltage: Voltage = "-66 mV"
    concentration: Concentration = "0 uM"
    concentrations: Annotated[list[Concentration], Sweep] = []
    voltages: Annotated[list[Voltage], Sweep] = []
    steps: Annotated[list[InVitroStep], Sweep] = []
    duration: Time | None = None
    sample: Time = "10 ms"

    @model_validator(mode="after")
    def _one_kind(self):
        kinds = sum(bool(x) for x in (self.concentrations, self.voltages, self.steps))
        if kinds != 1:
            raise ValueError("give exactly one of concentrations, voltages or steps")
        if self.steps and self.duration is None:
            raise ValueError("steps need a duration")
        if self.duration is not None:
            duration, sample = quantity_value(self.duration, "s"), quantity_value(self.sample, "s")
            if duration > 0 and sample > 0:
                check_count(math.ceil(duration / sample), MAX_CLAMP_SAMPLES, "duration / sample", "samples")
        return self


class Population(_Strict):
    """A virtual trial's population: `n` patients per arm drawn from `cohort` with `seed`.

    `chunk`: patients per task (and per Zarr chunk); default about 1,000.
    """

    n: int = Field(ge=1, le=MAX_PATIENTS_PER_ARM)
    seed: int = Field(default=0, ge=0)
    cohort: Name = "trd"
    chunk: int | None = Field(default=None, ge=1, le=MAX_CHUNK)


class Arm(_Strict):
    """One trial arm: its regimen (doses, procedures such as ECT), hypotheses and blinding."""

    doses: Annotated[list[Dose], AfterValidator(_bounded_regimen)] = []
    hypotheses: dict[Name, Name] = {}
    blinded: bool = True             # False: open label
    bdnf: Name | None = None         # every patient of the arm has this Val66Met genotype


class EndpointDefinitions(_Strict):
    """`[protocol.endpoints]`: how the trial's protocol defines its endpoints (the remission line
    and its scale, the scheduled rating visits, LOCF or observed cases, the relapse rule);
    ketasim.trial.definitions documents each field. Omitted fields keep the defaults."""

    remission_scale: Literal[tuple(SCALE_MAXIMA)] = "madrs"  # type: ignore[valid-type]
    remission_at_most: float = 10.0
    visits: Annotated[list[Time], Sweep] | None = None
    analysis: Literal[ANALYSES] = "locf"  # type: ignore[valid-type]
    relapse: Literal[RELAPSE_RULES] = "loss_of_response"  # type: ignore[valid-type]
    relapse_madrs: float | None = None
    relapse_visits: int = Field(default=1, ge=1, le=10)

    @field_validator("remission_at_most")
    @classmethod
    def _remission_on_the_scale(cls, v: float, info: ValidationInfo) -> float:
        scale = info.data.get("remission_scale", "madrs")
        if not 0 <= v <= SCALE_MAXIMA[scale]:
            raise ValueError(f"{v:g} is outside the {scale.upper()} scale (0-{SCALE_MAXIMA[scale]:g})")
        return v

    @field_validator("relapse_madrs")
    @classmethod
    def _relapse_on_the_scale(cls, v: float | None) -> float | None:
        if v is not None and not 0 <= v <= SCALE_MAXIMA["madrs"]:
            raise ValueError(f"{v:g} is outside the MADRS scale (0-60)")
        return v

    @model_validator(mode="after")
    def _relapse_line(self):
        if (self.relapse == "madrs_at_least") != (self.relapse_madrs is not None):
            raise ValueError("relapse_madrs goes with relapse = 'madrs_at_least', and that rule needs it")
        return self


class Protocol(_Strict):
    duration: Duration | None = None
    in_vitro: InVitro | None = None
    population: Population | None = None
    arms: Annotated[dict[Name, Arm], AfterValidator(_bounded_arms)] = {}
    patient: PatientSpec = PatientSpec()
    hypotheses: dict[Name, Name] = {}
    doses: Annotated[list[Dose], AfterValidator(_bounded_regimen)] = []
    reference_doses: Annotated[list[Dose], AfterValidator(_bounded_regimen)] = []  # bioavailability: the IV reference
    parameters: dict[Name, float] = {}  # overrides by qualified name, in the parameter's unit
    # where the published concentrations were sampled ("venous", "arterial"): "arterial" makes
    # plasma ketamine measures read arterial_* (experiments/sampling.py); "venous" is checked
    # against the site the ketamine_pk model predicts (mechanisms.pk_disposition.check_sampling)
    sampling: Name | None = None
    endpoints: EndpointDefinitions | None = None  # a trial's endpoint definitions

    @model_validator(mode="after")
    def _in_vivo_or_in_vitro(self):
        if self.in_vitro is None and self.duration is None:
            raise ValueError("a protocol needs a duration (or an in_vitro table)")
        if self.in_vitro is not None and (self.doses or self.reference_doses):
            raise ValueError("an in_vitro protocol has no doses")
        if bool(self.arms) != (self.population is not None):
            raise ValueError("a trial protocol needs both population and arms")
        if self.endpoints is not None and not self.arms:
            raise ValueError("endpoints: only a trial protocol (arms) has endpoint definitions")
        if self.arms and (self.doses or self.reference_doses or self.in_vitro is not None):
            raise ValueError("a trial protocol puts its doses in arms (no protocol.doses or in_vitro)")
        for name in self.arms:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name) or name == "visits":
                raise ValueError(f"arms.{name}: an arm name is a letter then letters, digits, _ or - "
                                 "(and not 'visits')")
        return self


class Measure(_Strict):
    """A scored quantity: an observable's statistic, or (in a trial) an arm's endpoint at `at`."""

    observable: Name | None = None
    statistic: Literal[STATISTICS] | None = None  # type: ignore[valid-type]
    arm: Name | None = None          # trial: the arm whose endpoint is measured
    endpoint: Literal[ENDPOINTS] | None = None  # type: ignore[valid-type]
    unit: Name = "1"
    expected: float | None = None
    rel_tol: float | None = Field(default=None, gt=0)
    abs_tol: float | None = Field(default=None, gt=0)
    range: tuple[float, float] | None = None
    at: AnyQuantity | None = None    # value_at, ratio_to_baseline, change_from_baseline
    baseline_at: AnyQuantity = "0 min"
    # mean, auc, auc_ratio, max, min, half_life, relaxation_rate:
    window: tuple[AnyQuantity, AnyQuantity] | None = None
    # on_rate, rate_ratio: the recovery / reference relaxation:
    reference_window: tuple[AnyQuantity, AnyQuantity] | None = None
    versus: Name | None = None       # auc_ratio: AUC(observable) / AUC(versus); trial: the comparator arm
    name: str | None = None
    note: str = ""
    tolerance_basis: Literal[TOLERANCE_BASES] | None = None  # type: ignore[valid-type]
    tolerance_note: str = ""         # the published figures used, e.g. "95% CI 69-90 L/h (Kamp 2020)"

    @model_validator(mode="after")
    def _tolerance_note(self):
        if self.tolerance_basis is not None and not self.tolerance_note.strip():
            raise ValueError(f"tolerance_basis {self.tolerance_basis!r} needs a tolerance_note "
                             "(the published figures the tolerance comes from)")
        return self

    @model_validator(mode="after")
    def _target(self):
        if self.endpoint is not None:
            if self.observable is not None or self.statistic is not None:
                raise ValueError("give either endpoint (with arm) or observable and statistic, not both")
            if self.arm is None:
                raise ValueError(f"endpoint {self.endpoint} needs 'arm'")
            if self.endpoint in TWO_ARM_ENDPOINTS and self.versus is None:
                raise ValueError(f"endpoint {self.endpoint} needs 'versus' (the comparator arm)")
        elif self.observable is None or self.statistic is None:
            raise ValueError("give observable and statistic (or, in a trial, arm and endpoint)")
        elif self.arm is not None:
            raise ValueError("'arm' goes with an endpoint")
        if self.range is None and self.expected is None:
            raise ValueError("give expected (with rel_tol or abs_tol) or range")
        if self.expected is not None and self.rel_tol is None and self.abs_tol is None and self.range is None:
            raise ValueError("expected needs rel_tol or abs_tol")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError("range must be [low, high]")
        if self.statistic == "auc_ratio" and self.versus is None:
            raise ValueError("statistic auc_ratio needs 'versus' (the denominator observable)")
        if self.statistic in ("value_at", "ratio_to_baseline", "change_from_baseline") and self.at is None:
            raise ValueError(f"statistic {self.statistic} needs 'at'")
        if self.statistic in ("relaxation_rate", "on_rate", "rate_ratio") and self.window is None:
            raise ValueError(f"statistic {self.statistic} needs 'window'")
        if self.statistic in ("on_rate", "rate_ratio") and self.reference_window is None:
            raise ValueError(f"statistic {self.statistic} needs 'reference_window'")
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.endpoint is not None:
            vs = f" vs {self.versus}" if self.versus else ""
            return f"{self.arm} {self.endpoint}{vs}" + (f" at {self.at}" if self.at else "")
        return f"{self.observable} {self.statistic}" + (f" at {self.at}" if self.at else "")


class Experiment(_Strict):
    id: Name
    title: str
    source: str
    species: Literal["human", "rat", "mouse"] = "human"
    tags: list[str]
    # Keys of data/references.toml: the publication(s) whose numbers the experiment tests. The
    # scorecard derives the experiment's class from them (validation/classification.py).
    references: list[ReferenceKey] = []
    notes: str = ""
    protocol: Protocol
    measure: list[Measure] = Field(min_length=1, max_length=MAX_MEASURES)

    @field_validator("tags")
    @classmethod
    def _layer_first(cls, v: list[str]) -> list[str]:
        if not v or v[0] not in LAYERS:
            raise ValueError(f"tags must start with the layer, one of {', '.join(LAYERS)}")
        return v

    @model_validator(mode="after")
    def _trial_measures(self):
        arms = self.protocol.arms
        for i, m in enumerate(self.measure):
            if (m.endpoint is not None) != bool(arms):
                raise ValueError(f"measure[{i}]: a trial protocol (arms) is scored by endpoints, "
                                 "any other protocol by observable and statistic")
            if m.endpoint is None:
                continue
            for key in ("arm", "versus"):
                name = getattr(m, key)
                if name is not None and name not in arms:
                    raise ValueError(f"measure[{i}].{key}: unknown arm {shown(name)} (arms: {', '.join(arms)})")
        return self
