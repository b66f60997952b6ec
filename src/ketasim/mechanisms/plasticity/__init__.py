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
from ...parameters import Parameter, p
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

# Patient/animal settings -> the parameter records that give their values (GENOTYPE_PARAMETERS),
# used by ketasim.patient; records, not bare numbers, so a setting carries its provenance into
# the parameter catalogue (an experiment on Met/Met patients depends on chen2006's value).
GENOTYPE_PARAMETERS = (
    p("met_met_regulated_secretion", 0.7, "1", "chen2006",
      "regulated BDNF secretion of Met/Met relative to Val/Val",
      note="Egan 2003 and Chen 2006: depolarisation-induced (regulated) secretion of Met-BDNF is reduced, "
           "constitutive secretion unchanged; the ~30% reduction is the order reported for Met/Met neurons "
           "but the exact percentage was NOT confirmed at source (abstracts only)"),
    p("val_met_regulated_secretion", 0.82, "1", "chen2006",
      "regulated BDNF secretion of Val/Met relative to Val/Val",
      note="heterozygotes in between (~18% reduction); percentage NOT confirmed at source"),
    p("met_met_dendritic_translation", 0.5, "1", "assumed",
      "dendritic (Autry-route) BDNF translation of Met/Met relative to Val/Val",
      note="Liu 2012: Met impairs trafficking of BDNF mRNA to dendrites, where ketamine-triggered translation "
           "happens; no fraction was given, half assumed"),
    p("val_met_dendritic_translation", 0.75, "1", "assumed",
      "dendritic (Autry-route) BDNF translation of Val/Met relative to Val/Val",
      note="midway between Val/Val and Met/Met (one Met allele)"),
    p("knockout_trkb_expression", 0.0, "1", "assumed",
      "TrkB expression of a TrkB (Ntrk2) deletion relative to wild type",
      note="a deletion leaves no receptor: zero by definition, not a measured value"),
    p("chronic_stress_spine_setpoint", 0.8, "1", "assumed",
      "PFC spine density under chronic stress (depressed-like state) relative to healthy",
      note="chronic stress and corticosterone reduce PFC spine density (Li 2011, li2011, via Duman's reviews; "
           "Moda-Sava 2019: branch-specific spine elimination); 20% fewer is a round value, not a measured one"),
)
_G = {q.name: q for q in GENOTYPE_PARAMETERS}
# Patient field -> setting -> {qualified parameter: the record that sets it}. The first setting
# of each field is the reference: it sets nothing (the modules' own values, 1, hold), so a
# default patient also runs on a model without the plasticity layer.
SUBJECT_SETTINGS: dict[str, dict[str, dict[str, Parameter]]] = {
    "bdnf": {
        "val/val": {},
        "val/met": {"plasticity_bdnf.regulated_secretion_factor": _G["val_met_regulated_secretion"],
                    "plasticity_bdnf.dendritic_translation_factor": _G["val_met_dendritic_translation"]},
        "met/met": {"plasticity_bdnf.regulated_secretion_factor": _G["met_met_regulated_secretion"],
                    "plasticity_bdnf.dendritic_translation_factor": _G["met_met_dendritic_translation"]},
    },
    "trkb": {"wt": {}, "knockout": {"plasticity_trkb.trkb_expression": _G["knockout_trkb_expression"]}},
    "stress": {"none": {}, "chronic": {"plasticity_spines.spine_setpoint": _G["chronic_stress_spine_setpoint"]}},
}

OBSERVABLES = ("ampa_activation", "eef2_phosphorylation", "bdnf", "trkb_activity", "mtorc1_activity",
               "synaptic_proteins", "spine_density", "synaptic_strength")


def modules(hyp: dict[str, str], drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """The plasticity modules for hypotheses `hyp` (already resolved) and regimen drugs."""
    antibody = "anti_bdnf" in drugs
    rapamycin = "rapamycin" in drugs
    mods = [ampa_module(hyp.get("glutamate_surge", SURGE_VALUES[0]), ect="ect" in drugs), EEF2, bdnf_module(antibody), TRKB,
            mtorc1_module(rapamycin), PROTEINS, SPINES]
    if antibody:
        mods.append(ANTI_BDNF)
    if rapamycin:
        mods.append(RAPAMYCIN_BRAIN)
    return tuple(mods)
