"""The systems layer's section of the run report (summary rows and figures).

Rows: each systems observable's extreme (peak or trough, whichever is farther from baseline), its time,
its value at baseline and at 2 h, 24 h, 3 d and 7 d when the run is that long. Figures:
neuromodulators, habenula and inflammation on a log time axis; the triple network's
connectivity.
"""

from __future__ import annotations

from .section import ReportSection
from .timecourse import extreme_rows, left_out, log_time_panels

RELATIVE = ("dopamine_pfc", "dopamine_striatum", "serotonin_pfc", "ht1b_binding", "opioid_tone",
            "opioid_permissiveness", "opioid_gate_signal", "lhb_burst_rate", "inflammation", "ido_level", "kynurenine",
            "kynurenic_acid", "sert_occupancy")
NETWORK = ("fc_dmn", "fc_cen", "fc_sn", "dmn_cen_anticorrelation", "global_connectivity")
OBSERVABLES = RELATIVE + NETWORK
CHECKPOINTS = (("2 h", 120.0), ("24 h", 1440.0), ("3 d", 4320.0), ("7 d", 10080.0))
INTRO = ("Neuromodulators, lateral habenula, opioid gate, inflammation and large-scale networks. Relative "
         "observables are 1.0 in the untreated state; network connectivity is a correlation (baseline in "
         "the 'baseline' column). Hypotheses: opioid_gate (permissive | none), lhb_sustained "
         "(trapping | acute_only).")
PANELS = (
    (("dopamine_pfc", "dopamine_striatum", "serotonin_pfc"), "monoamines"),
    (("ht1b_binding", "opioid_tone", "opioid_permissiveness"), "5-HT1B, opioid"),
    (("lhb_burst_rate",), "LHb bursting"),
    (("inflammation", "ido_level", "kynurenine"), "IL-6, IDO, KYN"),
    (("fc_dmn", "fc_cen", "fc_sn", "dmn_cen_anticorrelation"), "network FC"),
)


def _rows(ds) -> list[dict]:
    return extreme_rows(ds, OBSERVABLES, CHECKPOINTS, baseline=True)


def systems_figure(ds):
    """One panel per group, shared log time axis (hours)."""
    return log_time_panels(ds, PANELS, panel_height=74.0)


def section(ds) -> ReportSection | None:
    """A ReportSection for the systems observables in `ds`, or None when there are none."""
    if not any(n in ds for n in OBSERVABLES):
        return None
    return ReportSection(title="Systems: neuromodulators, habenula, inflammation, networks", intro=INTRO,
                         rows=_rows(ds), notes=left_out(ds, OBSERVABLES),
                         figures=[("Systems observables over time", systems_figure(ds))])
