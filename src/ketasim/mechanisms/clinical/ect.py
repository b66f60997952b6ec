"""Electroconvulsive therapy: each session is a generalised seizure that drives AMPA receptors.

A session is a procedure event (`procedure = "ect"`) that adds one unit to the seizure
state, which decays over the seizure and the postictal minutes. During the seizure,
cortical glutamate release, and so AMPA receptor activation, far exceeds anything a drug
produces; the plasticity layer turns that drive into activity-dependent BDNF release
(electroconvulsive seizures raise BDNF in rodent cortex and hippocampus: Nibuya et al.
1995), TrkB-mTORC1 signalling, synaptic proteins and spines. ECT therefore acts on mood
only through the plasticity chain, the same path as ketamine; a course of sessions two
or three days apart builds synaptic strength up because each session's gain has not
decayed when the next comes.

Output `ect_drive`: extra AMPA receptor activation (relative to drug-free, added to the
circuit-driven activation).
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p

ECT = Module(
    name="ect",
    doc=__doc__.split("\n\n")[0],
    equations="""
    dseizure/dt = -seizure / tau_ect_seizure : 1
    ect_drive = ect_ampa_gain * seizure : 1
    """,
    parameters=(
        p("tau_ect_seizure", 2.0, "min", "assumed",
          "decay time of the seizure-driven glutamate release after an ECT stimulus",
          note="ECT seizures last about 30-60 s (EEG); with the postictal period the excess release is taken to "
               "be over within a few minutes"),
        p("ect_ampa_gain", 3.706, "1", "fitted",
          "peak rise of AMPA receptor activation at the start of an ECT seizure (relative to drug-free)",
          note="fitted to the Scottish ECT cohort (Semple 2024, semple2024: response 73% and remission 51% after "
               "a course) with a course of 8 sessions twice weekly in the inpatient cohort (ketasim fit --parameter "
               "ect.ect_ampa_gain --experiment clinical-semple2024-ect: Nelder-Mead on both endpoints, 200 "
               "patients, 17 steps; standard error a factor of 1.2), after the joint clinical calibration in which "
               "the latent classes scale the whole relief and the effect site follows arterial plasma (its lower "
               "mood_synaptic_weight asks a larger seizure drive): 73% and 50.5%; 2.377 before the arterial effect "
               "site, 2.022 before the whole-relief classes (19 steps), was 8, set by hand to "
               "the response alone before them; a seizure's glutamate release has not been measured in people"),
    ),
    outputs=("ect_drive",),
    descriptions={"ect_drive": "AMPA receptor activation added by an ECT seizure (relative to drug-free)"},
)
