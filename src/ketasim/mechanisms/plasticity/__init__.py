"""Plasticity layer: AMPA activation, BDNF-TrkB, eEF2, mTORC1, synaptic proteins, spines.

`HYPOTHESES` lists this layer's switches (merged into the registry's); `modules(hyp,
drugs)` returns its mechanism modules for a resolved hypothesis set and the drugs of a
regimen. Empty until the layer is built.
"""

from __future__ import annotations

from ...engine.module import Module

HYPOTHESES: dict[str, tuple[str, ...]] = {}


def modules(hyp: dict[str, str], drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """The plasticity modules for hypotheses `hyp` (already resolved) and regimen drugs."""
    return ()
