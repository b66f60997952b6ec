"""Systems layer: dopamine, serotonin (5-HT1B), opioid tone, lateral habenula, inflammation, networks.

`HYPOTHESES` lists this layer's switches (merged into the registry's); `modules(hyp,
drugs)` returns its mechanism modules for a resolved hypothesis set and the drugs of a
regimen. One concept per file:

- drive.py: `cortical_drive`, the circuit's glutamate release as the layer reads it
- opioid.py: `opioid_tone`, `opioid_gate_signal` (read by the plasticity layer's BDNF release)
- habenula.py: `lhb_burst_rate`, `lhb_nmda_block` (trapping in LHb NMDA receptors)
- dopamine.py: `dopamine_pfc`, `dopamine_striatum`, `dopamine_reward_drive` (tolerance state)
- serotonin.py: `serotonin_pfc`, `ht1b_binding`; with citalopram or amitriptyline `sert_occupancy`
- inflammation.py: `inflammation` (IL-6), IDO, kynurenine, kynurenic and quinolinic acid
- networks.py: `fc_dmn`, `fc_cen`, `fc_sn`, `dmn_cen_anticorrelation`, `global_connectivity`
"""

from __future__ import annotations

from ...engine.module import Module
from .dopamine import DOPAMINE
from .drive import CORTICAL_DRIVE
from .habenula import SUSTAINED_VALUES, habenula_module
from .inflammation import INFLAMMATION
from .networks import NETWORKS
from .opioid import GATE_VALUES, opioid_module
from .serotonin import INHIBITORS as SERT_INHIBITORS, serotonin_module

HYPOTHESES: dict[str, tuple[str, ...]] = {
    # Is opioid signalling required for the antidepressant (plasticity) effect?
    # permissive: Williams et al. 2018 (naltrexone attenuates); none: Yoon et al. 2019, 2025.
    "opioid_gate": GATE_VALUES,
    # Does ketamine trapped in LHb NMDA receptors carry the sustained effect?
    # trapping: Yang 2018, Ma 2023; acute_only: Zhou et al. 2021 (LHb-independent).
    "lhb_sustained": SUSTAINED_VALUES,
}


def modules(hyp: dict[str, str], drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """The systems modules for hypotheses `hyp` (already resolved) and regimen drugs."""
    return (
        opioid_module(hyp["opioid_gate"], naltrexone="naltrexone" in drugs),
        CORTICAL_DRIVE,
        habenula_module(hyp["lhb_sustained"]),
        DOPAMINE,
        serotonin_module(tuple(sorted(d for d in drugs if d in SERT_INHIBITORS))),
        INFLAMMATION,
        NETWORKS,
    )
