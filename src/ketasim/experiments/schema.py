"""The experiment file format (DESIGN.md §4) as a pydantic schema. Unknown keys are errors."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STATISTICS = ("max", "min", "value_at", "time_of_max", "auc", "mean", "ratio_to_baseline",
              "change_from_baseline", "half_life", "bioavailability", "auc_ratio",
              # in vitro (voltage clamp):
              "ic50", "relaxation_rate", "on_rate", "rate_ratio")
IN_VITRO_STATISTICS = ("ic50", "relaxation_rate", "on_rate", "rate_ratio", "value_at", "max", "min")
LAYERS = ("pk", "receptor", "circuit", "plasticity", "systems", "clinical")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Repeat(_Strict):
    every: str
    count: int = Field(ge=1)


class Dose(_Strict):
    drug: str | None = None
    route: str | None = None
    dose: str | None = None          # "0.5 mg/kg" or "50 mg"
    start: str = "0 min"
    duration: str | None = None      # IV infusion
    repeat: Repeat | None = None
    procedure: str | None = None

    @model_validator(mode="after")
    def _drug_or_procedure(self):
        if self.procedure is None and (self.drug is None or self.route is None or self.dose is None):
            raise ValueError("a dose needs drug, route and dose (or a procedure)")
        return self


class PatientSpec(_Strict):
    weight: str | None = None
    cyp2b6: str = "*1/*1"
    cyp2b6_scenario: str = "in_vivo"
    sex: str = "unspecified"
    age: str | None = None
    bdnf: str = "val/val"            # BDNF Val66Met: val/val, val/met, met/met
    trkb: str = "wt"                 # wt or knockout
    stress: str = "none"             # none or chronic (depressed-like state, fewer PFC spines)


class InVitroStep(_Strict):
    """From `start` on, the bath changes to these values (unset ones keep the table's)."""

    start: str
    glutamate: str | None = None
    glycine: str | None = None
    magnesium: str | None = None
    voltage: str | None = None
    concentration: str = "0 uM"      # of the protocol's drug


class InVitro(_Strict):
    """A voltage-clamp experiment on the receptor scheme (no dosing, no PK).

    Steady-state sweeps: `concentrations` (block against drug level, at `voltage`) or
    `voltages` (block or Mg2+ remaining against voltage, at `concentration`). Time
    courses: `steps` (bath changes) sampled every `sample` up to `duration`.
    """

    target: str = "nmda"             # nmda (voltage clamp) or a binding assay: mor, kor, dor, d2, hcn1, a7
    receptor: str = "pyramidal"      # nmda: glun2a..glun2d, or a cell type's mix: pyramidal, pv, sst
    drug: str | None = None          # ketamine, esketamine, arketamine, norketamine, s_norketamine, ...
    glutamate: str = "100 uM"
    glycine: str = "10 uM"
    magnesium: str = "0 mM"
    voltage: str = "-66 mV"
    concentration: str = "0 uM"
    concentrations: list[str] = []
    voltages: list[str] = []
    steps: list[InVitroStep] = []
    duration: str | None = None
    sample: str = "10 ms"

    @model_validator(mode="after")
    def _one_kind(self):
        kinds = sum(bool(x) for x in (self.concentrations, self.voltages, self.steps))
        if kinds != 1:
            raise ValueError("give exactly one of concentrations, voltages or steps")
        if self.steps and self.duration is None:
            raise ValueError("steps need a duration")
        return self


class Protocol(_Strict):
    duration: str | None = None
    in_vitro: InVitro | None = None
    patient: PatientSpec = PatientSpec()
    hypotheses: dict[str, str] = {}
    doses: list[Dose] = []
    reference_doses: list[Dose] = []   # for bioavailability: the IV reference regimen
    parameters: dict[str, float] = {}  # overrides by qualified name, in the parameter's unit

    @model_validator(mode="after")
    def _in_vivo_or_in_vitro(self):
        if self.in_vitro is None and self.duration is None:
            raise ValueError("a protocol needs a duration (or an in_vitro table)")
        if self.in_vitro is not None and (self.doses or self.reference_doses):
            raise ValueError("an in_vitro protocol has no doses")
        return self


class Measure(_Strict):
    observable: str
    statistic: Literal[STATISTICS]  # type: ignore[valid-type]
    unit: str = "1"
    expected: float | None = None
    rel_tol: float | None = Field(default=None, gt=0)
    abs_tol: float | None = Field(default=None, gt=0)
    range: tuple[float, float] | None = None
    at: str | None = None            # value_at, ratio_to_baseline, change_from_baseline
    baseline_at: str = "0 min"
    window: tuple[str, str] | None = None   # mean, auc, auc_ratio, max, min, half_life, relaxation_rate
    reference_window: tuple[str, str] | None = None  # on_rate, rate_ratio: the recovery / reference relaxation
    versus: str | None = None        # auc_ratio: AUC(observable) / AUC(versus)
    name: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _target(self):
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
        return self.name or f"{self.observable} {self.statistic}" + (f" at {self.at}" if self.at else "")


class Experiment(_Strict):
    id: str
    title: str
    source: str
    species: Literal["human", "rat", "mouse"] = "human"
    tags: list[str]
    calibration: bool = False        # used to set parameters (scored apart from validation)
    notes: str = ""
    protocol: Protocol
    measure: list[Measure] = Field(min_length=1)

    @field_validator("tags")
    @classmethod
    def _layer_first(cls, v: list[str]) -> list[str]:
        if not v or v[0] not in LAYERS:
            raise ValueError(f"tags must start with the layer, one of {', '.join(LAYERS)}")
        return v
