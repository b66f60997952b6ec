"""Tornado charts of sensitivity indices: one figure per output, the top parameters.

Morris: horizontal bars of mu_star with its 95 % bootstrap interval, and sigma beside it
(hatched) so interaction/nonlinearity is visible. Sobol: first-order S1 and total ST side
by side with their 95 % intervals. Built on `matplotlib.figure.Figure` (no pyplot state),
written as PNG by the caller.
"""

from __future__ import annotations

import re

import numpy as np
from matplotlib.figure import Figure

from .sensitivity import MorrisIndex, OutputIndices

TOP = 15


def figure_name(output: str) -> str:
    """A file name for an output spec: 'madrs:relief@24 h' -> 'sensitivity_madrs_relief_24h.png'."""
    return "sensitivity_" + re.sub(r"[^A-Za-z0-9]+", "_", output.replace(" ", "")).strip("_") + ".png"


def tornado(result: OutputIndices, method: str, unit: str = "", top: int = TOP) -> Figure:
    """The top `top` parameters of one output, most influential at the top."""
    ranked = result.ranked()[:top][::-1]
    names = [i.parameter for i in ranked]
    y = np.arange(len(ranked))
    fig = Figure(figsize=(8.0, 1.2 + 0.38 * len(ranked)))
    ax = fig.add_subplot(1, 1, 1)
    h = 0.38
    if isinstance(ranked[0], MorrisIndex):
        ax.barh(y + h / 2, [i.mu_star for i in ranked], h, xerr=[i.mu_star_conf for i in ranked],
                color="tab:blue", capsize=2, label="mu* (95% CI)")
        ax.barh(y - h / 2, [i.sigma for i in ranked], h, color="none", edgecolor="tab:orange",
                hatch="//", label="sigma")
        ax.set_xlabel(f"elementary effect per full range{f' ({unit})' if unit not in ('', '1') else ''}")
    else:
        ax.barh(y + h / 2, [i.S1 for i in ranked], h, xerr=[i.S1_conf for i in ranked],
                color="tab:blue", capsize=2, label="S1 (95% CI)")
        ax.barh(y - h / 2, [i.ST for i in ranked], h, xerr=[i.ST_conf for i in ranked],
                color="tab:red", alpha=0.7, capsize=2, label="ST (95% CI)")
        ax.set_xlabel("fraction of output variance")
        ax.axvline(0.0, color="black", linewidth=0.6)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_title(f"{method.capitalize()} sensitivity of {result.output}", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
