"""The Autry route: NMDA block at rest -> eEF2 kinase off -> less phospho-eEF2.

Spontaneous (resting) NMDA receptor Ca2+ entry keeps eEF2 kinase (CaMKIII) active; blocking
it deactivates the kinase, eEF2 phosphorylation falls and dendritic BDNF translation is
de-suppressed (Autry et al. 2011). Here kinase activity falls linearly with the pyramidal
NMDA block (`nmda_block_pyramidal`) and phospho-eEF2 follows it with a first-order lag;
`eef2_phosphorylation` is relative to the drug-free state.
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p

EEF2 = Module(
    name="plasticity_eef2",
    doc=__doc__.split("\n\n")[0],
    equations="""
    eef2k_activity = 1 - eef2k_nmda_share * nmda_block_pyramidal : 1
    dp_eef2/dt = (eef2k_activity - p_eef2) / tau_eef2 : 1
    eef2_phosphorylation = p_eef2 : 1
    """,
    parameters=(
        p("eef2k_nmda_share", 0.8, "1", "assumed",
          "share of resting eEF2 kinase activity that depends on resting NMDA receptor Ca2+ entry",
          lower=0.0, upper=1.0,
          note="Autry 2011 (autry2011) show that NMDA block at rest deactivates eEF2 kinase and lowers p-eEF2; the "
               "fraction that remains under full block was not retrieved; most of it is taken NMDA-dependent"),
        p("tau_eef2", 15.0, "min", "assumed", "time constant of eEF2 (de)phosphorylation",
          note="Autry 2011 (autry2011) measured reduced p-eEF2 30 min after ketamine; a lag shorter than that is assumed"),
    ),
    inputs={"nmda_block_pyramidal": "1"},
    outputs=("eef2_phosphorylation",),
    initial={"p_eef2": 1.0},
    descriptions={"eef2_phosphorylation": "phospho-eEF2 relative to drug-free (Autry route)"},
)
