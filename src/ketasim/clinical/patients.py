"""A virtual patient: covariates, genotypes and the mechanistic parameter vector.

Everything about patient i of an arm is drawn from its own generator, seeded by (trial
seed, arm name, cohort, i), so a patient's draw does not depend on how patients are
chunked or which worker runs them. Parameters with a between-subject CV are drawn
log-normally around their typical value and clipped to their bounds (as in
`ketasim.population`); weight, CYP2B6 and BDNF Val66Met genotypes are covariates applied
through `Patient.overrides`, the same path as a single simulation.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..parameters import p
from ..patient import CYP2B6_GENOTYPES, Patient, default_weight
from ..population import CYP2B6_6_FREQ, WEIGHT_CV, lognormal_parameters
from ..units import to_canonical

BDNF_GENOTYPES = ("val/val", "val/met", "met/met")
MET_ALLELE_FREQ = p("bdnf_met_allele_frequency", 0.2, "1", "pivac2009",
                    "BDNF Val66Met Met-allele frequency of the simulated population",
                    note="about 0.2 in European samples (19.5% in Croatians) and 0.4-0.5 in East Asian ones "
                         "(46.3% in Koreans; Petryshen 2010: 0-72% across 58 populations)")


def patient_rng(seed: int, arm: str, cohort: str, index: int) -> np.random.Generator:
    """The generator of one patient; stable across processes and chunkings."""
    key = [int(seed), zlib.crc32(arm.encode()), zlib.crc32(cohort.encode()), int(index)]
    return np.random.default_rng(np.random.SeedSequence(key))


@dataclass(frozen=True)
class PatientDraw:
    """One patient's covariates and mechanistic parameter vector (canonical units)."""

    weight: float
    cyp2b6: str
    bdnf: str
    params: np.ndarray


def draw_patient(model, rng: np.random.Generator, species: str = "human",
                 met_frequency: float = MET_ALLELE_FREQ.value, bdnf: str | None = None) -> PatientDraw:
    """Covariates and parameters of one patient for an assembled model.

    bdnf: a fixed Val66Met genotype (the draw is still made, so the other covariates do not
    depend on whether the genotype is fixed)."""
    if bdnf is not None and bdnf not in BDNF_GENOTYPES:
        raise InputError(f"bdnf: unknown genotype {bdnf!r} (one of {', '.join(BDNF_GENOTYPES)})")
    prm = lognormal_parameters(model, rng.standard_normal((1, len(model.param_vector))))[0]
    sigma_w = np.sqrt(np.log1p(WEIGHT_CV.value ** 2))
    weight = float(default_weight(species) * np.exp(sigma_w * rng.standard_normal()))
    cyp = CYP2B6_GENOTYPES[rng.binomial(2, CYP2B6_6_FREQ.value)]
    drawn = BDNF_GENOTYPES[rng.binomial(2, met_frequency)]
    bdnf = bdnf or drawn
    index = {s: j for j, s in enumerate(model.param_symbols)}
    for key, value in Patient(species, weight_kg=weight, cyp2b6=cyp, bdnf=bdnf).overrides().items():
        sym = key.replace(".", "__", 1)
        if sym in index:
            prm[index[sym]] = to_canonical(value, model.parameters[key].unit)
    return PatientDraw(weight, cyp, bdnf, prm)
