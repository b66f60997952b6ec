"""Serotonin: raphe output under AMPA drive, 5-HT1B up-regulation, and SSRI action.

- raphe_drive = (1 + ht_glutamate_gain (cortical_drive - 1)) exp(-lhb_monoamine_weight (lhb_burst_rate - 1)):
  ketamine raises mPFC 5-HT through AMPA-receptor drive of the dorsal raphe from the mPFC
  (an assumed proportional gain), and through release from LHb inhibition.
- 5-HT1B binding H (slow state): dH/dt = ht1b_induction Max(cortical_drive - 1, 0) -
  (H - 1) / ht1b_tau; the up-regulation is AMPA-dependent (Yamanaka 2014, non-human
  primates) and was +16.7% in hippocampus 24-72 h after 0.5 mg/kg (Tiger 2020).
  5-HT1B autoreceptors on 5-HT terminals restrain release: serotonin_pfc / H ** ht1b_auto_exponent.
- Reuptake inhibitors (citalopram, an SSRI; amitriptyline, a TCA): SERT occupancy
  = sum(C_i / EC50_i) / (1 + sum(C_i / EC50_i)) from their plasma levels (competition at
  one site; the TCA's noradrenaline-transporter action is not modelled: the model has no
  noradrenaline system);
  blocked uptake multiplies extracellular 5-HT by uptake_gain = 1 / (1 - uptake_share occupancy);
  somatodendritic 5-HT1A autoreceptors cut raphe firing by 1 / (1 + ht1a_feedback A (uptake_gain - 1)),
  and their sensitivity A desensitises over weeks towards 1 / (1 + ht1a_desensitisation (uptake_gain - 1))
  (Blier & de Montigny): the acute SSRI effect on cortical 5-HT is small and grows over weeks.
"""

from __future__ import annotations

from functools import lru_cache

from ...engine.module import Module
from ...parameters import p
from .habenula import LHB_MONOAMINE_WEIGHT

PARAMETERS = (
    LHB_MONOAMINE_WEIGHT,
    p("ht_glutamate_gain", 1.0, "1", "assumed", "rise of raphe 5-HT output per unit rise of cortical glutamate release",
      note="ketamine's mPFC 5-HT rise needs AMPA receptors (Nishitani 2014); no proportionality constant was found"),
    p("ht1b_induction", 0.011, "1/min", "fitted", "5-HT1B up-regulation per unit excess glutamate release",
      note="set so that 0.5 mg/kg IV over 40 min gives about +17% binding at 24-72 h (Tiger 2020, tiger2020, hippocampus)"),
    p("ht1b_tau", 7.0, "d", "assumed", "time constant of return of 5-HT1B binding to baseline",
      note="Tiger 2020 (tiger2020) scanned once at 24-72 h; a week keeps the rise within that window; no later scan exists"),
    p("ht1b_auto_exponent", 0.5, "1", "assumed", "restraint of 5-HT release by terminal 5-HT1B autoreceptors",
      note="square-root dependence; no quantitative value was found"),
)

SSRI_PARAMETERS = (
    p("sert_ec50_citalopram", 8.0, "ng/mL", "fitted", "plasma citalopram at half-maximal SERT occupancy",
      note="set so that 20 mg/day (model steady state about 30 ng/mL) occupies about 77-80% of SERT "
           "(Meyer 2001, meyer2001; Meyer 2004, meyer2004)"),
)
TCA_PARAMETERS = (
    p("sert_ec50_amitriptyline", 40.0, "ng/mL", "assumed", "plasma amitriptyline at half-maximal SERT occupancy",
      note="chosen so that 150 mg/day (model steady state about 150-200 ng/mL) occupies about 80% of SERT, "
           "the occupancy of SSRIs at clinical doses (Meyer 2004, meyer2004); amitriptyline's SERT affinity is high "
           "(nanomolar) but no PET occupancy at clinical doses was found"),
)
REUPTAKE_PARAMETERS = (
    p("sert_uptake_share", 0.8, "1", "assumed", "share of 5-HT clearance through SERT",
      note="the rest through other transporters and diffusion; bounds the rise at full occupancy to five-fold"),
    p("ht1a_feedback", 1.0, "1", "assumed", "strength of 5-HT1A autoreceptor feedback on raphe firing",
      note="chosen so that acute SSRI leaves cortical 5-HT within tens of percent of baseline (autoreceptor brake)"),
    p("ht1a_desensitisation", 2.0, "1", "assumed", "extent of 5-HT1A autoreceptor desensitisation per unit 5-HT rise",
      note="chosen so that the SSRI's 5-HT rise roughly doubles over weeks"),
    p("ht1a_tau", 14.0, "d", "assumed", "time constant of 5-HT1A autoreceptor desensitisation",
      note="weeks, matching the delayed onset of SSRI action (many STAR*D remitters needed 8 weeks or more; trivedi2006)"),
)


# reuptake inhibitor -> its own parameters (the EC50 is named sert_ec50_<drug>)
INHIBITORS = {"citalopram": SSRI_PARAMETERS, "amitriptyline": TCA_PARAMETERS}


@lru_cache(maxsize=None)
def serotonin_module(inhibitors: tuple[str, ...] = ()) -> Module:
    """The serotonin module; `inhibitors`: the SERT inhibitors of the regimen (sorted names)."""
    lines = [
        "raphe_drive = (1 + ht_glutamate_gain * (cortical_drive - 1)) "
        "* exp(-lhb_monoamine_weight * (lhb_burst_rate - 1)) : 1",
        "dht1b/dt = ht1b_induction * Max(cortical_drive - 1, 0) - (ht1b - 1) / ht1b_tau : 1",
        "ht1b_binding = ht1b : 1",
    ]
    inputs = {"cortical_drive": "1", "lhb_burst_rate": "1"}
    outputs = ["serotonin_pfc", "ht1b_binding"]
    params = PARAMETERS
    if inhibitors:
        ratio = " + ".join(f"plasma_{d} / sert_ec50_{d}" for d in inhibitors)
        lines += [
            f"sert_ratio = {ratio} : 1",
            "sert_occupancy = sert_ratio / (1 + sert_ratio) : 1",
            "uptake_gain = 1 / (1 - sert_uptake_share * sert_occupancy) : 1",
            "dht1a_sensitivity/dt = (1 / (1 + ht1a_desensitisation * (uptake_gain - 1)) - ht1a_sensitivity) / ht1a_tau : 1",
            "raphe_firing = raphe_drive / (1 + ht1a_feedback * ht1a_sensitivity * (uptake_gain - 1)) : 1",
            "serotonin_pfc = raphe_firing * uptake_gain / ht1b ** ht1b_auto_exponent : 1",
            "ht1a_autoreceptor_sensitivity = ht1a_sensitivity : 1",
        ]
        inputs.update({f"plasma_{d}": "ng/mL" for d in inhibitors})
        outputs += ["sert_occupancy", "ht1a_autoreceptor_sensitivity"]
        params = PARAMETERS + REUPTAKE_PARAMETERS + tuple(q for d in inhibitors for q in INHIBITORS[d])
    else:
        lines.append("serotonin_pfc = raphe_drive / ht1b ** ht1b_auto_exponent : 1")
    # the terminal brake: 5-HT1B up-regulation lowers release per impulse; at baseline H = 1
    return Module(
        name="serotonin",
        doc=__doc__.split("\n\n")[0],
        equations="\n".join(lines),
        parameters=params,
        inputs=inputs,
        outputs=tuple(outputs),
        initial={"ht1b": 1.0, **({"ht1a_sensitivity": 1.0} if inhibitors else {})},
        descriptions={
            "serotonin_pfc": "extracellular 5-HT in the medial prefrontal cortex, relative to drug-free",
            "ht1b_binding": "5-HT1B receptor binding relative to drug-free (up-regulated after ketamine)",
            "sert_occupancy": "serotonin transporters occupied by the reuptake inhibitors (citalopram, amitriptyline)",
            "ht1a_autoreceptor_sensitivity": "somatodendritic 5-HT1A autoreceptor sensitivity relative to drug-free",
        },
    )
