"""Systems layer: dopamine, serotonin (5-HT1B), opioid tone, lateral habenula, inflammation, networks.

`HYPOTHESES` lists this layer's switches (merged into the registry's); `modules(hyp,
drugs)` returns its mechanism modules for a resolved hypothesis set and the drugs of a
regimen. Empty until the layer is built.
"""

from __future__ import annotations

from ...engine.module import Module

HYPOTHESES: dict[str, tuple[str, ...]] = {}


def modules(hyp: dict[str, str], drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """The systems modules for hypotheses `hyp` (already resolved) and regimen drugs."""
    return ()
