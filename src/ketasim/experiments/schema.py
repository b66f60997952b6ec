"""The experiment file format (DESIGN.md §4) as a pydantic schema. Unknown keys are errors."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STATISTICS = ("max", "min", "value_at", "time_of_max", "auc", "mean", "ratio_to_baseline",
              "change_from_baseline", "half_life", "bioavailability", "auc_ratio")
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


class Protocol(_Strict):
    duration: str
    patient: PatientSpec = PatientSpec()
    hypotheses: dict[str, str] = {}
    doses: list[Dose] = []
    reference_doses: list[Dose] = []   # for bioavailability: the IV reference regimen
    parameters: dict[str, float] = {}  # overrides by qualified name, in the parameter's unit


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
    window: tuple[str, str] | None = None   # mean, auc, auc_ratio, max, min, half_life
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
