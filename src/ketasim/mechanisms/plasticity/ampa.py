"""AMPA receptor activation driven by cortical glutamate release.

`ampa_activation` is the AMPA receptor current onto pyramidal cells relative to the
drug-free state. Receptors are far from saturation at physiological release, so the
current is taken proportional to release (`glutamate_release`, the circuit surrogate's
output). Hypothesis `glutamate_surge`: `circuit` (the surge drives AMPA receptors) or
`none` (the counterfactual in which ketamine acts without a glutamate surge, e.g. the
NMDA-block-at-rest route alone, Autry et al. 2011): the drive is held at its drug-free
value, which removes the surge from everything downstream. With ECT sessions in the
regimen, the seizure drive of the clinical layer (`ect_drive`) adds to the activation.
"""

from __future__ import annotations

from functools import lru_cache

from ...engine.module import Module
from ...parameters import p

SURGE_VALUES = ("circuit", "none")


@lru_cache(maxsize=None)
def ampa_module(surge: str = "circuit", ect: bool = False) -> Module:
    if surge not in SURGE_VALUES:
        raise ValueError(f"unknown glutamate_surge {surge!r}")
    seizure = " + ect_drive" if ect else ""
    if surge == "circuit":
        line = f"ampa_activation = ampa_release_coupling * (glutamate_release - 1) + 1{seizure} : 1"
    else:
        line = f"ampa_activation = 1{seizure} : 1"
    inputs = {"glutamate_release": "1"} if surge == "circuit" else {}
    if ect:
        inputs["ect_drive"] = "1"
    return Module(
        name="plasticity_ampa",
        doc=__doc__.split("\n\n")[0],
        equations=line,
        parameters=(
            p("ampa_release_coupling", 1.0, "1", "assumed",
              "relative rise of AMPA receptor current per relative rise of glutamate release",
              note="AMPA receptors are not saturated by single release events, so the current is taken "
                   "proportional to release; no in-vivo measurement of the coupling was found"),
        ) if surge == "circuit" else (),
        inputs=inputs,
        outputs=("ampa_activation",),
        descriptions={"ampa_activation": "AMPA receptor activation on pyramidal cells relative to drug-free"},
    )
