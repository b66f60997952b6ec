"""TrkB activation by free extracellular BDNF (receptor occupancy, fast next to minutes).

Occupancy is BDNF / (BDNF + Kd). `trkb_signal` (read by mTORC1) is scaled so the
wild-type drug-free state is 1; `trkb_activity` (the contract observable) is relative to the
subject's own drug-free occupancy times `trkb_expression`, which is 1 for wild type and 0
for a TrkB deletion (set by ketasim.patient): a knockout reads 0, not 1.
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p

TRKB = Module(
    name="plasticity_trkb",
    doc=__doc__.split("\n\n")[0],
    equations="""
    occupancy = bdnf_free / (bdnf_free + trkb_kd_rel) : 1
    occupancy_base = bdnf_free_baseline / (bdnf_free_baseline + trkb_kd_rel) : 1
    trkb_signal = trkb_expression * occupancy * (1 + trkb_kd_rel) : 1
    trkb_signal_baseline = trkb_expression * occupancy_base * (1 + trkb_kd_rel) : 1
    trkb_activity = trkb_expression * occupancy / occupancy_base : 1
    """,
    parameters=(
        p("trkb_kd_rel", 4.0, "1", "assumed",
          "BDNF level (relative to wild-type drug-free) that half-occupies TrkB",
          note="drug-free TrkB taken half occupied so a BDNF rise is transduced with diminishing returns; "
               "no in-vivo occupancy value was found"),
        p("trkb_expression", 1.0, "1", "assumed", "TrkB receptor expression relative to wild type",
          lower=0.0, upper=2.0, note="1 wild type, 0 TrkB deletion; set by ketasim.patient"),
    ),
    inputs={"bdnf_free": "1", "bdnf_free_baseline": "1"},
    outputs=("trkb_activity", "trkb_signal", "trkb_signal_baseline"),
    descriptions={"trkb_activity": "TrkB activation relative to the subject's drug-free state (0 if deleted)",
                  "trkb_signal": "TrkB activation relative to the wild-type drug-free state",
                  "trkb_signal_baseline": "drug-free TrkB activation of this subject relative to wild type"},
)
