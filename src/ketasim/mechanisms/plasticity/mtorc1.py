"""mTORC1 activity and its substrates p70S6K and 4E-BP1.

TrkB drives mTORC1 (through PI3K-Akt); the rest of its drive (amino acids, other growth
factors) is constant. Activity relaxes to drive / drug-free drive with a first-order lag
and is inhibited by brain rapamycin (`rapamycin_inhibition`, when dosed). `mtorc1_activity`
is relative to the subject's own drug-free state; p70S6K and 4E-BP1 phosphorylation are
its direct substrates and are taken proportional to it (Li et al. 2010 saw all three rise
and fall together).
"""

from __future__ import annotations

from functools import lru_cache

from ...engine.module import Module
from ...parameters import p

PARAMETERS = (
    p("trkb_mtor_share", 0.9, "1", "assumed", "share of drug-free mTORC1 drive that comes from TrkB",
      lower=0.0, upper=1.0,
      note="BDNF-TrkB is the main growth-factor input to mTORC1 in cortical neurons and ketamine's mTORC1 "
           "activation needs BDNF (Lepack 2015, lepack2015; Autry 2011, autry2011); the remainder stands for amino-acid and "
           "other inputs; no quantitative split was found"),
    p("tau_mtorc1", 10.0, "min", "assumed", "time constant of mTORC1 substrate (de)phosphorylation",
      note="kinase-phosphatase cycles of minutes; Li 2010 (li2010) saw phosphorylation within 30 min"),
)


@lru_cache(maxsize=None)
def mtorc1_module(rapamycin: bool = False) -> Module:
    inh = " * (1 - rapamycin_inhibition)" if rapamycin else ""
    inputs = {"trkb_signal": "1", "trkb_signal_baseline": "1"}
    if rapamycin:
        inputs["rapamycin_inhibition"] = "1"
    return Module(
        name="plasticity_mtorc1",
        doc=__doc__.split("\n\n")[0],
        equations=f"""
        drive = 1 - trkb_mtor_share + trkb_mtor_share * trkb_signal : 1
        drive_base = 1 - trkb_mtor_share + trkb_mtor_share * trkb_signal_baseline : 1
        dmtor/dt = (drive / drive_base{inh} - mtor) / tau_mtorc1 : 1
        mtorc1_activity = mtor : 1
        p70s6k_phosphorylation = mtorc1_activity : 1
        eif4ebp1_phosphorylation = mtorc1_activity : 1
        """,
        parameters=PARAMETERS,
        inputs=inputs,
        outputs=("mtorc1_activity", "p70s6k_phosphorylation", "eif4ebp1_phosphorylation"),
        initial={"mtor": 1.0},
        descriptions={"mtorc1_activity": "mTORC1 activity relative to the drug-free state",
                      "p70s6k_phosphorylation": "phospho-p70S6K relative to drug-free (mTORC1 substrate)",
                      "eif4ebp1_phosphorylation": "phospho-4E-BP1 relative to drug-free (mTORC1 substrate)"},
    )


RAPAMYCIN_BRAIN = Module(
    name="plasticity_rapamycin",
    doc="Rapamycin in the brain (from blood, or given i.c.v. in rodents) and its mTORC1 inhibition.",
    equations="""
    dA_icv/dt = -A_icv / tau_rapamycin_brain : mg
    brain_rapamycin = (A_icv / icv_distribution_volume + plasma_rapamycin * rapamycin_brain_blood_ratio) / rapamycin_molar_mass : nM
    rapamycin_inhibition = brain_rapamycin / (brain_rapamycin + rapamycin_ic50) : 1
    """,
    parameters=(
        p("tau_rapamycin_brain", 12.0, "h", "assumed", "residence time of i.c.v. rapamycin in brain tissue",
          note="lipophilic and tightly bound to FKBP12, rapamycin is cleared from tissue slowly; no brain "
               "washout value was retrieved. Only its presence during the first hours after ketamine matters here"),
        p("icv_distribution_volume", 2.0, "mL", "assumed", "volume an i.c.v. dose spreads into (rat)",
          species="rat", note="about the rat brain volume (~2 g)"),
        p("icv_distribution_volume", 0.45, "mL", "assumed", "volume an i.c.v. dose spreads into (mouse)",
          species="mouse", note="about the mouse brain volume (~0.45 g)"),
        p("icv_distribution_volume", 1300.0, "mL", "assumed", "brain volume (human; i.c.v. is refused in humans)",
          species="human", note="adult brain volume; present only so the module is complete for every species"),
        p("rapamycin_brain_blood_ratio", 0.1, "1", "assumed",
          "brain to whole-blood rapamycin concentration ratio",
          note="rapamycin is a P-glycoprotein substrate with limited brain penetration; no human brain:blood "
               "ratio was retrieved"),
        p("rapamycin_molar_mass", 914.2, "g/mol", "atomic_weights", "molar mass of rapamycin (C51H79NO13)"),
        p("rapamycin_ic50", 0.5, "nM", "assumed", "brain rapamycin that halves mTORC1 activity",
          note="rapamycin-FKBP12 inhibits mTORC1 substrate phosphorylation at sub-nanomolar to low-nanomolar "
               "concentrations in cells; no primary IC50 was retrieved"),
    ),
    inputs={"plasma_rapamycin": "ng/mL"},
    outputs=("brain_rapamycin", "rapamycin_inhibition"),
    dose_targets=("A_icv",),
    descriptions={"brain_rapamycin": "brain rapamycin (i.c.v. plus blood-derived)",
                  "rapamycin_inhibition": "fraction of mTORC1 activity inhibited by rapamycin"},
)
