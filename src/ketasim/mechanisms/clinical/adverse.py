"""Adverse effects of repeated (recreational) use: bladder damage and dependence.

Both are slow states driven by what each dose leaves behind, so their risk depends on the
dose, the frequency of use and the time since stopping; one module per observable:

- `bladder_risk`: ketamine and norketamine are excreted in urine, and ketamine uropathy
  (ulcerative cystitis) follows chronic, frequent use. Urinary levels are taken as
  proportional to plasma levels, so a urothelial damage state D integrates plasma
  ketamine + norketamine (relative to a reference level) and is repaired with a time
  constant of a year once use stops:
      dD/dt = bladder_injury_rate (C_ket + C_nk) / bladder_reference_level - D / bladder_repair_tau
  and the probability of ketamine-attributable lower-urinary-tract symptoms is
  bladder_risk = 1 - exp(-D) (D is the expected number of symptom-producing lesions; at
  low damage the risk is proportional to exposure). This is the excess over the
  background prevalence of urinary symptoms (about a quarter of drug users who never
  took ketamine report some: Pal 2013).
- `abuse_liability`: dependence is learned through repeated reinforcement. A drug-seeking
  state W integrates the striatal dopamine reward drive of each dose, which already falls
  with the systems layer's dopamine tolerance (Lindefors 1997), and extinguishes during
  abstinence:
      dW/dt = abuse_reinforcement_rate dopamine_reward_drive - W / abuse_extinction_tau
  and the probability of dependence under the pattern of use so far is
  abuse_liability = 1 - exp(-W).
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p

BLADDER = Module(
    name="bladder",
    doc="Urothelial damage from urinary ketamine and norketamine; probability of urinary symptoms.",
    equations="""
    urinary_exposure = (plasma_ketamine + plasma_norketamine) / bladder_reference_level : 1
    durothelial_damage/dt = bladder_injury_rate * urinary_exposure - urothelial_damage / bladder_repair_tau : 1
    bladder_risk = 1 - exp(-urothelial_damage) : 1
    bladder_damage = urothelial_damage : 1
    """,
    parameters=(
        p("bladder_reference_level", 100.0, "ng/mL", "assumed",
          "plasma ketamine + norketamine that defines unit urinary exposure",
          note="a scale only (the injury rate is per unit of this level); of the order of a recreational "
               "intranasal dose's plasma peak"),
        p("bladder_injury_rate", 3.0e-4, "1/d", "fitted",
          "urothelial damage per day of exposure at the reference level",
          note="set so that heavy use (1 g intranasal racemic ketamine once a day, assumed) gives a symptom "
               "probability of 0.6 after two years: LUTS began 24.7 +/- 26.4 months after the start of abuse in 106 "
               "rehabilitation-centre users (Li 2019, li2019); an onset time with mean = SD (exponential) has 62% of onsets "
               "by 24 months", lower=0.0),
        p("bladder_repair_tau", 365.0, "d", "assumed", "time constant of urothelial repair after use stops",
          note="about half the symptomatic users improve within a year of stopping (Winstock 2012: 51% improved, "
               "3.8% deteriorated; Li 2019: 83.5% improved); a year halves the damage in 8 months; chosen with the "
               "finding of clinical-adverse-bladder-stopping in view (Winstock's improvement on stopping, not the "
               "prevalence among recent users that another experiment tests)",
          lower=30.0, upper=3650.0),
    ),
    inputs={"plasma_ketamine": "ng/mL", "plasma_norketamine": "ng/mL"},
    outputs=("bladder_risk", "bladder_damage"),
    descriptions={
        "bladder_risk": "probability of ketamine-attributable lower-urinary-tract symptoms (0-1)",
        "bladder_damage": "urothelial damage (expected number of symptom-producing lesions)",
    },
)

ABUSE = Module(
    name="abuse",
    doc="Reinforcement history from the striatal dopamine reward drive; probability of dependence.",
    equations="""
    ddrug_seeking/dt = abuse_reinforcement_rate * dopamine_reward_drive - drug_seeking / abuse_extinction_tau : 1
    abuse_liability = 1 - exp(-drug_seeking) : 1
    reinforcement_history = drug_seeking : 1
    """,
    parameters=(
        p("abuse_reinforcement_rate", 2.9e-3, "1/d", "fitted",
          "growth of the drug-seeking state per day at unit dopamine reward drive",
          note="set so that a year of weekly recreational use (250 mg intranasal racemic ketamine per session, two "
               "125 mg lines an hour apart, assumed) gives the 17% dependence among past-year users of Winstock 2012 (winstock2012)",
          lower=0.0),
        p("abuse_extinction_tau", 180.0, "d", "assumed", "time constant of extinction of drug seeking in abstinence",
          note="dependence remits over months of abstinence; no time course for ketamine was found",
          lower=14.0, upper=3650.0),
    ),
    inputs={"dopamine_reward_drive": "1"},
    outputs=("abuse_liability", "reinforcement_history"),
    descriptions={
        "abuse_liability": "probability of ketamine dependence under the pattern of use so far (0-1)",
        "reinforcement_history": "drug-seeking state learned from the dopamine reward of past doses",
    },
)


def adverse_modules(drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """Bladder damage and dependence (present in every regimen; zero without ketamine)."""
    return (BLADDER, ABUSE)
