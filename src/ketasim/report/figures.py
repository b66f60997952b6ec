"""Matplotlib figures of a simulation Dataset (pure functions returning Figures) and the
pieces the report's other figures share (series labels, unit labels, lines in analyte colours).

Time on the x axis is shown in hours or days as the run's span fits (`report.time_axis`;
the Dataset's `time` coordinate is in minutes). Figures are rendered headless (Agg) and
can be inlined into HTML as SVG text.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .colours import panel_colours  # noqa: E402
from .time_axis import display_time  # noqa: E402

PLASMA_UNIT = "ng/mL"
BRAIN_UNIT = "uM"


def series_label(ds, name: str) -> str:
    """A series' legend text: its `long_name`, else its name with spaces."""
    return str(ds[name].attrs.get("long_name") or name.replace("_", " "))


def is_unit(u: str, target: str) -> bool:
    """True when unit text `u` is `target` up to spaces, case and the micro sign."""
    norm = lambda s: s.replace("µ", "u").replace("μ", "u").replace(" ", "").lower()  # noqa: E731
    return norm(u) == norm(target)


def unit_label(unit: str) -> str:
    """A unit as an axis label: 'uM' as 'µM', dimensionless ('1' or nothing) as 'dimensionless (1)'."""
    u = str(unit or "").strip()
    if u in ("", "1"):
        return "dimensionless (1)"
    return u.replace("uM", "µM").replace("umol", "µmol")


def linestyle(name: str) -> str:
    """Enantiomer-specific curves dashed (S) or dotted (R) so identical ones stay visible."""
    if "_s_" in f"_{name}_":
        return "--"
    if "_r_" in f"_{name}_":
        return ":"
    return "-"


def legend_right(ax) -> None:
    """The axes' legend outside, to the right of the plot (it never covers a curve)."""
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


MAX_PLOT_POINTS = 400  # points per line in report figures (keeps SVGs small and fast)


def stride(n: int) -> int:
    """Every how many-th point a line of `n` points keeps (at most MAX_PLOT_POINTS)."""
    return max(1, int(np.ceil(n / MAX_PLOT_POINTS)))


def plot_lines(ax, ds, names: Sequence[str], log: bool, label=series_label) -> int:
    """Plot the named series against time (hours or days, `time_axis`) in their analyte colours.

    Returns how many were drawn (on a log axis an all-zero series is skipped). label:
    the legend text of a series, `label(ds, name)`.
    """
    minutes = np.asarray(ds["time"].values, dtype=float)
    t_all, _ = display_time(minutes)
    k = stride(len(t_all))
    t = t_all[::k]
    n = 0
    for name, colour in zip(names, panel_colours(list(names))):
        y = np.asarray(ds[name].values, dtype=float)[::k]
        if log:
            y = np.where(y > 0, y, np.nan)
            if not np.isfinite(y).any():
                continue
        ax.plot(t, y, label=label(ds, name), lw=1.6, ls=linestyle(str(name)), color=colour)
        n += 1
    return n


def time_label(ds) -> str:
    """The x label of a figure of `ds` against time: 'time (h)' or 'time (d)' as its span fits."""
    return display_time(np.asarray(ds["time"].values, dtype=float))[1]


def concentration_figure(ds) -> Figure:
    """Plasma analytes (ng/mL, log y) above brain concentrations (µM); x in hours or days.

    Variables are picked by name prefix (`plasma_`, `brain_`) and their `units`
    attribute; a panel with nothing to show says so instead of failing. An analyte has
    its one colour (`report.colours`) in both panels.
    """
    plasma = [n for n in ds.data_vars if str(n).startswith("plasma_")
              and is_unit(str(ds[n].attrs.get("units", "")), PLASMA_UNIT)]
    brain = [n for n in ds.data_vars if str(n).startswith("brain_")
             and is_unit(str(ds[n].attrs.get("units", "")), BRAIN_UNIT)]
    fig = Figure(figsize=(10.5, 7.5), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    if plot_lines(ax1, ds, plasma, log=True):
        ax1.set_yscale("log")
        lo, hi = ax1.get_ylim()
        # Keep the log axis to a readable range (four decades below the peak).
        ax1.set_ylim(max(lo, hi * 1e-4), hi)
        legend_right(ax1)
    else:
        ax1.text(0.5, 0.5, "no plasma concentrations", ha="center", va="center", transform=ax1.transAxes)
    ax1.set_ylabel("plasma (ng/mL)")
    ax1.tick_params(labelbottom=True)
    ax1.set_title("Plasma concentrations")
    ax1.grid(True, which="both", alpha=0.3)
    if plot_lines(ax2, ds, brain, log=False):
        legend_right(ax2)
    else:
        ax2.text(0.5, 0.5, "no brain concentrations", ha="center", va="center", transform=ax2.transAxes)
    ax2.set_ylabel("brain (µM)")
    ax2.set_title("Brain (effect-site) concentrations")
    ax2.set_xlabel(time_label(ds))
    ax2.grid(True, alpha=0.3)
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
    return unique_ids(svg)


def unique_ids(svg: str) -> str:
    """The SVG with ids that cannot clash with another inline SVG of the same page.

    Matplotlib names every group (`figure_1`, `axes_1`, `line2d_3`, ...) the same way in
    each figure, so a page of several figures would repeat ids. Ids nothing refers to are
    dropped; the referenced ones (clip paths, markers: `url(#id)`, `href="#id"`) get a
    prefix from the SVG's content hash, the same for the same figure on every run.
    """
    referenced = set(re.findall(r'url\(#([^)]+)\)', svg)) | set(re.findall(r'href="#([^"]+)"', svg))
    prefix = "f" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"

    def rename(m: re.Match) -> str:
        return f' id="{prefix}{m.group(1)}"' if m.group(1) in referenced else ""

    svg = re.sub(r' id="([^"]+)"', rename, svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)

