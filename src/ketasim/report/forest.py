"""Forest plots: effects with their confidence intervals, one row each, beside the line of no effect.

A row is a label, an estimate and its interval (low, high), and optionally the published
value with its interval or tolerance range, so that a simulated effect can be read against
the one it should reproduce. Rows are drawn top to bottom in the order given. Two scales:

- `ratio` (odds ratios): a log x axis, the line of no effect at 1;
- `difference` (mean differences): a linear x axis, the line of no effect at 0.

One figure holds one scale and one unit; a caller with effects of both kinds draws two.

Drawn per row `i` (the artists carry these gids, so tests and readers can find them):
`estimate-i` (a square), `ci-i` (the interval, a line from low to high, capped at finite
ends; an open end, inf or beyond the axis, runs to the axis edge uncapped),
`published-range-i` (a thick translucent bar a little below) and `published-i` (a hollow
diamond on it). A row scored against its published value says "pass" or "miss" at the
right in the pass/miss colours (`report.colours`); its estimate takes that colour too
unless the row names its own.

`forest_figure` is pure: rows in, a matplotlib Figure out (Agg, nothing shown);
`forest_svg` returns it as inline SVG text.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from matplotlib.transforms import blended_transform_factory

from .colours import MISS_COLOUR, NULL_COLOUR, OTHER_COLOURS, PASS_COLOUR, PUBLISHED_COLOUR
from .figures import figure_to_svg

NAN = float("nan")
PUBLISHED_OFFSET = 0.28   # the published bar sits this far (in rows) below its row's estimate
ROW_HEIGHT = 0.34         # inches per row
LABEL_WIDTH = 44          # characters per line of a row label
PAD = 0.08                # share of the x range (of its decades on a log axis) left at each side


@dataclass(frozen=True)
class Scale:
    """A forest plot's x axis: where no effect lies and whether the axis is logarithmic."""

    name: str
    null: float
    log: bool


SCALES = {"ratio": Scale("ratio", 1.0, True), "difference": Scale("difference", 0.0, False)}
"""The two scales: odds ratios (log axis, no effect at 1), differences (linear, no effect at 0)."""


@dataclass(frozen=True)
class ForestRow:
    """One row: `label`, the `estimate` and its interval (`low`, `high`; NaN when there is none).

    published, published_low, published_high: the published value and its interval or
    tolerance range (each may be None: a bare range, or a value alone). passed: the
    verdict of the estimate against the published value (None: not scored). colour: the
    estimate's colour (None: the pass/miss colour of a scored row, else the first of
    `report.colours.OTHER_COLOURS`).
    """

    label: str
    estimate: float
    low: float = NAN
    high: float = NAN
    published: float | None = None
    published_low: float | None = None
    published_high: float | None = None
    passed: bool | None = None
    colour: str | None = None

    @property
    def has_interval(self) -> bool:
        return not (math.isnan(self.low) and math.isnan(self.high))

    @property
    def has_published(self) -> bool:
        return self.published is not None or self.published_range is not None

    @property
    def published_range(self) -> tuple[float, float] | None:
        if self.published_low is None or self.published_high is None:
            return None
        return float(self.published_low), float(self.published_high)

    @property
    def estimate_colour(self) -> str:
        if self.colour:
            return self.colour
        if self.passed is not None:
            return PASS_COLOUR if self.passed else MISS_COLOUR
        return OTHER_COLOURS[0]


def scale_of(scale: str | Scale) -> Scale:
    """The `Scale` named `scale` ('ratio' or 'difference'), or `scale` itself."""
    if isinstance(scale, Scale):
        return scale
    if scale not in SCALES:
        raise ValueError(f"unknown forest scale {scale!r} (one of {', '.join(SCALES)})")
    return SCALES[scale]


def row_positions(n: int) -> np.ndarray:
    """The y of each of `n` rows: the first row on top (y = n - 1), the last at y = 0."""
    return np.arange(n - 1, -1, -1, dtype=float)


def _usable(x, log: bool) -> bool:
    return x is not None and np.isfinite(x) and (x > 0 or not log)


def x_limits(rows: Sequence[ForestRow], scale: str | Scale) -> tuple[float, float]:
    """The x range that shows every finite estimate, interval end, published value and the null
    line, padded by `PAD` at each side (multiplicatively on a log axis). Values a log axis
    cannot show (zero, negative) are left out."""
    s = scale_of(scale)
    xs = [s.null]
    for r in rows:
        for x in (r.estimate, r.low, r.high, r.published, r.published_low, r.published_high):
            if _usable(x, s.log):
                xs.append(float(x))
    lo, hi = min(xs), max(xs)
    if s.log:
        a, b = math.log10(lo), math.log10(hi)
        d = max(b - a, 0.3) * PAD
        return 10 ** (a - d), 10 ** (b + d)
    d = max(hi - lo, 1e-9) * PAD
    return lo - d, hi + d


def _interval(lo: float, hi: float, limits: tuple[float, float], log: bool) -> tuple[list[float], list[int]]:
    """An interval's drawn ends (open ends at the axis edge) and the indices of the capped (finite, inside) ends."""
    ends, capped = [], []
    for i, (x, edge) in enumerate(((lo, limits[0]), (hi, limits[1]))):
        inside = _usable(x, log) and limits[0] <= x <= limits[1]
        ends.append(float(x) if inside else edge)
        if inside:
            capped.append(i)
    return ends, capped


def wrapped(label: str, width: int = LABEL_WIDTH) -> str:
    """A row label broken into lines of at most `width` characters (at spaces)."""
    return "\n".join(textwrap.wrap(label, width)) or label


def forest_figure(rows: Sequence[ForestRow], scale: str | Scale, xlabel: str, title: str = "",
                  interval_label: str = "simulated 95% CI", published_label: str = "published (value, range)",
                  width: float = 7.0) -> Figure:
    """The forest plot of `rows` (top to bottom in the given order) on `scale` ('ratio':
    log axis, no effect at 1; 'difference': linear, no effect at 0), x labelled `xlabel`.

    interval_label, published_label: the legend's words for the estimate's interval and
    the published value. With no rows the figure says so.
    """
    s = scale_of(scale)
    n = len(rows)
    fig = Figure(figsize=(width, 1.5 + ROW_HEIGHT * max(n, 1)), layout="constrained")
    ax = fig.subplots()
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    if not rows:
        ax.text(0.5, 0.5, "no effects to show", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    if s.log:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    limits = x_limits(rows, s)
    ax.set_xlim(*limits)
    ax.axvline(s.null, color=NULL_COLOUR, ls="--", lw=1.0, zorder=1, label="no effect")
    right = blended_transform_factory(ax.transAxes, ax.transData)
    labelled: set[str] = set()

    def once(what: str) -> str | None:
        if what in labelled:
            return None
        labelled.add(what)
        return what

    for i, (r, y) in enumerate(zip(rows, row_positions(n))):
        colour = r.estimate_colour
        if r.has_interval:
            ends, capped = _interval(r.low, r.high, limits, s.log)
            ax.plot(ends, [y, y], color=colour, lw=1.6, marker="|", ms=8, markevery=capped, zorder=3,
                    gid=f"ci-{i}", label=once(interval_label))
        if _usable(r.estimate, s.log):
            ax.plot([r.estimate], [y], marker="s", ms=6, color=colour, ls="none", zorder=4,
                    gid=f"estimate-{i}", label=once("simulated"))
        rng = r.published_range
        yp = y - PUBLISHED_OFFSET
        if rng is not None:
            ends, _ = _interval(rng[0], rng[1], limits, s.log)
            ax.plot(ends, [yp, yp], color=PUBLISHED_COLOUR, lw=4.5, alpha=0.3, solid_capstyle="butt", zorder=2,
                    gid=f"published-range-{i}", label=once(published_label))
        if _usable(r.published, s.log):
            ax.plot([r.published], [yp], marker="D", ms=5, mfc="white", mec=PUBLISHED_COLOUR, ls="none",
                    zorder=4, gid=f"published-{i}", label=once(published_label) if rng is None else None)
        if r.passed is not None:
            ax.text(1.01, y, "pass" if r.passed else "miss", transform=right, va="center", ha="left",
                    fontsize=8, fontweight="bold", color=PASS_COLOUR if r.passed else MISS_COLOUR,
                    gid=f"verdict-{i}")
    ax.set_yticks(row_positions(n), [wrapped(r.label) for r in rows], fontsize=8)
    ax.set_ylim(-0.5 - PUBLISHED_OFFSET, n - 0.5)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.12 - 0.6 / max(n, 1)),
              ncol=2, borderaxespad=0.0)
    return fig


def forest_svg(rows: Sequence[ForestRow], scale: str | Scale, xlabel: str, title: str = "", **kw) -> str:
    """`forest_figure` as inline SVG text (`figures.figure_to_svg`)."""
    return figure_to_svg(forest_figure(rows, scale, xlabel, title, **kw))
