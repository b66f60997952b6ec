"""Synthesis of synaptic proteins (PSD-95, synapsin I, GluA1) and their capture by synapses.

mTORC1 drives cap-dependent translation of the synaptic proteins; their synaptic content
relaxes to (synthesis x number of synapses): new protein raises the content per synapse
within hours, and once it is captured into new spines the content follows the spine
number. One pool stands for the three proteins, which Li et al. 2010 saw rise together.
`synaptic_proteins` is relative to the drug-free state.
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p

PROTEINS = Module(
    name="plasticity_proteins",
    doc=__doc__.split("\n\n")[0],
    equations="""
    protein_synthesis = 1 - mtor_dependent_share + mtor_dependent_share * mtorc1_activity ** protein_mtor_order : 1
    dproteins/dt = (protein_synthesis * spine_density - proteins) / tau_protein : 1
    synaptic_proteins = proteins : 1
    """,
    parameters=(
        p("mtor_dependent_share", 0.3, "1", "assumed", "share of drug-free synaptic protein synthesis that needs mTORC1",
          lower=0.0, upper=1.0,
          note="rapamycin blocks activity-induced synaptic protein synthesis but basal levels persist (Li 2010, li2010: "
               "rapamycin alone did not change the synaptic proteins); half rapamycin-sensitive assumed"),
        p("protein_mtor_order", 3.0, "1", "assumed",
          "order of synaptic protein translation in mTORC1 activity",
          note="mTORC1 acts on both p70S6K and 4E-BP1, each limiting cap-dependent translation, so translation "
               "is taken to rise with the square of activity; no dose-response was found"),
        p("tau_protein", 8.0, "h", "fitted", "relaxation time of the synaptic protein content",
          note="set so that the synaptic proteins are up at 2 h (Li et al. 2010, li2010); their longer persistence "
               "(up to 72 h) then comes from capture into new spines, not from this constant"),
    ),
    inputs={"mtorc1_activity": "1", "spine_density": "1"},
    outputs=("synaptic_proteins", "protein_synthesis"),
    initial={"proteins": 1.0},
    descriptions={"synaptic_proteins": "synaptic proteins (PSD-95, synapsin I, GluA1) relative to drug-free",
                  "protein_synthesis": "synthesis rate of synaptic proteins relative to drug-free"},
)
