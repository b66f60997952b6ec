"""A small line chart written directly as SVG text: the report's small multiples.

A run report draws some thirty small panels of a few time courses each. Drawn through
matplotlib, each costs about 0.12 s (figure, layout, SVG backend), several seconds in all
for figures that are only lines, two axes, a grid and a legend. This module writes that
chart itself, in about a millisecond: `LineChart` is the chart as data (immutable),
`chart_svg` its SVG text (pure). Tick positions follow the 1-2-2.5-5 rule; the y range
covers every finite value with a 5 % margin, so no line leaves the plot and no clip path
is needed; a non-finite value breaks a line. Text stays text (a screen reader and a search
find it), sizes are in px, and the figure scales to its box (viewBox).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .markup import esc

WIDTH = 440.0          # px, the whole figure
PLOT_HEIGHT = 150.0    # px, the plotting area
LEFT, RIGHT, TOP = 62.0, 14.0, 24.0  # px: y tick labels and y label; right padding; title
BELOW_AXIS = 38.0      # px: x tick labels and x label under the plot
LEGEND_ROW = 14.0      # px per legend entry (one per row, under the chart)
TICK_FONT, LABEL_FONT = 9.5, 10.5  # px
TARGET_TICKS = 5
DASHES = {"-": "", "--": "6 3", ":": "1.5 2.5"}
"""SVG stroke-dasharray of matplotlib-style line styles (solid, dashed, dotted)."""


@dataclass(frozen=True)
class Line:
    """One series: its legend label, values (one per x), colour (CSS) and style ('-', '--' or ':')."""

    label: str
    y: tuple[float, ...]
    colour: str
    style: str = "-"


@dataclass(frozen=True)
class LineChart:
    """A chart of lines against a shared x: axis labels, a title (may be empty), lines in legend order."""

    x: tuple[float, ...]
    lines: tuple[Line, ...]
    xlabel: str
    ylabel: str
    title: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        """The legend's texts, in order."""
        return tuple(line.label for line in self.lines)


def nice_ticks(lo: float, hi: float, target: int = TARGET_TICKS) -> np.ndarray:
    """Round tick values covering [lo, hi]: multiples of 1, 2, 2.5 or 5 x 10^k, about `target` of them.

    A zero-width range is widened around its value (a constant series still gets an axis).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return np.array([0.0, 1.0])
    if hi <= lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(1, target - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw * 0.999)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return np.arange(first, last + 1) * step


def tick_text(values: np.ndarray) -> list[str]:
    """Tick labels with as many decimals as the step needs (scientific when the values are very
    large or the step very small), so neighbouring labels always differ; zero is '0', never '-0'."""
    if values.size < 2:
        return [f"{v:g}" for v in values]
    step = float(values[1] - values[0])
    values = np.where(np.abs(values) < step * 1e-6, 0.0, values)
    biggest = float(np.max(np.abs(values)))
    if biggest >= 1e5 or step < 1e-3:
        digits = max(1, int(math.ceil(math.log10(biggest / step))))
        return [f"{v:.{digits}e}" if v != 0 else "0" for v in values]
    decimals = max(0, -int(math.floor(math.log10(step) + 1e-9)))
    if abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6:  # 2.5 x 10^k needs one more
        decimals += 1
    return [f"{v:.{decimals}f}" for v in values]


def y_range(chart: LineChart) -> tuple[float, float]:
    """The y axis' range: every finite value of every line, with a 5 % margin each side."""
    finite = [v for line in chart.lines for v in line.y if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    if hi <= lo:
        pad = abs(lo) * 0.05 or 1.0
        return lo - pad, hi + pad
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def path_data(xs: np.ndarray, ys: np.ndarray) -> str:
    """SVG path data through the points (pixels), a new subpath after each non-finite value."""
    parts, pen_down = [], False
    for x, y in zip(xs, ys):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    return "".join(parts)


def chart_svg(chart: LineChart) -> str:
    """The chart as inline SVG text (no prolog, no ids, no external references)."""
    x = np.asarray(chart.x, dtype=float)
    x0, x1 = (float(np.nanmin(x)), float(np.nanmax(x))) if x.size else (0.0, 1.0)
    if x1 <= x0:
        x1 = x0 + 1.0
    y0, y1 = y_range(chart)
    plot_w = WIDTH - LEFT - RIGHT
    top = TOP if chart.title else 10.0
    bottom = top + PLOT_HEIGHT
    height = bottom + BELOW_AXIS + LEGEND_ROW * len(chart.lines) + 6.0

    def px(v):
        return LEFT + (np.asarray(v, dtype=float) - x0) / (x1 - x0) * plot_w

    def py(v):
        return bottom - (np.asarray(v, dtype=float) - y0) / (y1 - y0) * PLOT_HEIGHT

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {height:.0f}" '
           f'width="{WIDTH:.0f}" height="{height:.0f}" role="img" font-family="sans-serif">',
           f"<title>{esc(chart.title or chart.ylabel)} against {esc(chart.xlabel)}</title>"]
    grid, labels = [], []
    for v, text in zip(*(lambda t: (t, tick_text(t)))(nice_ticks(x0, x1))):
        if x0 - 1e-9 * (x1 - x0) <= v <= x1 + 1e-9 * (x1 - x0):
            p = float(px(v))
            grid.append(f"M{p:.1f} {top:.1f}V{bottom:.1f}")
            labels.append(f'<text x="{p:.1f}" y="{bottom + 13:.1f}" text-anchor="middle">{esc(text)}</text>')
    for v, text in zip(*(lambda t: (t, tick_text(t)))(nice_ticks(y0, y1))):
        if y0 <= v <= y1:
            p = float(py(v))
            grid.append(f"M{LEFT:.1f} {p:.1f}H{LEFT + plot_w:.1f}")
            labels.append(f'<text x="{LEFT - 4:.1f}" y="{p + 3.3:.1f}" text-anchor="end">{esc(text)}</text>')
    out.append(f'<path d="{"".join(grid)}" stroke="#b0b0b0" stroke-opacity="0.5" stroke-width="0.8" fill="none"/>')
    out.append(f'<rect x="{LEFT:.1f}" y="{top:.1f}" width="{plot_w:.1f}" height="{PLOT_HEIGHT:.1f}" '
               'fill="none" stroke="#333" stroke-width="0.8"/>')
    out.append(f'<g font-size="{TICK_FONT}" fill="#333">{"".join(labels)}</g>')
    for line in chart.lines:
        dash = DASHES.get(line.style, "")
        d = path_data(px(x), py(np.asarray(line.y, dtype=float)))
        out.append(f'<path d="{d}" stroke="{line.colour}" stroke-width="1.6" fill="none"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
    mid_y = (top + bottom) / 2
    out.append(f'<g font-size="{LABEL_FONT}" fill="#222">'
               f'<text x="{LEFT + plot_w / 2:.1f}" y="{bottom + 30:.1f}" text-anchor="middle">{esc(chart.xlabel)}</text>'
               f'<text transform="translate(14 {mid_y:.1f}) rotate(-90)" text-anchor="middle">{esc(chart.ylabel)}</text>'
               + (f'<text x="{LEFT:.1f}" y="{top - 8:.1f}">{esc(chart.title)}</text>' if chart.title else "")
               + "</g>")
    legend = []
    for i, line in enumerate(chart.lines):
        y = bottom + BELOW_AXIS + LEGEND_ROW * i + 4.0
        dash = DASHES.get(line.style, "")
        legend.append(f'<path d="M{LEFT:.1f} {y:.1f}h22" stroke="{line.colour}" stroke-width="1.6"'
                      + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
                      f'<text x="{LEFT + 28:.1f}" y="{y + 3.5:.1f}">{esc(line.label)}</text>')
    out.append(f'<g font-size="{TICK_FONT}" fill="#222">{"".join(legend)}</g>')
    out.append("</svg>")
    return "".join(out)
