"""Acute effects of a dose: dissociation (CADSS), sedation and analgesia.

All three read the brain effect-site levels of the PK layer (plasma-equivalent, with the
ke0 lag, so they peak at the end of an infusion and fade as ketamine redistributes) or
the receptor layer's NMDA block. One module per observable:

- `cadss`: the Clinician-Administered Dissociative States Scale total (0-92; Bremner
  1998), a sigmoid Emax function of the racemate-equivalent effect-site concentration
  C_eq = C_S / potency_S + C_R / potency_R, each enantiomer weighted by its NMDA affinity
  relative to the racemate (Ebert 1997: Ki 0.30 and 1.40 uM; the receptor layer's own
  records), so esketamine is 1.65 times as potent per micromole as the racemate (about
  twice, clinically). cadss = cadss_emax C_eq^n / (C_eq^n + cadss_ec50^n) with n = 2: the
  curve is nearly straight between 50 and 200 ng/mL (Bowdle 1998: psychedelic effects
  linear in steady-state plasma ketamine over that range) and nearly flat below 40 ng/mL,
  so dissociation resolves within about 1.5-2 h of the end of an infusion.
- `sedation`: probability of no response to verbal command (the hypnotic end point; 1 =
  anaesthesia, unresponsive). Hill function of U = C_eq / sedation_ec50_ketamine
  (+ plasma_midazolam / sedation_ec50_midazolam when midazolam is dosed): the hypnotic
  effects of the two add in potency units (Hong 1993: additive, no interaction);
  sedation = U^h / (1 + U^h). Ketamine's EC50 is the level at which patients recover
  from ketamine anaesthesia (Idvall 1979: 2.7 umol/L); midazolam's the ICU level for
  no response to normal voice (Barr 2001: Ramsay score >= 4, 208 ng/mL).
- `analgesia`: fraction of maximal pain relief. NMDA block of principal neurons (the
  receptor layer's `nmda_block_pyramidal`) relieves pain as a Hill function, and mu-opioid
  occupancy adds independently: analgesia = 1 - (1 - A_nmda)(1 - e_mor mor_occupancy).
  At clinical levels the opioid term is at most a few per cent (occupancy under 3% after
  0.5 mg/kg), so a naltrexone-blocked opioid share barely changes analgesia.
"""

from __future__ import annotations

from functools import lru_cache

from ...engine.module import Module
from ...parameters import p
from ...receptor.parameters import NMDA_PARAMETERS

_POTENCY = tuple(r for r in NMDA_PARAMETERS if r.name in ("potency_s_ketamine", "potency_r_ketamine"))
assert len(_POTENCY) == 2

KETAMINE_EQUIVALENT = Module(
    name="ketamine_equivalent",
    doc="Racemate-equivalent effect-site ketamine: the enantiomers weighted by their NMDA affinities.",
    equations="ketamine_equivalent = brain_s_ketamine / potency_s_ketamine + brain_r_ketamine / potency_r_ketamine : uM",
    parameters=_POTENCY,
    inputs={"brain_s_ketamine": "uM", "brain_r_ketamine": "uM"},
    outputs=("ketamine_equivalent",),
    descriptions={"ketamine_equivalent": "racemate-equivalent effect-site ketamine (enantiomers by NMDA affinity)"},
)
KETAMINE_INPUTS = {"ketamine_equivalent": "uM"}

CADSS_PARAMETERS = (
    p("cadss_hill", 2.0, "1", "assumed", "steepness of the CADSS concentration-effect curve",
      note="with n = 2 and the EC50 below, the curve's inflection (EC50/sqrt 3, about 120 ng/mL) sits in the "
           "middle of Bowdle 1998's range (bowdle1998), so the effect is nearly linear from 50 to 200 ng/mL (their R 0.93-0.99) "
           "and close to zero below 40 ng/mL, where dissociation has resolved clinically (1.5-2 h after dosing: "
           "Spravato label, spravato_label; Murrough 2013, murrough2013)", lower=1.0, upper=4.0),
    p("cadss_ec50", 0.9, "uM", "assumed", "racemate-equivalent effect-site level at half-maximal CADSS",
      note="about 214 ng/mL racemic ketamine: in Bowdle's dose-ranging study (bowdle1998) most psychedelic items reached "
           "37-89% of their maximal possible rating at 200 ng/mL (Duke conference abstract of the same study), "
           "so 200 ng/mL is near the half-maximal level", lower=0.2, upper=5.0),
    p("cadss_emax", 12.56, "1", "fitted", "CADSS total at saturating subanaesthetic levels",
      note="set so that the standard 0.5 mg/kg infusion (end-of-infusion plasma 185 ng/mL, Zanos 2018, zanos2018) "
           "peaks at the mean CADSS total of 7.7 points reported for 110 patients receiving IV ketamine for mood "
           "disorders (van Schalkwyk et al. 2018, J Affect Disord 227:11; vanschalkwyk2018), by `ketasim fit "
           "--parameter dissociation.cadss_emax --experiment clinical-acute-cadss-standard-infusion:0` (7 steps); "
           "refitted when the effect site came to follow arterial plasma (21.1 before, 18.0 under Domino). "
           "The scale's own maximum is 92 (23 items x 4, Bremner 1998, bremner1998), "
           "reached by no subanaesthetic dose", lower=0.0, upper=92.0),
)

CADSS = Module(
    name="dissociation",
    doc="Dissociation (CADSS total) from the effect-site ketamine level, enantiomers weighted by NMDA affinity.",
    equations="""
    dissociative_load = ketamine_equivalent / cadss_ec50 : 1
    cadss = cadss_emax * dissociative_load ** cadss_hill / (1 + dissociative_load ** cadss_hill) : 1
    """,
    parameters=CADSS_PARAMETERS,
    inputs=KETAMINE_INPUTS,
    outputs=("cadss",),
    descriptions={"cadss": "Clinician-Administered Dissociative States Scale total (0-92 points)"},
)

SEDATION_PARAMETERS = (
    p("sedation_ec50_ketamine", 2.7, "uM", "idvall1979",
      "racemate-equivalent level at which half the patients do not respond to verbal command",
      note="patients recovered from ketamine anaesthesia (2 mg/kg induction, infusion, N2O) at 2.7 +/- 0.9 umol/L "
           "plasma ketamine (about 640 ng/mL); anaesthesia was maintained at 9.3 umol/L", lower=0.5, upper=10.0),
    p("sedation_hill", 3.0, "1", "assumed", "steepness of the hypnotic concentration-effect curve",
      note="hypnotic end points of intravenous anaesthetics are steep; n = 3 was chosen to keep the standard "
           "0.5 mg/kg infusion (about 1 uM at its end when this was chosen) under 5% while Idvall's maintenance level "
           "(9.3 uM; idvall1979) gives over 95%; since the effect site follows arterial plasma (1.14 uM at the "
           "infusion's end) that infusion peaks at 6.9%",
      lower=1.0, upper=8.0),
)

MIDAZOLAM_SEDATION = p("sedation_ec50_midazolam", 208.0, "ng/mL", "barr2001",
                       "plasma midazolam at which half the patients do not respond to normal voice",
                       note="C50 for a Ramsay sedation score of 4 or more (asleep, responding only to a glabellar tap or "
                            "loud stimulus) in ICU patients; some also received fentanyl, which lowers it",
                       lower=50.0, upper=600.0)


@lru_cache(maxsize=None)
def sedation_module(midazolam: bool = False) -> Module:
    """Hypnotic effect of ketamine, plus midazolam's in potency units when it is dosed (Hong 1993: additive)."""
    potency = "ketamine_equivalent / sedation_ec50_ketamine"
    inputs = dict(KETAMINE_INPUTS)
    params = SEDATION_PARAMETERS
    if midazolam:
        potency += " + plasma_midazolam / sedation_ec50_midazolam"
        inputs["plasma_midazolam"] = "ng/mL"
        params = params + (MIDAZOLAM_SEDATION,)
    return Module(
        name="sedation",
        doc="Sedation (probability of no response to verbal command) from ketamine and, when dosed, midazolam.",
        equations=f"""
        hypnotic_load = {potency} : 1
        sedation = hypnotic_load ** sedation_hill / (1 + hypnotic_load ** sedation_hill) : 1
        """,
        parameters=params,
        inputs=inputs,
        outputs=("sedation",),
        descriptions={"sedation": "sedation: probability of no response to verbal command (1 = unresponsive)"},
    )


ANALGESIA_PARAMETERS = (
    p("analgesia_block50", 0.08, "1", "fitted", "NMDA block of principal neurons at half-maximal analgesia",
      note="the block this model's receptor layer gives at a steady plasma racemic ketamine level of about 100 ng/mL, "
           "the middle of the analgesic band 70-160 ng/mL (Zanos 2018 Table 1, zanos2018, 0.15 mg/kg IV)", lower=0.01, upper=0.5),
    p("analgesia_hill", 2.0, "1", "assumed", "steepness of the analgesia-block relation",
      note="a sigmoid with n = 2 keeps subanalgesic levels (below 50 ng/mL) under 30% relief and anaesthetic "
           "levels near complete relief; no quantitative slope was found", lower=1.0, upper=4.0),
    p("analgesia_mor_efficacy", 1.0, "1", "assumed", "analgesia per unit mu-opioid occupancy by ketamine",
      note="upper bound (a full agonist's pain relief equal to its occupancy, no receptor reserve); ketamine's "
           "efficacy at mu receptors is not established, and its occupancy at clinical levels is a few per cent, "
           "so this term adds little", lower=0.0, upper=1.0),
)

ANALGESIA = Module(
    name="analgesia",
    doc="Analgesia from NMDA block of principal neurons, with an independent mu-opioid contribution.",
    equations="""
    analgesia_nmda = nmda_block_pyramidal ** analgesia_hill / (nmda_block_pyramidal ** analgesia_hill + analgesia_block50 ** analgesia_hill) : 1
    analgesia = 1 - (1 - analgesia_nmda) * (1 - analgesia_mor_efficacy * mor_occupancy) : 1
    """,
    parameters=ANALGESIA_PARAMETERS,
    inputs={"nmda_block_pyramidal": "1", "mor_occupancy": "1"},
    outputs=("analgesia",),
    descriptions={"analgesia": "analgesia: fraction of maximal pain relief (0 none, 1 complete)"},
)


def acute_modules(drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """CADSS, sedation (with midazolam's share when it is dosed) and analgesia."""
    return (KETAMINE_EQUIVALENT, CADSS, sedation_module(midazolam="midazolam" in drugs), ANALGESIA)
