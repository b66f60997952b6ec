"""The concentration figure of a simulation Dataset, the pieces the report's figures share
(series labels, unit labels, line styles, thinning), and inline SVG from any report figure.

Time on the x axis is shown in hours or days as the run's span fits (`report.time_axis`;
the Dataset's `time` coordinate is in minutes). Time courses are `svg_chart` records,
written as SVG directly; the other figures (forest plots, spaghetti, the scorecard's)
are matplotlib Figures rendered headless (Agg) and inlined as SVG text (`figure_to_svg`).
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .colours import panel_colours
from .svg_chart import Line, LineChart, Row, Stack, row_svg, stack_svg
from .time_axis import display_time

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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


MAX_PLOT_POINTS = 400  # points per line in report figures (keeps SVGs small and fast)


def stride(n: int) -> int:
    """Every how many-th point a line of `n` points keeps (at most MAX_PLOT_POINTS)."""
    return max(1, int(np.ceil(n / MAX_PLOT_POINTS)))


def time_lines(ds, names: Sequence[str], label=series_label) -> tuple[tuple[float, ...], str, tuple[Line, ...]]:
    """(x in hours or days, x label, lines) of the named series of `ds` against time: at most
    `MAX_PLOT_POINTS` points per line, in their colours (`report.colours`) and line styles
    (`linestyle`); label: a series' legend text, label(ds, name)."""
    t_all, xlabel = display_time(np.asarray(ds["time"].values, dtype=float))
    k = stride(len(t_all))
    lines = tuple(Line(label(ds, n), tuple(np.asarray(ds[n].values, dtype=float)[::k].tolist()), colour,
                       linestyle(str(n)))
                  for n, colour in zip(names, panel_colours(list(names))))
    return tuple(t_all[::k].tolist()), xlabel, lines


def concentration_figure(ds) -> Stack:
    """Plasma analytes (ng/mL, log y) above brain concentrations (µM); x in hours or days.

    Variables are picked by name prefix (`plasma_`, `brain_`) and their `units`
    attribute; a panel with nothing to show is left out (a log panel of all-zero series
    too). An analyte has its one colour (`report.colours`) in both panels; S and R
    enantiomers are dashed and dotted (`linestyle`). An `svg_chart.Stack`.
    """
    plasma = [n for n in ds.data_vars if str(n).startswith("plasma_")
              and is_unit(str(ds[n].attrs.get("units", "")), PLASMA_UNIT)]
    brain = [n for n in ds.data_vars if str(n).startswith("brain_")
             and is_unit(str(ds[n].attrs.get("units", "")), BRAIN_UNIT)]
    charts, xlabel = [], ""
    for names, log, ylabel, title in ((plasma, True, "plasma (ng/mL)", "Plasma concentrations"),
                                      (brain, False, "brain (µM)", "Brain (effect-site) concentrations")):
        x, xlabel, lines = time_lines(ds, names)
        if log:
            lines = tuple(line for line in lines if any(v > 0 for v in line.y))
        if lines:
            charts.append(LineChart(x, lines, ylabel, title, ylog=log))
    return Stack(tuple(charts), xlabel, legend="right", width=820.0, panel_height=190.0, legend_min=1)


def figure_to_svg(fig: Figure) -> str:
    """The figure as inline SVG text (no XML prolog, no DOCTYPE, no external references).
    matplotlib is imported here, when a matplotlib figure is drawn, not with this module."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ketasim"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    # Drop the metadata block (it carries a creator URL) to keep the output reference-free.
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    return unique_ids(svg)


def svg_of(figure) -> str:
    """A report figure as inline SVG text: SVG text as given, a `svg_chart.Stack` written
    directly (`svg_chart.stack_svg`, `row_svg`), a matplotlib Figure through `figure_to_svg`."""
    if isinstance(figure, str):
        return figure
    if isinstance(figure, Stack):
        return stack_svg(figure)
    if isinstance(figure, Row):
        return row_svg(figure)
    return figure_to_svg(figure)


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

