"""The cortical drive that the systems layer reads: the circuit's glutamate release, low-passed.

Cortical output reaches the VTA, the raphe and the large-scale networks through
projections and is measured there over minutes (microdialysis samples, BOLD windows), so
the systems modules read `cortical_drive`, the circuit's `glutamate_release` followed with
a time constant of minutes. It is 1 without drug. (It also keeps the systems equations
functions of one state instead of the whole receptor-circuit expression.)
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p

CORTICAL_DRIVE = Module(
    name="cortical_drive",
    doc=__doc__.split("\n\n")[0],
    equations="""
    dcortical_drive_state/dt = (glutamate_release - cortical_drive_state) / cortical_drive_time : 1
    cortical_drive = cortical_drive_state : 1
    """,
    parameters=(
        p("cortical_drive_time", 2.0, "min", "assumed",
          "time constant with which subcortical targets and network measures follow cortical glutamate release",
          note="minutes: projection relay plus the minutes-long sampling of microdialysis and resting-state fMRI; "
               "short against the drug's time course"),
    ),
    inputs={"glutamate_release": "1"},
    outputs=("cortical_drive",),
    initial={"cortical_drive_state": 1.0},
    descriptions={"cortical_drive": "cortical glutamate release as the systems layer sees it (relative, low-passed)"},
)
