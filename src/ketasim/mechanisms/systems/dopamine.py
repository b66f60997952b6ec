"""Dopamine: VTA output driven by cortical glutamate, with tolerance on repeated dosing.

Ketamine raises dopamine through glutamatergic (AMPA) drive of VTA neurons from the
disinhibited cortex, not through the dopamine transporter (Kokkinou et al. 2018 review;
Moghaddam 1997). Here the VTA drive follows the circuit's `glutamate_release` (as `cortical_drive`) and is
released from LHb inhibition when LHb bursting falls (Yang 2018: the LHb inhibits the
aminergic centres):

- vta_drive = (1 + da_glutamate_gain (cortical_drive - 1)) exp(-lhb_monoamine_weight (lhb_burst_rate - 1))
- tolerance T (slow state): dT/dt = da_tolerance_rate Max(vta_drive - 1, 0) - T / da_tolerance_tau;
  the evoked rise is divided by 1 + T (Lindefors 1997: after 7 daily doses the rise is
  almost abolished)
- dopamine_pfc = 1 + da_gain_pfc (vta_drive - 1) / (1 + T)
- dopamine_striatum = (1 + da_gain_striatum (vta_drive - 1) / (1 + T)) ht1b_binding ** da_ht1b_exponent
  (5-HT1B heteroreceptors on GABA terminals disinhibit dopamine release)
- dopamine_reward_drive = Max(dopamine_striatum - 1, 0): the signal for euphoria and abuse
  liability that the clinical layer can read.
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p
from .habenula import LHB_MONOAMINE_WEIGHT

DA_GAIN_PFC = 1.534  # fitted (lindefors1997); the striatal gain is derived from it

PARAMETERS = (
    LHB_MONOAMINE_WEIGHT,
    p("da_glutamate_gain", 1.0, "1", "assumed", "rise of VTA drive per unit rise of cortical glutamate release",
      note="proportional drive; the cortical gain below carries the calibration"),
    p("da_gain_pfc", DA_GAIN_PFC, "1", "fitted", "rise of mPFC dopamine per unit rise of VTA drive",
      note="fitted to the about five-fold transient rise at 25 mg/kg i.p. in rats (Lindefors 1997, lindefors1997): "
           "`ketasim fit --parameter dopamine.da_gain_pfc --experiment systems-lindefors-dopamine-single` gave "
           "1.534 (peak x5.00) with the circuit surrogate rebuilt from 30-s runs over block 0-0.95; it was 2.2 with "
           "the earlier 2-s surrogate, whose glutamate surge at rodent doses was smaller"),
    p("da_gain_striatum", DA_GAIN_PFC * 0.57 / 1.33, "1", "kokkinou2018",
      "rise of striatal dopamine per unit rise of VTA drive",
      note="the cortical gain times the ratio of Hedges' g, striatum 0.57 / cortex 1.33 (Kokkinou 2018), i.e. "
           "assuming equal relative variability of the two regions' measurements"),
    p("da_tolerance_rate", 0.008, "1/min", "fitted", "build-up of dopamine tolerance per unit excess VTA drive",
      note="set so that after 7 daily 25 mg/kg i.p. doses the rise evoked by the 8th is under a quarter of the "
           "first's (Lindefors 1997, lindefors1997: almost complete attenuation)"),
    p("da_tolerance_tau", 3.0, "d", "assumed", "time constant of recovery from dopamine tolerance",
      note="no recovery time course was found; days, so that daily dosing accumulates tolerance"),
    p("da_ht1b_exponent", 0.5, "1", "assumed", "sensitivity of striatal dopamine release to 5-HT1B binding",
      note="5-HT1B heteroreceptors facilitate accumbal dopamine; no quantitative value was found"),
)

DOPAMINE = Module(
    name="dopamine",
    doc=__doc__.split("\n\n")[0],
    equations="""
    vta_drive = (1 + da_glutamate_gain * (cortical_drive - 1)) * exp(-lhb_monoamine_weight * (lhb_burst_rate - 1)) : 1
    dda_tolerance/dt = da_tolerance_rate * Max(vta_drive - 1, 0) - da_tolerance / da_tolerance_tau : 1
    dopamine_pfc = 1 + da_gain_pfc * (vta_drive - 1) / (1 + da_tolerance) : 1
    dopamine_striatum = (1 + da_gain_striatum * (vta_drive - 1) / (1 + da_tolerance)) * ht1b_binding ** da_ht1b_exponent : 1
    dopamine_reward_drive = Max(dopamine_striatum - 1, 0) : 1
    dopamine_tolerance = da_tolerance : 1
    """,
    parameters=PARAMETERS,
    inputs={"cortical_drive": "1", "lhb_burst_rate": "1", "ht1b_binding": "1"},
    outputs=("dopamine_pfc", "dopamine_striatum", "dopamine_reward_drive", "dopamine_tolerance"),
    descriptions={
        "dopamine_pfc": "extracellular dopamine in the medial prefrontal cortex, relative to drug-free",
        "dopamine_striatum": "extracellular dopamine in the striatum, relative to drug-free",
        "dopamine_reward_drive": "striatal dopamine above baseline: the euphoria / abuse-liability signal",
        "dopamine_tolerance": "tolerance of the evoked dopamine rise (0 = none; the rise is divided by 1 + this)",
    },
)
