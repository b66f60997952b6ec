"""Covariate columns of a NONMEM-style table -> the `Patient` of an ID.

| column | unit / coding | Patient field |
|---|---|---|
| WT | kg | `weight_kg` (missing: the species' standard weight, 70 kg) |
| AGE | years | `age_years` |
| CYP2B6 | number of CYP2B6*6 alleles: 0, 1, 2 | `cyp2b6` (*1/*1, *1/*6, *6/*6) |
| BDNF | number of BDNF Met alleles: 0, 1, 2 | `bdnf` (val/val, val/met, met/met) |

Covariates are constant within an ID (the first record's value is the ID's; a different
value later is refused: ketasim has no time-varying covariates). Any other column (SEX,
a study number, ...) is copied to the output unchanged and not used.
"""

from __future__ import annotations

import math
from typing import Mapping

from ..patient import CYP2B6_GENOTYPES, Patient, PatientError
from ..population import BDNF_GENOTYPES

COVARIATES: Mapping[str, str] = {"WT": "kg", "AGE": "years", "CYP2B6": "*6 alleles (0-2)",
                                 "BDNF": "Met alleles (0-2)"}
"""The covariate columns ketasim reads, with their unit or coding."""


def allele_genotype(count: float, genotypes: tuple[str, ...], column: str) -> str:
    """The genotype of an allele count (0, 1 or 2: index into `genotypes`)."""
    if count not in (0, 1, 2):
        raise PatientError(f"{column}: a number of alleles, 0, 1 or 2 (got {count:g})")
    return genotypes[int(count)]


def patient_of(values: Mapping[str, float]) -> Patient:
    """The Patient of an ID from its covariate values (column -> number; NaN: missing).
    Errors name the column ('WT: ...'); the caller adds the row."""
    def given(name: str) -> float | None:
        v = values.get(name)
        return None if v is None or math.isnan(v) else float(v)

    kwargs: dict = {}
    if given("WT") is not None:
        kwargs["weight_kg"] = given("WT")
    if given("AGE") is not None:
        kwargs["age_years"] = given("AGE")
    if given("CYP2B6") is not None:
        kwargs["cyp2b6"] = allele_genotype(given("CYP2B6"), CYP2B6_GENOTYPES, "CYP2B6")
    if given("BDNF") is not None:
        kwargs["bdnf"] = allele_genotype(given("BDNF"), BDNF_GENOTYPES, "BDNF")
    try:
        return Patient(**kwargs)
    except PatientError as exc:   # 'patient.weight: ...' -> 'WT: ...'
        field, _, rest = str(exc).partition(": ")
        column = {"patient.weight": "WT", "patient.age_years": "AGE"}.get(field, field)
        raise PatientError(f"{column}: {rest}") from None
