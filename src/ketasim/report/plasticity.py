"""The plasticity layer's section of the run report (summary rows and a cascade figure).

Rows: each plasticity observable's extreme (peak or trough, whichever is farther from the start), its time,
and its value at 2 h, 24 h, 7 d and 14 d when the run is that long. Figure: the cascade
from the NMDA block through glutamate, BDNF, mTORC1 and synaptic proteins to spines,
one panel each on a shared logarithmic time axis (minutes to the end of the run).
"""

from __future__ import annotations

from ..mechanisms.plasticity import OBSERVABLES
from .section import ReportSection
from .timecourse import extreme_rows, left_out, log_time_panels

CASCADE = (
    ("nmda_block_pyramidal", "NMDA block (pyramidal)"),
    ("glutamate_release", "glutamate release"),
    ("bdnf", "BDNF"),
    ("mtorc1_activity", "mTORC1"),
    ("synaptic_proteins", "synaptic proteins"),
    ("spine_density", "spine density"),
)
CHECKPOINTS = (("2 h", 120.0), ("24 h", 1440.0), ("7 d", 10080.0), ("14 d", 20160.0))
INTRO = ("Glutamate surge to structure: AMPA activation drives activity-dependent BDNF release (with "
         "the Autry route, NMDA block at rest -> less phospho-eEF2 -> more BDNF translation), TrkB "
         "activates mTORC1, synaptic proteins are made and new spines form and return toward the set "
         "point over days to weeks. All values are relative to the untreated state (1.0).")


def _rows(ds) -> list[dict]:
    return extreme_rows(ds, OBSERVABLES, CHECKPOINTS)


def cascade_figure(ds):
    """One panel per cascade step, shared log time axis (hours)."""
    ref = {n: (0.0 if n.startswith("nmda_block") else 1.0) for n, _ in CASCADE}
    return log_time_panels(ds, [((n,), lab) for n, lab in CASCADE], panel_height=64.0, reference=ref)


def section(ds) -> ReportSection | None:
    """A ReportSection for the plasticity observables in `ds`, or None when there are none."""
    if not any(n in ds for n in OBSERVABLES):
        return None
    figures = [("Cascade: NMDA block -> glutamate -> BDNF -> mTORC1 -> synaptic proteins -> spines",
                cascade_figure(ds))]
    return ReportSection(title="Plasticity (relative to untreated)", intro=INTRO, rows=_rows(ds), figures=figures,
                         notes=left_out(ds, OBSERVABLES))
