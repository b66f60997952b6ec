"""Activity-dependent BDNF: dendritic translation, a releasable pool, secretion, clearance.

- Translation into the dendritic releasable pool is de-suppressed when phospho-eEF2 falls
  (the Autry route): rate 1 + autry_gain * dendritic_factor * (1 - eef2_phosphorylation).
- Secretion from the pool has a constitutive part and a regulated (activity-dependent)
  part. The regulated part follows AMPA receptor activation (Lepack et al. 2015: ketamine-
  stimulated BDNF release needs AMPA receptors and L-type Ca2+ channels) and the opioid gate
  of the systems layer (`opioid_gate_signal`, 1 unless hypothesis opioid_gate = permissive
  and naltrexone closes it). Release depletes the pool, so a sustained surge gives a
  transient release.
- BDNF Val66Met: the Met allele lowers regulated (not constitutive) secretion (Egan et al.
  2003; Chen et al. 2006) and dendritic trafficking of BDNF mRNA (Liu et al. 2012), set
  per genotype by `ketasim.patient` through `regulated_secretion_factor` and
  `dendritic_translation_factor`.
- An anti-BDNF antibody infused into mPFC, when dosed, neutralises a fraction of the
  extracellular BDNF (`bdnf_neutralization`, module `plasticity_anti_bdnf`).

`bdnf` is extracellular BDNF relative to the subject's own drug-free level; `bdnf_free`
(the TrkB ligand, not neutralised) is relative to the wild-type drug-free level.
"""

from __future__ import annotations

from functools import lru_cache

from ...engine.module import Module
from ...parameters import p

PARAMETERS = (
    p("autry_gain", 0.2, "1", "fitted",
      "relative rise of dendritic BDNF translation per unit fall of phospho-eEF2",
      note="Autry 2011 (autry2011) show de-suppression of BDNF translation when p-eEF2 falls but the proportionality was "
           "not quantified; kept small so that NMDA block without AMPA activation adds little BDNF release, as "
           "Lepack 2015 (lepack2015) found (ketamine-stimulated BDNF release in cortical neurons blocked by AMPA receptor "
           "inhibition) and as NBQX pretreatment blocks ketamine's mTOR activation (Li 2010, li2010)"),
    p("constitutive_share", 0.2, "1", "assumed",
      "share of drug-free BDNF secretion that is constitutive (activity-independent)", lower=0.0, upper=1.0,
      note="neuronal BDNF is secreted mostly through the regulated pathway; the split in vivo was not found"),
    p("regulated_secretion_factor", 1.0, "1", "assumed",
      "regulated (activity-dependent) BDNF secretion relative to Val/Val", lower=0.0, upper=1.0,
      note="1 for Val/Val; the Met genotypes are set by ketasim.patient (BDNF_GENOTYPES)"),
    p("dendritic_translation_factor", 1.0, "1", "assumed",
      "dendritic (Autry-route) BDNF translation relative to Val/Val", lower=0.0, upper=1.0,
      note="1 for Val/Val; the Met genotypes are set by ketasim.patient (BDNF_GENOTYPES)"),
    p("release_order", 2.0, "1", "assumed",
      "order of regulated BDNF secretion in AMPA receptor activation",
      note="regulated secretion is triggered by Ca2+ entry through L-type channels opened by AMPA "
           "depolarisation (Lepack 2015) and Ca2+-triggered exocytosis is cooperative; second order assumed"),
    p("tau_bdnf_pool", 60.0, "min", "fitted", "turnover time of the dendritic releasable BDNF pool",
      note="set so that the surge-driven release is over by about 2 h, as the mTOR phosphorylation "
           "window of Li et al. 2010 (li2010: up at 30-60 min, back by 2 h) requires"),
    p("tau_bdnf_clear", 15.0, "min", "assumed", "clearance time of extracellular BDNF",
      note="uptake and TrkB-mediated internalisation within tens of minutes; no in-vivo value retrieved"),
)


@lru_cache(maxsize=None)
def bdnf_module(antibody: bool = False) -> Module:
    free = "bdnf_ext * (1 - bdnf_neutralization)" if antibody else "bdnf_ext"
    lines = [
        "translation = 1 + autry_gain * dendritic_translation_factor * (1 - eef2_phosphorylation) : 1",
        "regulated = (1 - constitutive_share) * regulated_secretion_factor : 1",
        "secretion_base = constitutive_share + regulated : 1",
        "secretion = constitutive_share + regulated * (ampa_activation * opioid_gate_signal) ** release_order : 1",
        "dbdnf_pool/dt = (translation - bdnf_pool * secretion / secretion_base) / tau_bdnf_pool : 1",
        "dbdnf_ext/dt = (bdnf_pool * secretion - bdnf_ext) / tau_bdnf_clear : 1",
        "bdnf = bdnf_ext / secretion_base : 1",
        f"bdnf_free = {free} : 1",
        "bdnf_free_baseline = secretion_base : 1",
    ]
    inputs = {"ampa_activation": "1", "eef2_phosphorylation": "1", "opioid_gate_signal": "1"}
    if antibody:
        inputs["bdnf_neutralization"] = "1"
    return Module(
        name="plasticity_bdnf",
        doc=__doc__.split("\n\n")[0],
        equations="\n".join(lines),
        parameters=PARAMETERS,
        inputs=inputs,
        outputs=("bdnf", "bdnf_free", "bdnf_free_baseline"),
        initial={"bdnf_pool": 1.0,
                 "bdnf_ext": "constitutive_share + (1 - constitutive_share) * regulated_secretion_factor"},
        descriptions={"bdnf": "extracellular BDNF in PFC relative to the subject's drug-free level",
                      "bdnf_free": "free (not antibody-bound) extracellular BDNF relative to wild-type drug-free",
                      "bdnf_free_baseline": "drug-free extracellular BDNF of this genotype relative to wild type"},
    )


ANTI_BDNF = Module(
    name="plasticity_anti_bdnf",
    doc="A function-blocking anti-BDNF antibody infused into mPFC: local amount and neutralised fraction.",
    equations="""
    dA_mpfc/dt = -A_mpfc / tau_antibody : mg
    bdnf_neutralization = A_mpfc / (A_mpfc + antibody_half_neutralizing) : 1
    """,
    parameters=(
        p("tau_antibody", 36.0, "h", "assumed", "residence time of the infused antibody in mPFC tissue",
          note="IgG cleared from brain parenchyma over a day or more; Lepack 2015 (lepack2015) tested 24 h after the "
               "infusion, so the antibody is taken to still be present then"),
        p("antibody_half_neutralizing", 0.02, "ug", "assumed",
          "amount of antibody in mPFC that neutralises half the local extracellular BDNF",
          note="Lepack 2015 (lepack2015) infused a large excess (1 ug/ul bilaterally) of a function-blocking antibody; "
               "a half-neutralising amount 50 times below the dose was chosen so the dose neutralises ~98%"),
    ),
    outputs=("bdnf_neutralization",),
    dose_targets=("A_mpfc",),
    descriptions={"bdnf_neutralization": "fraction of mPFC extracellular BDNF bound by the infused antibody"},
)
