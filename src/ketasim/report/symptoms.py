"""The symptoms section of the run report: the clinical layer's scales and effects (rows and figures).

Rows: each clinical observable's extreme (peak or trough, whichever is farther from
baseline), its time, its baseline and its value at 2 h, 24 h, 3 d and
7 d when the run is that long. Figures: the depression scales and the acute effects on a
log time axis. The scales are the mechanism's effect in one patient of the stated
baseline, without placebo response or fluctuation (those are the trial engine's).
"""

from __future__ import annotations

from .section import ReportSection
from .timecourse import extreme_rows, left_out, log_time_panels

SCALES = ("madrs", "hamd", "depression_severity")
ACUTE = ("cadss", "sedation", "analgesia")
ADVERSE = ("bladder_risk", "abuse_liability", "side_effect_burden")
OBSERVABLES = SCALES + ACUTE + ADVERSE
CHECKPOINTS = (("2 h", 120.0), ("24 h", 1440.0), ("3 d", 4320.0), ("7 d", 10080.0))
INTRO = ("Symptoms and effects. madrs (0-60) and hamd (HAMD-17) are the drug's mechanistic effect in one "
         "patient of the parameter madrs_baseline, without placebo response or day-to-day fluctuation; a "
         "virtual trial (ketasim trial) adds those. cadss is the dissociation score (points); sedation, "
         "analgesia, bladder_risk and abuse_liability are fractions (0-1).")
PANELS = (
    (("madrs", "hamd"), "depression scales"),
    (("cadss",), "CADSS"),
    (("sedation", "analgesia"), "sedation, analgesia"),
)


def section(ds) -> ReportSection | None:
    """A ReportSection for the clinical observables in `ds`, or None when there are none."""
    if not any(n in ds for n in OBSERVABLES):
        return None
    return ReportSection(title="Clinical: depression scales, acute and adverse effects", intro=INTRO,
                         rows=extreme_rows(ds, OBSERVABLES, CHECKPOINTS, baseline=True),
                         notes=left_out(ds, OBSERVABLES),
                         figures=[("Clinical observables over time", log_time_panels(ds, PANELS, panel_height=74.0))])
