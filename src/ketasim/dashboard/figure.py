"""The cascade figure: one panel per layer, one or two regimens, one shared time axis (matplotlib)."""

from __future__ import annotations

from typing import Mapping

from ..report.time_axis import time_axis
from .cascade import LAYERS, Cascade

COLOURS = ("#1f5fbf", "#d9480f")           # regimen A, regimen B
STYLES = ("-", "--", ":", "-.")             # first, second, ... series of a panel


def cascade_figure(cascades: Mapping[str, Cascade]):
    """A matplotlib Figure of the cascades (label -> Cascade), layers top to bottom."""
    from matplotlib.figure import Figure

    order = [layer.title for layer in LAYERS]
    present = [layer for layer in order if any(p.layer == layer for c in cascades.values() for p in c.panels)]
    end = max((float(c.times_min[-1]) for c in cascades.values()), default=1.0)
    per, unit = time_axis(end)
    fig = Figure(figsize=(9.0, 1.75 * max(len(present), 1) + 0.6), layout="constrained")
    axes = fig.subplots(max(len(present), 1), 1, sharex=True, squeeze=False)[:, 0]
    for ax, layer in zip(axes, present):
        ylabel = ""
        for k, (label, c) in enumerate(cascades.items()):
            panel = next((p for p in c.panels if p.layer == layer), None)
            if panel is None:
                continue
            ylabel = panel.ylabel or panel.unit
            for j, s in enumerate(panel.series):
                name = f"{s.name} ({label})" if len(cascades) > 1 else s.name
                ax.plot(c.times_min / per, s.values, STYLES[j % len(STYLES)], color=COLOURS[k % len(COLOURS)],
                        lw=1.6, label=name)
        ax.set_title(layer, loc="left", fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best", frameon=False)
    axes[-1].set_xlabel(f"time ({unit})")
    axes[-1].set_xlim(0.0, end / per)
    if not present:
        axes[0].text(0.5, 0.5, "nothing to show", ha="center", va="center", transform=axes[0].transAxes)
    return fig

