"""Patients (and animals): covariates that become parameter overrides."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .choices import unknown_name
from .errors import InputError
from .parameters import SPECIES, Parameter
from .units import QuantityLike, number_or_quantity, to_canonical

# CYP2B6 activity by genotype, relative to *1/*1. Rao et al. 2016 found no in-vivo
# clearance difference after oral ketamine, so all genotypes default to 1; the in-vitro
# N-demethylation loss (Li et al. 2013: >=2-fold per *1/*6, >=6-fold for *6/*6) is
# available as the `in_vitro` scenario through `cyp2b6_activity`.
CYP2B6_GENOTYPES = ("*1/*1", "*1/*6", "*6/*6")
CYP2B6_ACTIVITY = {
    "in_vivo": {"*1/*1": 1.0, "*1/*6": 1.0, "*6/*6": 1.0},     # rao2016
    "in_vitro": {"*1/*1": 1.0, "*1/*6": 0.5, "*6/*6": 1 / 6},  # li2013
}


@lru_cache(maxsize=None)
def default_weight(species: str) -> float:
    """The species' standard body weight (kg), from the `patient` module's parameters."""
    from .engine.assembler import select_parameters
    from .mechanisms.patient import PATIENT

    prm = select_parameters(PATIENT, species)["weight"]
    return to_canonical(prm.value, prm.unit) / to_canonical(1.0, "kg")


@lru_cache(maxsize=None)
def weight_bounds(species: str) -> tuple[float, float]:
    """The body weights (kg) a subject of `species` may have: the bounds of the species'
    `patient.weight` parameter, whose record states their source (human 30-200 kg; adult
    Sprague-Dawley rat 0.15-0.6 kg; adult C57BL/6 mouse 0.015-0.045 kg). The model's
    per-kg scalings are calibrated on adults of these sizes, and the parameter set refuses
    a weight outside them, so a patient is refused here, in one line, before any work."""
    from .engine.assembler import select_parameters
    from .mechanisms.patient import PATIENT

    prm = select_parameters(PATIENT, species)["weight"]
    kg = to_canonical(1.0, "kg")
    return to_canonical(prm.lower, prm.unit) / kg, to_canonical(prm.upper, prm.unit) / kg


class PatientError(InputError):
    """A patient field is invalid."""


@dataclass(frozen=True, init=False)
class Patient:
    """A simulated subject, validated when it is built.

    weight_kg: body weight in kg, None for the species' standard weight; age_years: age in
    years, None when unspecified. From the Python API each may be a number in that unit, a
    quantity string ('80 kg', '45 yr') or a pint Quantity, read by the one parser
    (`units.parse_quantity`). cyp2b6, cyp2b6_scenario, bdnf, trkb, stress: named settings
    (see `CYP2B6_GENOTYPES`, `CYP2B6_ACTIVITY`, `mechanisms.plasticity.SUBJECT_SETTINGS`).
    Bad values raise `PatientError` (an `InputError`) naming `patient.<field>`.
    """

    species: str = "human"
    weight_kg: float | None = None
    cyp2b6: str = "*1/*1"
    cyp2b6_scenario: str = "in_vivo"
    sex: str = "unspecified"
    age_years: float | None = None
    bdnf: str = "val/val"        # BDNF Val66Met genotype: val/val, val/met, met/met
    trkb: str = "wt"             # TrkB (Ntrk2): wt or knockout
    stress: str = "none"         # chronic stress / depressed state: none or chronic (fewer PFC spines)

    def __init__(self, species: str = "human", weight_kg: QuantityLike | None = None, cyp2b6: str = "*1/*1",
                 cyp2b6_scenario: str = "in_vivo", sex: str = "unspecified", age_years: QuantityLike | None = None,
                 bdnf: str = "val/val", trkb: str = "wt", stress: str = "none") -> None:
        """Read the quantities (kg, years) and check every field (see the class docstring)."""
        names = {"species": species, "cyp2b6": cyp2b6, "cyp2b6_scenario": cyp2b6_scenario, "sex": sex,
                 "bdnf": bdnf, "trkb": trkb, "stress": stress}
        for name, value in names.items():
            if not isinstance(value, str):
                raise PatientError(f"patient.{name}: expected a name (str), got {type(value).__name__}")
        if species not in SPECIES:
            raise PatientError(unknown_name("patient.species", "species", species, SPECIES))
        weight = None if weight_kg is None else number_or_quantity(weight_kg, "kg", "patient.weight")
        if weight is not None:
            lo, hi = weight_bounds(species)
            if not lo <= weight <= hi:
                raise PatientError(f"patient.weight: a {species} weighs {lo:g} to {hi:g} kg (got {weight:g} kg)")
        age = None if age_years is None else number_or_quantity(age_years, "year", "patient.age_years")
        if age is not None and age < 0:
            raise PatientError(f"patient.age_years: must not be negative (got {age:g} years)")
        if cyp2b6 not in CYP2B6_GENOTYPES:
            raise PatientError(unknown_name("patient.cyp2b6", "genotype", cyp2b6, CYP2B6_GENOTYPES))
        if cyp2b6_scenario not in CYP2B6_ACTIVITY:
            raise PatientError(unknown_name("patient.cyp2b6_scenario", "scenario", cyp2b6_scenario, CYP2B6_ACTIVITY))
        from .mechanisms.plasticity import SUBJECT_SETTINGS

        for name, table in SUBJECT_SETTINGS.items():
            if names[name] not in table:
                raise PatientError(unknown_name(f"patient.{name}", "value", names[name], table))
        for name, value in {**names, "weight_kg": weight, "age_years": age}.items():
            object.__setattr__(self, name, value)

    @property
    def weight(self) -> float:
        """Body weight in kg: `weight_kg`, or the species' standard weight when None."""
        return self.weight_kg if self.weight_kg is not None else default_weight(self.species)

    def overrides(self) -> dict[str, float]:
        """Parameter values (qualified names, in the parameters' units) for this patient."""
        out = {
            "patient.weight": self.weight,
            "patient.cyp2b6_relative_activity": CYP2B6_ACTIVITY[self.cyp2b6_scenario][self.cyp2b6],
        }
        out.update({name: q.value for name, q in self.setting_parameters().items()})
        return out

    def setting_parameters(self) -> dict[str, Parameter]:
        """{qualified parameter: the record whose value it takes} for the plasticity-layer
        settings (bdnf, trkb, stress) that differ from the reference, the first entry of each
        table (`mechanisms.plasticity.SUBJECT_SETTINGS`), which keeps the modules' defaults."""
        from .mechanisms.plasticity import SUBJECT_SETTINGS

        out: dict[str, Parameter] = {}
        for name, table in SUBJECT_SETTINGS.items():
            out.update(table[getattr(self, name)])
        return out
