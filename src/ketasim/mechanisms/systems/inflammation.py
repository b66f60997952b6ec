"""Neuroinflammation: IL-6 and the IDO-kynurenine pathway after ketamine.

After one 0.5 mg/kg infusion, plasma IDO was lower than baseline at 230 min, day 1 and
day 3, and kynurenine (KYN) and kynurenic acid (KynA) were higher at days 1 and 3, with
quinolinic acid unchanged and a lower QA/KYN ratio at day 1 (Kadriu et al. 2020,
PMC7225078). Rodent studies show ketamine lowering IL-6 and IDO (Kopra et al. 2021 review).

All relative (1 = drug-free). Ketamine exposure E = brain_ketamine / (brain_ketamine +
EC50) builds a suppression S of inflammatory (IL-6) production that wears off over days;
IL-6 follows production within hours; IDO expression follows IL-6 with a lag; KYN is made by IDO and cleared mostly by kynurenine
3-monooxygenase (KMO, itself inflammation-induced, towards quinolinic acid) and
otherwise by kynurenine aminotransferases (towards KynA). With less KMO, KYN and KynA
rise although IDO falls, and the QA/KYN ratio falls, as observed:

- dS/dt = il6_suppression_rate E (1 - S) - S / suppression_tau
- dIL6/dt = (1 - S - IL6) / il6_tau;  inflammation = IL6
- dIDO/dt = (IL6 ** ido_il6_exponent - IDO) / ido_tau
- kmo = IL6 ** kmo_il6_exponent
- dKYN/dt = (IDO - KYN (kmo_share kmo + 1 - kmo_share)) / kynurenine_tau
- kynurenic_acid = KYN; quinolinic_acid = KYN kmo
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p

PARAMETERS = (
    p("il6_ketamine_ec50", 1.0, "uM", "assumed", "brain ketamine at half-maximal anti-inflammatory action",
      note="of the order of the antidepressant brain level (about 1 uM at the end of 0.5 mg/kg over 40 min)"),
    p("il6_suppression_rate", 0.006, "1/min", "fitted", "build-up of the suppression of IL-6 production per unit exposure",
      note="set so that IDO is about 10% below baseline at day 1 after 0.5 mg/kg (Kadriu 2020, kadriu2020, report a "
           "significant fall at 230 min, day 1 and day 3; magnitudes were not read at the source)"),
    p("suppression_tau", 3.0, "d", "assumed", "time constant of recovery of inflammatory production",
      note="the IDO fall lasted at least 3 days (Kadriu 2020, kadriu2020); a time constant of days"),
    p("il6_tau", 6.0, "h", "assumed", "time constant of plasma IL-6 following its production",
      note="plasma IL-6 turns over within hours"),
    p("ido_il6_exponent", 0.5, "1", "assumed", "sensitivity of IDO expression to IL-6 (log-log)",
      note="IDO is induced by inflammatory cytokines; partial dependence"),
    p("ido_tau", 6.0, "h", "assumed", "time constant of IDO expression",
      note="IDO was already lower at 230 min (Kadriu 2020, kadriu2020)"),
    p("kmo_il6_exponent", 1.0, "1", "assumed", "sensitivity of KMO activity to IL-6 (log-log)",
      note="KMO is inflammation-induced; stronger than IDO's dependence so that KYN rises as observed"),
    p("kmo_share", 0.8, "1", "assumed", "share of kynurenine cleared through KMO at baseline",
      note="KMO is the main peripheral route (liver); KATs make the rest into KynA"),
    p("kynurenine_tau", 4.0, "h", "assumed", "turnover time of plasma kynurenine",
      note="hours; not measured in the source"),
)

INFLAMMATION = Module(
    name="inflammation",
    doc=__doc__.split("\n\n")[0],
    equations="""
    ketamine_anti_inflammatory = brain_ketamine / (brain_ketamine + il6_ketamine_ec50) : 1
    dil6_suppression/dt = il6_suppression_rate * ketamine_anti_inflammatory * (1 - il6_suppression) - il6_suppression / suppression_tau : 1
    dil6/dt = (1 - il6_suppression - il6) / il6_tau : 1
    dido/dt = (il6 ** ido_il6_exponent - ido) / ido_tau : 1
    kmo_activity = il6 ** kmo_il6_exponent : 1
    dkyn/dt = (ido - kyn * (kmo_share * kmo_activity + 1 - kmo_share)) / kynurenine_tau : 1
    inflammation = il6 : 1
    ido_level = ido : 1
    kynurenine = kyn : 1
    kynurenic_acid = kyn : 1
    quinolinic_acid = kyn * kmo_activity : 1
    """,
    parameters=PARAMETERS,
    inputs={"brain_ketamine": "uM"},
    outputs=("inflammation", "ido_level", "kynurenine", "kynurenic_acid", "quinolinic_acid"),
    initial={"il6": 1.0, "ido": 1.0, "kyn": 1.0},
    descriptions={
        "inflammation": "inflammatory tone (IL-6) relative to drug-free",
        "ido_level": "indoleamine 2,3-dioxygenase relative to drug-free",
        "kynurenine": "plasma kynurenine relative to drug-free",
        "kynurenic_acid": "plasma kynurenic acid relative to drug-free (equal to kynurenine's: formed by "
                          "aminotransferases in first order in KYN)",
        "quinolinic_acid": "plasma quinolinic acid relative to drug-free",
    },
)
