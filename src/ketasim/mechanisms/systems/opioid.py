"""Endogenous opioid tone, naltrexone blockade and the opioid gate on plasticity.

- `opioid_tone`: mu-opioid signalling by endogenous peptides, relative to the drug-free
  state. Release follows cortical activity (`glutamate_release`, with an assumed gain);
  the peptides bind the receptors left free by ketamine/norketamine (`mor_occupancy`)
  and, when dosed, naltrexone (`naltrexone_mor_occupancy`). Endogenous occupancy is low,
  so the signal is release times the free fraction (competitive binding in the
  low-occupancy limit).
- `opioid_gate_signal`: the factor the plasticity layer multiplies its AMPA drive of
  activity-dependent BDNF release by (release ~ (ampa_activation * gate) ** order).
  Hypothesis `opioid_gate`:
  `permissive` (Williams et al. 2018: naltrexone 50 mg attenuated ketamine's antidepressant
  effect, not its dissociation): opioid signalling is required for the activity-driven
  rise of BDNF release. The permissiveness g is a saturating function of the opioid tone,
  1 at the drug-free tone, falling as naltrexone empties the receptors; the gate admits
  the fraction g of the AMPA drive above baseline: ampa_activation * gate = 1 + g
  (ampa_activation - 1). Basal release is untouched (naltrexone alone does not starve
  BDNF release, which would pile up the releasable pool and release it when the
  naltrexone wanes). `none` (Yoon et al. 2019, 2025: no attenuation): the gate is
  identically 1.
  Dissociation reads the NMDA block, which this module does not touch, under both.
"""

from __future__ import annotations

from functools import lru_cache

from ...engine.module import Module
from ...parameters import p

GATE_VALUES = ("permissive", "none")  # the first is the default hypothesis

PARAMETERS = (
    p("opioid_release_gain", 0.5, "1", "assumed",
      "rise of endogenous opioid release per unit rise of cortical glutamate release",
      note="no quantitative coupling of cortical activity to endogenous opioid release was found; "
           "half-proportional is a placeholder that keeps the tone within a few percent of 1 at antidepressant doses"),
    p("opioid_gate_k", 0.3, "1", "assumed",
      "opioid tone (relative) at which the gate is half of its maximum (permissive hypothesis)",
      note="chosen so that the drug-free permissiveness is 0.92 of its maximum (near saturation) and a 90% loss of tone "
           "closes it to about 0.1; Williams 2018 (williams2018) report near-abolition of the response with naltrexone 50 mg"),
    p("opioid_gate_hill", 2.0, "1", "assumed", "steepness of the gate in the opioid tone",
      note="a switch-like dependence; no dose-response of the attenuation was measured"),
)


@lru_cache(maxsize=None)
def opioid_module(gate: str = "none", naltrexone: bool = False) -> Module:
    """`opioid_tone` and `opioid_gate_signal`; `naltrexone` when the regimen doses it."""
    if gate not in GATE_VALUES:
        raise ValueError(f"unknown opioid_gate {gate!r}")
    ntx = " - naltrexone_mor_occupancy" if naltrexone else ""
    lines = [
        "opioid_release = Max(1 + opioid_release_gain * (glutamate_release - 1), 0) : 1",
        f"opioid_tone = opioid_release * (1 - mor_occupancy{ntx}) : 1",
    ]
    if gate == "permissive":
        lines += [
            "gate_raw = opioid_tone ** opioid_gate_hill / (opioid_gate_k ** opioid_gate_hill "
            "+ opioid_tone ** opioid_gate_hill) : 1",
            "gate_max = 1 / (opioid_gate_k ** opioid_gate_hill + 1) : 1",
            # normalised so the drug-free permissiveness is exactly 1; capped at 1 (a rise of
            # the tone above the drug-free level does not open a gate that is already open)
            "opioid_permissiveness = Min(gate_raw / gate_max, 1) : 1",
            "opioid_gate_signal = (1 + opioid_permissiveness * (ampa_activation - 1)) / ampa_activation : 1",
        ]
        params = PARAMETERS
    else:
        lines += ["opioid_permissiveness = 1 : 1", "opioid_gate_signal = 1 : 1"]
        params = PARAMETERS[:1]
    inputs = {"glutamate_release": "1", "mor_occupancy": "1"}
    if gate == "permissive":
        inputs["ampa_activation"] = "1"
    if naltrexone:
        inputs["naltrexone_mor_occupancy"] = "1"
    return Module(
        name="opioid",
        doc=__doc__.split("\n\n")[0],
        equations="\n".join(lines),
        parameters=params,
        inputs=inputs,
        outputs=("opioid_tone", "opioid_permissiveness", "opioid_gate_signal"),
        descriptions={
            "opioid_tone": "endogenous mu-opioid signalling relative to the drug-free state",
            "opioid_permissiveness": "share of the activity-driven rise of BDNF release the opioid system admits (1 = all)",
            "opioid_gate_signal": "opioid gate on activity-dependent BDNF release (1 = open; hypothesis opioid_gate)",
        },
    )
