"""Equilibrium binding assays on the off-target module's own equations.

An in-vitro binding or inhibition curve (a drug swept over concentrations, one target)
is computed by evaluating the slow model's `offtargets` module with the drug as its only
input, so the assay and the slow model share one declaration.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..errors import InputError
from ..mechanisms.offtargets import offtarget_module
from ..engine.evaluate import evaluate_module

TARGETS = {"mor": "mor_occupancy", "kor": "kor_occupancy", "dor": "dor_occupancy",
           "d2": "d2_occupancy", "hcn1": "hcn1_inhibition", "a7": "a7_inhibition"}

# drug -> shares of the module's brain inputs (racemates 1:1)
BINDING_DRUGS: dict[str, dict[str, float]] = {
    "ketamine": {"brain_s_ketamine": 0.5, "brain_r_ketamine": 0.5},
    "esketamine": {"brain_s_ketamine": 1.0},
    "arketamine": {"brain_r_ketamine": 1.0},
    "norketamine": {"brain_norketamine": 1.0},
    "hnk": {"brain_hnk": 1.0},
    "dehydronorketamine": {"brain_dehydronorketamine": 1.0},
}


class BindingError(InputError):
    """A binding assay is invalid."""


def occupancy_curve(target: str, drug: str, concentrations_um: np.ndarray,
                    hypotheses: Mapping[str, str] | None = None,
                    overrides: Mapping[str, float] | None = None) -> np.ndarray:
    """Occupancy (or inhibition) of `target` against drug concentration (uM)."""
    if target not in TARGETS:
        raise BindingError(f"protocol.in_vitro.target: unknown target {target!r} (one of nmda, {', '.join(TARGETS)})")
    if drug not in BINDING_DRUGS:
        raise BindingError(f"protocol.in_vitro.drug: {drug!r} is not a ligand here (one of {', '.join(BINDING_DRUGS)})")
    d2 = dict(hypotheses or {}).get("ketamine_d2", "none")
    module = offtarget_module(d2=d2)
    c = np.asarray(concentrations_um, dtype=float)
    inputs = {name: share * c for name, share in BINDING_DRUGS[drug].items()}
    inputs["brain_ketamine"] = inputs.get("brain_s_ketamine", 0.0 * c) + inputs.get("brain_r_ketamine", 0.0 * c)
    try:
        env = evaluate_module(module, inputs, {k.removeprefix("offtargets."): v for k, v in dict(overrides or {}).items()})
    except InputError as exc:
        raise BindingError(f"protocol.{exc}") from None
    return np.broadcast_to(env[TARGETS[target]], c.shape).astype(float)
