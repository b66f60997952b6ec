"""The whole cascade on one figure: each layer's key observable against a shared time axis.

Two views side by side: the acute hours after the first dose (linear hours) and the weeks
after it (linear days), so the drug level, the NMDA block, the disinhibition surge, the
BDNF-mTORC1 pulse, the spines, the habenula, the networks and the mood score can be seen
to move together and on their own time scales. Rows whose observable the run lacks (a
rodent has no MADRS) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

ACUTE_HOURS = 6.0       # h shown in the acute view
WEEKS_DAYS = 28.0       # d simulated for the weeks view when the run itself is shorter


@dataclass(frozen=True)
class CascadeRow:
    """One row: the layer, its observable, a short label and the untreated reference line."""

    layer: str
    observable: str
    label: str
    reference: float | None


ROWS: tuple[CascadeRow, ...] = (
    CascadeRow("receptor", "nmda_block_interneuron", "NMDA block\n(interneurons)", 0.0),
    CascadeRow("circuit", "glutamate_release", "glutamate\nrelease", 1.0),
    CascadeRow("plasticity", "bdnf", "BDNF", 1.0),
    CascadeRow("plasticity", "mtorc1_activity", "mTORC1", 1.0),
    CascadeRow("structure", "spine_density", "spine\ndensity", 1.0),
    CascadeRow("systems", "lhb_burst_rate", "LHb burst\nrate", 1.0),
    CascadeRow("networks", "dmn_cen_anticorrelation", "DMN-CEN\nanticorrelation", None),
    CascadeRow("clinical", "madrs", "MADRS", None),
)


def plasma_row(ds) -> CascadeRow | None:
    """The PK row: plasma ketamine when the regimen gives any, else the plasma observable
    (ng/mL) with the highest peak (the drug given: citalopram, midazolam, ...)."""
    if "plasma_ketamine" in ds and float(np.nanmax(ds["plasma_ketamine"].values)) > 0:
        return CascadeRow("PK", "plasma_ketamine", "ketamine\n(ng/mL)", None)
    best, peak = None, 0.0
    for name in ds.data_vars:
        if str(name).startswith("plasma_") and ds[name].attrs.get("units") == "ng/mL":
            y = np.asarray(ds[name].values, dtype=float)
            if y.size and np.nanmax(y) > peak:
                best, peak = str(name), float(np.nanmax(y))
    if best is None:
        return None
    return CascadeRow("PK", best, best.removeprefix("plasma_").replace("_", " ") + "\n(ng/mL)", None)


def cascade_rows(ds) -> list[CascadeRow]:
    """The rows this run can show, in cascade order."""
    rows = [r for r in (plasma_row(ds),) if r is not None]
    return rows + [r for r in ROWS if r.observable in ds]


def _panel(ax, t, y, row: CascadeRow) -> None:
    ax.plot(t, y, lw=1.3)
    if row.reference is not None:
        ax.axhline(row.reference, color="0.6", lw=0.6, ls=":")
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.25)


def cascade_figure(acute, weeks, acute_hours: float = ACUTE_HOURS) -> Figure | None:
    """The two-view cascade figure (None when neither dataset has a cascade observable).

    acute: a Dataset covering at least the first hours (minutes on `time`); weeks: a
    Dataset of the same regimen covering the weeks after (may be the same Dataset).
    """
    rows = [r for r in cascade_rows(weeks) if r.observable in acute]
    if not rows:
        return None
    fig = Figure(figsize=(8.6, 1.05 * len(rows) + 0.8))
    axes = np.atleast_2d(fig.subplots(len(rows), 2, sharex="col"))
    ta = np.asarray(acute["time"].values, dtype=float) / 60.0
    keep = ta <= acute_hours + 1e-9
    tw = np.asarray(weeks["time"].values, dtype=float) / 1440.0
    for i, row in enumerate(rows):
        _panel(axes[i, 0], ta[keep], np.asarray(acute[row.observable].values, dtype=float)[keep], row)
        _panel(axes[i, 1], tw, np.asarray(weeks[row.observable].values, dtype=float), row)
        axes[i, 0].set_ylabel(f"{row.layer}\n{row.label}", fontsize=7, rotation=0, ha="right", va="center")
    axes[0, 0].set_title(f"first {acute_hours:g} hours", fontsize=9)
    axes[0, 1].set_title(f"{tw[-1]:.0f} days", fontsize=9)
    axes[-1, 0].set_xlabel("time after the start (h)", fontsize=8)
    axes[-1, 1].set_xlabel("time after the start (d)", fontsize=8)
    fig.subplots_adjust(left=0.2, right=0.98, top=0.95, bottom=0.07, hspace=0.18, wspace=0.22)
    return fig


def extended_times(times: Sequence[float], duration: float, weeks_days: float = WEEKS_DAYS) -> np.ndarray:
    """The output grid extended hourly to `weeks_days` (min), for one solve serving both views."""
    ts = np.asarray(times, dtype=float)
    end = weeks_days * 1440.0
    if duration >= end:
        return ts
    extra = np.arange(np.floor(duration / 60.0) * 60.0 + 60.0, end + 1e-9, 60.0)
    return np.concatenate([ts, extra[extra > ts[-1]]])
