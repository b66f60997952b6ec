"""Plasticity layer: AMPA activation, BDNF-TrkB, eEF2, mTORC1, synaptic proteins, spines.

The chain (one small module each): glutamate release (circuit) -> AMPA activation ->
activity-dependent BDNF release (gated by the systems layer's opioid signal), with the
Autry route (NMDA block at rest -> eEF2 kinase off -> less phospho-eEF2 -> more dendritic
BDNF translation) feeding the releasable pool -> TrkB -> mTORC1 (p70S6K, 4E-BP1) ->
synaptic proteins -> spine formation/elimination -> `spine_density`, `synaptic_strength`.
Interventions: rapamycin (mTORC1 inhibition; blood-derived or rodent i.c.v.), an
anti-BDNF antibody infused into mPFC (drug `anti_bdnf`, route `intracerebral`); genotypes
(BDNF Val66Met, TrkB deletion) and chronic stress are patient settings (ketasim.patient).

`HYPOTHESES` lists this layer's switches (merged into the registry's); `modules(hyp,
drugs)` returns its mechanism modules for a resolved hypothesis set and the drugs of a
regimen.
"""

from __future__ import annotations

from ...engine.module import Module
from .ampa import SURGE_VALUES, ampa_module
from .bdnf import ANTI_BDNF, bdnf_module
from .eef2 import EEF2
from .mtorc1 import RAPAMYCIN_BRAIN, mtorc1_module
from .proteins import PROTEINS
from .spines import SPINES
from .trkb import TRKB

HYPOTHESES: dict[str, tuple[str, ...]] = {
    # Does the glutamate surge drive AMPA receptors (and so BDNF release)? `none` is the
    # counterfactual of ketamine acting without a surge (NMDA block at rest only).
    "glutamate_surge": SURGE_VALUES,
}

# Patient/animal settings -> parameter values (qualified names). Used by ketasim.patient.
# Val66Met: regulated secretion of Met-BDNF is reduced (Egan 2003; Chen 2004/2006) and BDNF
# mRNA trafficking to dendrites is impaired (Liu 2012, citing Chiaruttini 2009); see the
# references' notes for what could and could not be confirmed.
BDNF_GENOTYPES: dict[str, dict[str, float]] = {
    "val/val": {"plasticity_bdnf.regulated_secretion_factor": 1.0,
                "plasticity_bdnf.dendritic_translation_factor": 1.0},
    "val/met": {"plasticity_bdnf.regulated_secretion_factor": 0.82,
                "plasticity_bdnf.dendritic_translation_factor": 0.75},
    "met/met": {"plasticity_bdnf.regulated_secretion_factor": 0.7,
                "plasticity_bdnf.dendritic_translation_factor": 0.5},
}
TRKB_GENOTYPES: dict[str, dict[str, float]] = {
    "wt": {"plasticity_trkb.trkb_expression": 1.0},
    "knockout": {"plasticity_trkb.trkb_expression": 0.0},
}
# Chronic stress / depressed state: fewer spines in PFC (Moda-Sava 2019; Li 2011 via Duman's
# reviews: chronic stress reduces spine density; 20% fewer is an assumed round value).
STRESS_STATES: dict[str, dict[str, float]] = {
    "none": {"plasticity_spines.spine_setpoint": 1.0},
    "chronic": {"plasticity_spines.spine_setpoint": 0.8},
}

OBSERVABLES = ("ampa_activation", "eef2_phosphorylation", "bdnf", "trkb_activity", "mtorc1_activity",
               "synaptic_proteins", "spine_density", "synaptic_strength")


def modules(hyp: dict[str, str], drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """The plasticity modules for hypotheses `hyp` (already resolved) and regimen drugs."""
    antibody = "anti_bdnf" in drugs
    rapamycin = "rapamycin" in drugs
    mods = [ampa_module(hyp.get("glutamate_surge", SURGE_VALUES[0])), EEF2, bdnf_module(antibody), TRKB,
            mtorc1_module(rapamycin), PROTEINS, SPINES]
    if antibody:
        mods.append(ANTI_BDNF)
    if rapamycin:
        mods.append(RAPAMYCIN_BRAIN)
    return tuple(mods)
