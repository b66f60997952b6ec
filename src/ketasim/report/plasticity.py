"""The plasticity layer's section of the run report (summary rows and a cascade figure).

Rows: each plasticity observable's extreme (peak, or trough for phospho-eEF2), its time,
and its value at 2 h, 24 h, 7 d and 14 d when the run is that long. Figure: the cascade
from the NMDA block through glutamate, BDNF, mTORC1 and synaptic proteins to spines,
one panel each on a shared logarithmic time axis (minutes to the end of the run).
"""

from __future__ import annotations

import numpy as np

from ..mechanisms.plasticity import OBSERVABLES

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
    t = np.asarray(ds["time"].values, dtype=float)
    rows = []
    for name in OBSERVABLES:
        if name not in ds:
            continue
        y = np.asarray(ds[name].values, dtype=float)
        trough = name == "eef2_phosphorylation"
        i = int(np.argmin(y) if trough else np.argmax(y))
        row = {"observable": name, "extreme": "trough" if trough else "peak", "value": round(float(y[i]), 4),
               "time (h)": round(float(t[i]) / 60.0, 2)}
        for label, at in CHECKPOINTS:
            row[label] = round(float(np.interp(at, t, y)), 4) if t[-1] >= at else "-"
        rows.append(row)
    return rows


def cascade_figure(ds):
    """One panel per cascade step, shared log time axis (hours)."""
    from matplotlib.figure import Figure

    names = [(n, lab) for n, lab in CASCADE if n in ds]
    t = np.asarray(ds["time"].values, dtype=float) / 60.0
    keep = t > 0
    fig = Figure(figsize=(7.0, 1.3 * len(names) + 0.6))
    axes = fig.subplots(len(names), 1, sharex=True)
    axes = np.atleast_1d(axes)
    for ax, (name, label) in zip(axes, names):
        y = np.asarray(ds[name].values, dtype=float)
        ax.plot(t[keep], y[keep], lw=1.4)
        ax.axhline(0.0 if name.startswith("nmda_block") else 1.0, color="0.6", lw=0.6, ls=":")
        ax.set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
        ax.tick_params(labelsize=7)
    axes[-1].set_xscale("log")
    axes[-1].set_xlabel("time after the start of dosing (h, log scale)", fontsize=8)
    fig.subplots_adjust(left=0.27, right=0.97, top=0.97, bottom=0.08, hspace=0.15)
    return fig


def section(ds):
    """A ReportSection for the plasticity observables in `ds`, or None when there are none."""
    from .sections import ReportSection

    if not any(n in ds for n in OBSERVABLES):
        return None
    figures = [("Cascade: NMDA block -> glutamate -> BDNF -> mTORC1 -> synaptic proteins -> spines",
                cascade_figure(ds))]
    return ReportSection(title="Plasticity (relative to untreated)", intro=INTRO, rows=_rows(ds), figures=figures)
