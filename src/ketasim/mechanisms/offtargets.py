"""Off-target receptors of ketamine and its metabolites: occupancy at equilibrium.

Binding is fast next to the slow model's minutes, so each target is an equilibrium of
ligands competing for one site: occupancy by ligand i is (C_i/K_i) / (1 + sum_j C_j/K_j).
Brain levels are the effect-site (plasma-equivalent) concentrations of the PK modules.

- mu, kappa, delta opioid receptors: S- and R-ketamine (Hirota 1999: racemate Ki 42, 28,
  270 uM; S 2-3 times more potent at mu and kappa), norketamine; naltrexone, when dosed,
  competes (a competitive antagonist). (2R,6R)-HNK did not bind opioid receptors or any
  other proposed ketamine target in a broad screen (Bonaventura 2022), so HNK is not an
  opioid ligand here; the inverse-agonist claim of the project's source documents has no
  affinity value in the primary literature we found, and is not encoded.
- D2: disputed. Hypothesis `ketamine_d2`: `none` (Jordan 2006; Can 2016: no activity up to
  10 uM) or `high_affinity` (Kapur & Seeman 2002: D2High Ki 0.5 uM).
- HCN1: ketamine inhibits HCN1 (Chen 2009).
- alpha7 nicotinic: dehydronorketamine (IC50 55 nM) and HNK/norketamine (active at 1 uM
  or less) are negative allosteric modulators (Moaddel 2013); ketamine IC50 20 uM (Coates
  & Flood 2001).
"""

from __future__ import annotations

from functools import lru_cache

from ..engine.module import Module
from ..parameters import p

_S_OVER_R = 2.5  # Hirota 1999: S is 2-3 times as potent as R at mu and kappa


def _enantiomer_kis(racemic: float) -> tuple[float, float]:
    """Ki of S and R such that a 1:1 mixture has Ki `racemic` and R/S = _S_OVER_R."""
    k_s = racemic * (1.0 + _S_OVER_R) / (2.0 * _S_OVER_R)
    return k_s, _S_OVER_R * k_s


_MOR_S, _MOR_R = _enantiomer_kis(42.0)
_KOR_S, _KOR_R = _enantiomer_kis(28.0)
_NK_NOTE = "no norketamine opioid affinity value was found; taken equal to racemic ketamine's"

PARAMETERS = (
    p("ki_mor_s_ketamine", _MOR_S, "uM", "hirota1999", "S-ketamine Ki at mu (racemate 42 uM, S/R potency 2.5)"),
    p("ki_mor_r_ketamine", _MOR_R, "uM", "hirota1999", "R-ketamine Ki at mu"),
    p("ki_mor_norketamine", 42.0, "uM", "assumed", "norketamine Ki at mu", note=_NK_NOTE),
    p("ki_kor_s_ketamine", _KOR_S, "uM", "hirota1999", "S-ketamine Ki at kappa (racemate 28 uM, S/R potency 2.5)"),
    p("ki_kor_r_ketamine", _KOR_R, "uM", "hirota1999", "R-ketamine Ki at kappa"),
    p("ki_kor_norketamine", 28.0, "uM", "assumed", "norketamine Ki at kappa", note=_NK_NOTE),
    p("ki_dor_ketamine", 270.0, "uM", "hirota1999", "ketamine Ki at delta (no stereoselectivity assumed)"),
    p("ki_mor_naltrexone", 0.3, "nM", "assumed", "naltrexone Ki at mu",
      note="sub-nanomolar affinity of the order of textbook values; no primary binding study was retrieved"),
    p("ki_kor_naltrexone", 1.0, "nM", "assumed", "naltrexone Ki at kappa",
      note="low-nanomolar affinity of the order of textbook values; no primary binding study was retrieved"),
    p("naltrexone_molar_mass", 341.4, "g/mol", "atomic_weights", "molar mass of naltrexone (C20H23NO4)"),
    p("ic50_hcn1_ketamine", 8.0, "uM", "chen2009", "ketamine IC50 at HCN1 channels"),
    p("ic50_a7_dhnk", 0.055, "uM", "moaddel2013", "dehydronorketamine IC50 at alpha7 nAChR"),
    p("ic50_a7_hnk", 1.0, "uM", "assumed", "HNK IC50 at alpha7 nAChR",
      note="Moaddel 2013: HNKs inhibit at 1 uM or less; no IC50 retrieved, the bound is used"),
    p("ic50_a7_norketamine", 1.0, "uM", "assumed", "norketamine IC50 at alpha7 nAChR",
      note="Moaddel 2013: norketamine inhibits at 1 uM or less; no IC50 retrieved, the bound is used"),
    p("ic50_a7_ketamine", 20.0, "uM", "coates2001", "ketamine IC50 at human alpha7 nAChR"),
    p("ki_d2_ketamine", 0.5, "uM", "kapur2002", "ketamine Ki at the D2High state (high_affinity hypothesis only)"),
)

INPUTS = {"brain_s_ketamine": "uM", "brain_r_ketamine": "uM", "brain_norketamine": "uM",
          "brain_ketamine": "uM", "brain_hnk": "uM", "brain_dehydronorketamine": "uM"}


@lru_cache(maxsize=None)
def offtarget_module(d2: str = "none", naltrexone: bool = False) -> Module:
    """Opioid, D2, HCN1 and alpha7 occupancy; `naltrexone` adds it as a competitor."""
    if d2 not in ("none", "high_affinity"):
        raise ValueError(f"unknown D2 variant {d2!r}")
    ntx = " + naltrexone_brain / ki_mor_naltrexone" if naltrexone else ""
    ntx_k = " + naltrexone_brain / ki_kor_naltrexone" if naltrexone else ""
    lines = [
        "mor_ket = brain_s_ketamine / ki_mor_s_ketamine + brain_r_ketamine / ki_mor_r_ketamine "
        "+ brain_norketamine / ki_mor_norketamine : 1",
        "kor_ket = brain_s_ketamine / ki_kor_s_ketamine + brain_r_ketamine / ki_kor_r_ketamine "
        "+ brain_norketamine / ki_kor_norketamine : 1",
        f"mor_occupancy = mor_ket / (1 + mor_ket{ntx}) : 1",
        f"kor_occupancy = kor_ket / (1 + kor_ket{ntx_k}) : 1",
        "dor_occupancy = brain_ketamine / ki_dor_ketamine / (1 + brain_ketamine / ki_dor_ketamine) : 1",
        "hcn1_inhibition = brain_ketamine / (brain_ketamine + ic50_hcn1_ketamine) : 1",
        "a7_load = brain_dehydronorketamine / ic50_a7_dhnk + brain_hnk / ic50_a7_hnk "
        "+ brain_norketamine / ic50_a7_norketamine + brain_ketamine / ic50_a7_ketamine : 1",
        "a7_inhibition = a7_load / (1 + a7_load) : 1",
        ("d2_occupancy = brain_ketamine / (brain_ketamine + ki_d2_ketamine) : 1" if d2 == "high_affinity"
         else "d2_occupancy = 0 : 1"),
    ]
    outputs = ["mor_occupancy", "kor_occupancy", "dor_occupancy", "hcn1_inhibition", "a7_inhibition",
               "d2_occupancy"]
    inputs = dict(INPUTS)
    if naltrexone:
        lines.insert(0, "naltrexone_brain = plasma_naltrexone / naltrexone_molar_mass : nM")
        lines += [f"naltrexone_mor_occupancy = (naltrexone_brain / ki_mor_naltrexone) / (1 + mor_ket{ntx}) : 1"]
        outputs.append("naltrexone_mor_occupancy")
        inputs["plasma_naltrexone"] = "ng/mL"
    return Module(
        name="offtargets",
        doc="Opioid, D2, HCN1 and alpha7 nicotinic receptor occupancy by ketamine and metabolites.",
        equations="\n".join(lines),
        parameters=PARAMETERS,
        inputs=inputs,
        outputs=tuple(outputs),
        descriptions={
            "mor_occupancy": "mu-opioid receptors occupied by ketamine and norketamine",
            "kor_occupancy": "kappa-opioid receptors occupied by ketamine and norketamine",
            "dor_occupancy": "delta-opioid receptors occupied by ketamine",
            "hcn1_inhibition": "HCN1 channel inhibition by ketamine",
            "a7_inhibition": "alpha7 nicotinic receptor inhibition by ketamine metabolites",
            "d2_occupancy": "dopamine D2 receptors occupied by ketamine (hypothesis ketamine_d2)",
            "naltrexone_mor_occupancy": "mu-opioid receptors occupied by naltrexone",
        },
    )


BRAIN_METABOLITES = Module(
    name="brain_metabolites",
    doc="Brain levels of HNK and DHNK (uM), taken equal to the plasma level (fast equilibration assumed).",
    equations="""
    brain_hnk = plasma_hnk / hnk_molar_mass : uM
    brain_dehydronorketamine = plasma_dehydronorketamine / dhnk_molar_mass : uM
    """,
    parameters=(
        p("hnk_molar_mass", 239.70, "g/mol", "atomic_weights", "molar mass of HNK (C12H14ClNO2)"),
        p("dhnk_molar_mass", 221.68, "g/mol", "atomic_weights", "molar mass of DHNK (C12H12ClNO)"),
    ),
    inputs={"plasma_hnk": "ng/mL", "plasma_dehydronorketamine": "ng/mL"},
    outputs=("brain_hnk", "brain_dehydronorketamine"),
    descriptions={"brain_hnk": "brain HNK (plasma-equivalent)",
                  "brain_dehydronorketamine": "brain dehydronorketamine (plasma-equivalent)"},
)
