"""Systems layer: dopamine, serotonin (5-HT1B), opioid tone, lateral habenula, inflammation, networks.

`HYPOTHESES` lists this layer's switches (merged into the registry's); `modules(hyp,
drugs)` returns its mechanism modules for a resolved hypothesis set and the drugs of a
regimen.
"""

from __future__ import annotations

from ...engine.module import Module
from .opioid import GATE_VALUES, opioid_module

HYPOTHESES: dict[str, tuple[str, ...]] = {
    # Is opioid signalling required for the antidepressant (plasticity) effect?
    # permissive: Williams et al. 2018 (naltrexone attenuates); none: Yoon et al. 2019, 2025.
    "opioid_gate": ("permissive", "none"),
}
assert set(HYPOTHESES["opioid_gate"]) == set(GATE_VALUES)


def modules(hyp: dict[str, str], drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """The systems modules for hypotheses `hyp` (already resolved) and regimen drugs."""
    naltrexone = "naltrexone" in drugs
    return (opioid_module(hyp["opioid_gate"], naltrexone=naltrexone),)
