"""Matplotlib figures of a simulation Dataset (pure functions returning Figures).

Time on the x axis is shown in hours (the Dataset's `time` coordinate is in minutes).
Figures are rendered headless (Agg) and can be inlined into HTML as SVG text.
"""

from __future__ import annotations

import io
import re
from typing import Iterable, Sequence

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PLASMA_UNIT = "ng/mL"
BRAIN_UNIT = "uM"


def _label(ds, name: str) -> str:
    return str(ds[name].attrs.get("long_name") or name.replace("_", " "))


def _hours(ds) -> np.ndarray:
    return np.asarray(ds["time"].values, dtype=float) / 60.0


def _is_unit(u: str, target: str) -> bool:
    norm = lambda s: s.replace("µ", "u").replace("μ", "u").replace(" ", "").lower()  # noqa: E731
    return norm(u) == norm(target)


def _linestyle(name: str) -> str:
    """Enantiomer-specific curves dashed (S) or dotted (R) so identical ones stay visible."""
    if "_s_" in f"_{name}_":
        return "--"
    if "_r_" in f"_{name}_":
        return ":"
    return "-"


def _legend(ax) -> None:
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


MAX_PLOT_POINTS = 400  # points per line in report figures (keeps SVGs small and fast)


def _stride(n: int) -> int:
    return max(1, int(np.ceil(n / MAX_PLOT_POINTS)))


def _plot_lines(ax, ds, names: Sequence[str], log: bool) -> int:
    t_all = _hours(ds)
    k = _stride(len(t_all))
    t = t_all[::k]
    n = 0
    for name in names:
        y = np.asarray(ds[name].values, dtype=float)[::k]
        if log:
            y = np.where(y > 0, y, np.nan)
            if not np.isfinite(y).any():
                continue
        ax.plot(t, y, label=_label(ds, name), lw=1.6, ls=_linestyle(str(name)))
        n += 1
    return n


def concentration_figure(ds) -> Figure:
    """Plasma analytes (ng/mL, log y) above brain concentrations (µM); x in hours.

    Variables are picked by name prefix (`plasma_`, `brain_`) and their `units`
    attribute; a panel with nothing to show says so instead of failing.
    """
    plasma = [n for n in ds.data_vars if str(n).startswith("plasma_")
              and _is_unit(str(ds[n].attrs.get("units", "")), PLASMA_UNIT)]
    brain = [n for n in ds.data_vars if str(n).startswith("brain_")
             and _is_unit(str(ds[n].attrs.get("units", "")), BRAIN_UNIT)]
    fig = Figure(figsize=(10.5, 7.5), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    if _plot_lines(ax1, ds, plasma, log=True):
        ax1.set_yscale("log")
        lo, hi = ax1.get_ylim()
        # Keep the log axis to a readable range (four decades below the peak).
        ax1.set_ylim(max(lo, hi * 1e-4), hi)
        _legend(ax1)
    else:
        ax1.text(0.5, 0.5, "no plasma concentrations", ha="center", va="center", transform=ax1.transAxes)
    ax1.set_ylabel("plasma (ng/mL)")
    ax1.tick_params(labelbottom=True)
    ax1.set_title("Plasma concentrations")
    ax1.grid(True, which="both", alpha=0.3)
    if _plot_lines(ax2, ds, brain, log=False):
        _legend(ax2)
    else:
        ax2.text(0.5, 0.5, "no brain concentrations", ha="center", va="center", transform=ax2.transAxes)
    ax2.set_ylabel("brain (µM)")
    ax2.set_title("Brain (effect-site) concentrations")
    ax2.set_xlabel("time (h)")
    ax2.grid(True, alpha=0.3)
    return fig


def timecourse_figure(ds, names: Iterable[str], title: str = "", log: bool = False) -> Figure:
    """Time courses of the named variables (x in hours), one panel per distinct unit.

    Names absent from `ds` are skipped. The y label of each panel is its unit.
    """
    present = [n for n in names if n in ds.data_vars]
    groups: dict[str, list[str]] = {}
    for n in present:
        groups.setdefault(str(ds[n].attrs.get("units", "")), []).append(n)
    npanel = max(1, len(groups))
    fig = Figure(figsize=(10.5, 1.0 + 2.6 * npanel), layout="constrained")
    axes = np.atleast_1d(fig.subplots(npanel, 1, sharex=True))
    if not groups:
        axes[0].text(0.5, 0.5, "nothing to plot", ha="center", va="center", transform=axes[0].transAxes)
    for ax, (unit, group) in zip(axes, groups.items()):
        if _plot_lines(ax, ds, group, log=log) and log:
            ax.set_yscale("log")
        ax.set_ylabel(unit.replace("uM", "µM") or "(dimensionless)")
        ax.grid(True, alpha=0.3)
        _legend(ax)
    axes[-1].set_xlabel("time (h)")
    if title:
        fig.suptitle(title)
    return fig


def figure_to_svg(fig: Figure) -> str:
    """The figure as inline SVG text (no XML prolog, no DOCTYPE, no external references)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ketasim"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    # Drop the metadata block (it carries a creator URL) to keep the output reference-free.
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    return svg

