"""The systems layer's section of the run report (summary rows and figures).

Rows: each systems observable's extreme (peak, or trough for those that fall), its time,
its value at baseline and at 2 h, 24 h, 3 d and 7 d when the run is that long. Figures:
neuromodulators, habenula and inflammation on a log time axis; the triple network's
connectivity.
"""

from __future__ import annotations

import numpy as np

RELATIVE = ("dopamine_pfc", "dopamine_striatum", "serotonin_pfc", "ht1b_binding", "opioid_tone",
            "opioid_permissiveness", "opioid_gate_signal", "lhb_burst_rate", "inflammation", "ido_level", "kynurenine",
            "kynurenic_acid", "sert_occupancy")
NETWORK = ("fc_dmn", "fc_cen", "fc_sn", "dmn_cen_anticorrelation", "global_connectivity")
OBSERVABLES = RELATIVE + NETWORK
FALLING = ("lhb_burst_rate", "inflammation", "ido_level", "opioid_permissiveness", "opioid_gate_signal", "opioid_tone") + NETWORK
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
    t = np.asarray(ds["time"].values, dtype=float)
    rows = []
    for name in OBSERVABLES:
        if name not in ds:
            continue
        y = np.asarray(ds[name].values, dtype=float)
        trough = name in FALLING
        i = int(np.argmin(y) if trough else np.argmax(y))
        row = {"observable": name, "baseline": round(float(y[0]), 4), "extreme": "trough" if trough else "peak",
               "value": round(float(y[i]), 4), "time (h)": round(float(t[i]) / 60.0, 2)}
        for label, at in CHECKPOINTS:
            row[label] = round(float(np.interp(at, t, y)), 4) if t[-1] >= at else "-"
        rows.append(row)
    return rows


def systems_figure(ds):
    """One panel per group, shared log time axis (hours)."""
    from matplotlib.figure import Figure

    panels = [(tuple(n for n in names if n in ds), label) for names, label in PANELS]
    panels = [(names, label) for names, label in panels if names]
    t = np.asarray(ds["time"].values, dtype=float) / 60.0
    keep = t > 0
    fig = Figure(figsize=(7.0, 1.5 * len(panels) + 0.6))
    axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True))
    for ax, (names, label) in zip(axes, panels):
        for name in names:
            ax.plot(t[keep], np.asarray(ds[name].values, dtype=float)[keep], lw=1.3, label=name)
        ax.set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, loc="best", frameon=False)
    axes[-1].set_xscale("log")
    axes[-1].set_xlabel("time after the start of dosing (h, log scale)", fontsize=8)
    fig.subplots_adjust(left=0.22, right=0.97, top=0.97, bottom=0.08, hspace=0.15)
    return fig


def section(ds):
    """A ReportSection for the systems observables in `ds`, or None when there are none."""
    from .sections import ReportSection

    if not any(n in ds for n in OBSERVABLES):
        return None
    return ReportSection(title="Systems: neuromodulators, habenula, inflammation, networks", intro=INTRO,
                         rows=_rows(ds), figures=[("Systems observables over time", systems_figure(ds))])
