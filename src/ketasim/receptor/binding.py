"""Equilibrium binding assays on the off-target module's own equations.

An in-vitro binding or inhibition curve (a drug swept over concentrations, one target)
is computed by evaluating the slow model's `offtargets` module with the drug as its only
input, so the assay and the slow model share one declaration.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..choices import unknown_name
from ..engine.evaluate import evaluate_module
from ..errors import InputError
from ..mechanisms.offtargets import offtarget_module
from .ligands import species_of

# species -> the off-target module's brain input (norketamine enters as S + R)
_INPUT_OF = {"s_ketamine": "brain_s_ketamine", "r_ketamine": "brain_r_ketamine",
             "s_norketamine": "brain_norketamine", "r_norketamine": "brain_norketamine",
             "hnk": "brain_hnk", "dehydronorketamine": "brain_dehydronorketamine"}

TARGETS = {"mor": "mor_occupancy", "kor": "kor_occupancy", "dor": "dor_occupancy",
           "d2": "d2_occupancy", "hcn1": "hcn1_inhibition", "a7": "a7_inhibition"}


class BindingError(InputError):
    """A binding assay is invalid."""


def occupancy_curve(target: str, drug: str, concentrations_um: np.ndarray,
                    hypotheses: Mapping[str, str] | None = None,
                    overrides: Mapping[str, float] | None = None) -> np.ndarray:
    """Occupancy (or inhibition) of `target` against drug concentration (uM)."""
    if target not in TARGETS:
        raise BindingError(unknown_name("protocol.in_vitro.target", "target", target, ("nmda", *TARGETS)))
    d2 = dict(hypotheses or {}).get("ketamine_d2", "none")
    module = offtarget_module(d2=d2)
    c = np.asarray(concentrations_um, dtype=float)
    inputs: dict[str, np.ndarray] = {}
    for k, share in species_of(drug, 1.0, tuple(_INPUT_OF), "protocol.in_vitro.drug").items():
        inputs[_INPUT_OF[k]] = inputs.get(_INPUT_OF[k], 0.0) + share * c
    inputs["brain_ketamine"] = inputs.get("brain_s_ketamine", 0.0) + inputs.get("brain_r_ketamine", 0.0)
    try:
        env = evaluate_module(module, inputs, {k.removeprefix("offtargets."): v for k, v in dict(overrides or {}).items()})
    except InputError as exc:
        raise BindingError(f"protocol.{exc}") from None
    return np.broadcast_to(env[TARGETS[target]], c.shape).astype(float)
