"""Line charts written directly as SVG text: the run report's time-course figures.

A run report draws some forty panels of a few time courses each. Drawn through
matplotlib, a panel costs about 0.1 s (figure, tick layout, SVG backend), several seconds
per report for figures that are only lines, axes, a grid and a legend. This module writes
them itself, in about a millisecond a panel: `LineChart` is one plotting area as data,
`Stack` a column of them over a shared x axis (one panel is a stack of one), `Row`
stacks side by side, and `stack_svg` / `row_svg` their SVG text (pure). Linear ticks follow the 1-2-2.5-5 rule, logarithmic ones
the decades (with 2 and 5 when fewer than two decades show); the y range covers every
finite value and reference line with a 5 % margin (a log axis: a factor), so no line
leaves its panel and no clip path is needed; a non-finite value (or, on a log axis, one
at or below zero) breaks a line. Text stays text (a screen reader and a search find it),
sizes are px, and the figure scales to its box (viewBox).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .markup import esc

WIDTH = 440.0          # px, a one-panel figure (a small multiple)
WIDE = 640.0           # px, a stack of panels
PLOT_HEIGHT = 150.0    # px, the plotting area of a one-panel figure
RIGHT, TITLE = 14.0, 14.0  # px: right padding; a panel title's band
ROTATED_LEFT = 62.0    # px left of the plot when the y label is rotated (tick labels and label)
BELOW_AXIS = 38.0      # px: x tick labels and x label under the bottom panel
GAP = 8.0              # px between stacked panels
LEGEND_ROW = 14.0      # px per legend entry
CHAR = 5.8             # px, a rough width of one character at TICK_FONT (layout of labels)
TICK_LABELS = 6 * CHAR  # px left of a panel kept for its y tick labels
TICK_FONT, LABEL_FONT = 9.5, 10.5  # px
TARGET_TICKS = 5
LOG_SPAN = 1e4         # a log y axis shows at most four decades below its largest value
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
    """One plotting area: x values, lines (legend order), y label, title (may be empty),
    a log y axis or not, and dotted reference lines (y values, e.g. 1 for 'untreated')."""

    x: tuple[float, ...]
    lines: tuple[Line, ...]
    ylabel: str
    title: str = ""
    ylog: bool = False
    references: tuple[float, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """The legend's texts, in order."""
        return tuple(line.label for line in self.lines)


@dataclass(frozen=True)
class Stack:
    """Panels one above the other over a shared x axis (ticks and label under the last).

    legend: 'below' (every panel's entries under the stack; a one-panel figure) or 'right'
    (beside each panel that has at least `legend_min` lines; '' for none). ylabel: 'rotated' (along
    the axis) or 'horizontal' (left of the panel: long names of stacked panels) or '' (none).
    """

    charts: tuple[LineChart, ...]
    xlabel: str
    xlog: bool = False
    legend: str = "below"
    ylabel: str = "rotated"
    width: float = WIDTH
    panel_height: float = PLOT_HEIGHT
    title: str = ""
    legend_min: int = 2


@dataclass(frozen=True)
class Row:
    """Stacks side by side (e.g. the same panels over hours and over weeks), as one figure."""

    stacks: tuple[Stack, ...]


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


def log_ticks(lo: float, hi: float) -> np.ndarray:
    """Ticks of a log axis over [lo, hi] (both > 0): the decades inside, with 2x and 5x when
    fewer than two decades show (so a short axis still has at least two ticks)."""
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    steps = (1.0,) if k1 - k0 > 2 else (1.0, 2.0, 5.0)
    ticks = [m * 10.0 ** k for k in range(k0, k1 + 1) for m in steps]
    return np.array([v for v in ticks if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)])


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


def log_text(values: np.ndarray) -> list[str]:
    """Labels of log-axis ticks: plain numbers from 0.001 to 10^5, else powers of ten."""
    return [f"{v:g}" if 1e-3 <= v < 1e5 else f"{v:.0e}" for v in values]


def ticks(lo: float, hi: float, log: bool) -> list[tuple[float, str]]:
    """(value, label) of an axis' ticks inside [lo, hi] (`log_ticks`/`log_text` on a log axis,
    `nice_ticks`/`tick_text` on a linear one)."""
    values = log_ticks(lo, hi) if log else nice_ticks(lo, hi)
    texts = log_text(values) if log else tick_text(values)
    slack = 1e-9 * abs(hi - lo)
    return [(float(v), t) for v, t in zip(values, texts) if lo - slack <= v <= hi + slack]


def axis_range(values: list[float], log: bool) -> tuple[float, float]:
    """An axis' range over `values` (finite ones; on a log axis positive ones within LOG_SPAN of
    the largest), with a 5 % margin each side (on a log axis, 5 % of the decades shown)."""
    v = [x for x in values if math.isfinite(x) and (x > 0 or not log)]
    if not v:
        return (1.0, 10.0) if log else (0.0, 1.0)
    if log:
        hi = max(v)
        lo = max(min(v), hi / LOG_SPAN)
        a, b = math.log10(lo), math.log10(hi)
        pad = 0.05 * (b - a) if b > a else 0.5
        return 10.0 ** (a - pad), 10.0 ** (b + pad)
    lo, hi = min(v), max(v)
    if hi <= lo:
        pad = abs(lo) * 0.05 or 1.0
        return lo - pad, hi + pad
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def x_range(x: np.ndarray, log: bool) -> tuple[float, float]:
    """The x axis' range: the data's extent exactly (positive values on a log axis)."""
    v = x[np.isfinite(x) & ((x > 0) | (not log))]
    if not v.size:
        return (1.0, 10.0) if log else (0.0, 1.0)
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        hi = lo * 10.0 if log else lo + 1.0
    return lo, hi


def scale(lo: float, hi: float, a: float, b: float, log: bool):
    """The map from data to pixels taking lo -> a and hi -> b (linear, or linear in log10)."""
    if log:
        la, lb = math.log10(lo), math.log10(hi)
        return lambda v: a + (np.log10(np.where(np.asarray(v, float) > 0, v, np.nan)) - la) / (lb - la) * (b - a)
    return lambda v: a + (np.asarray(v, dtype=float) - lo) / (hi - lo) * (b - a)


def path_data(xs: np.ndarray, ys: np.ndarray) -> str:
    """SVG path data through the points (pixels), a new subpath after each non-finite value.
    The finite test and the pen state are computed on the arrays (a run's report draws some
    150,000 points: per-point tests took 0.05 s of a 3-s `ketasim run`)."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return ""
    pen = np.concatenate(([False], ok[:-1]))[ok]          # the previous point was drawn: a line to this one
    commands = np.where(pen, "L", "M").tolist()
    return "".join([f"{c}{x:.1f} {y:.1f}" for c, x, y in zip(commands, xs[ok].tolist(), ys[ok].tolist())])


def stroke(line: Line) -> str:
    """The SVG stroke attributes of a line."""
    dash = DASHES.get(line.style, "")
    return f'stroke="{line.colour}" stroke-width="1.6" fill="none"' + (f' stroke-dasharray="{dash}"' if dash else "")


def legend_entries(lines: tuple[Line, ...], x: float, y: float) -> str:
    """Legend entries (a line sample and the label), one per row, the first at (x, y)."""
    return "".join(f'<path d="M{x:.1f} {y + LEGEND_ROW * i:.1f}h22" {stroke(line)}/>'
                   f'<text x="{x + 28:.1f}" y="{y + LEGEND_ROW * i + 3.5:.1f}">{esc(line.label)}</text>'
                   for i, line in enumerate(lines))


def margins(stack: Stack) -> tuple[float, float]:
    """(left, right) margins in px: room for the y labels and tick labels, and for a right legend."""
    if stack.ylabel == "horizontal":
        longest = max((len(part) for c in stack.charts for part in c.ylabel.split("\n")), default=0)
        left = 16.0 + CHAR * 1.1 * longest + TICK_LABELS
    else:
        left = ROTATED_LEFT if stack.ylabel else CHAR * 7 + 8.0
    right = RIGHT
    if stack.legend == "right" and any(len(c.lines) >= stack.legend_min for c in stack.charts):
        right += 34.0 + 0.9 * CHAR * max(len(line.label) for c in stack.charts for line in c.lines)
    return left, right


def panel_svg(chart: LineChart, x0: float, x1: float, xlog: bool, left: float, top: float, width: float,
              height: float, stack: Stack, bottom_panel: bool) -> list[str]:
    """The SVG elements of one panel whose plotting area starts at (left, top)."""
    bottom = top + height
    px = scale(x0, x1, left, left + width, xlog)
    y0, y1 = axis_range([v for line in chart.lines for v in line.y] + list(chart.references), chart.ylog)
    py = scale(y0, y1, bottom, top, chart.ylog)
    grid, labels = [], []
    for v, text in ticks(x0, x1, xlog):
        p = float(px(v))
        grid.append(f"M{p:.1f} {top:.1f}V{bottom:.1f}")
        if bottom_panel:
            labels.append(f'<text x="{p:.1f}" y="{bottom + 13:.1f}" text-anchor="middle">{esc(text)}</text>')
    for v, text in ticks(y0, y1, chart.ylog):
        p = float(py(v))
        grid.append(f"M{left:.1f} {p:.1f}H{left + width:.1f}")
        labels.append(f'<text x="{left - 4:.1f}" y="{p + 3.3:.1f}" text-anchor="end">{esc(text)}</text>')
    out = [f'<path d="{"".join(grid)}" stroke="#b0b0b0" stroke-opacity="0.5" stroke-width="0.8" fill="none"/>',
           f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" '
           'fill="none" stroke="#333" stroke-width="0.8"/>',
           f'<g font-size="{TICK_FONT}" fill="#333">{"".join(labels)}</g>']
    for ref in chart.references:
        p = float(py(ref))
        out.append(f'<path d="M{left:.1f} {p:.1f}H{left + width:.1f}" stroke="#999" stroke-width="0.8" '
                   'stroke-dasharray="1.5 2.5"/>')
    x = np.asarray(chart.x, dtype=float)
    for line in chart.lines:
        y = np.asarray(line.y, dtype=float)
        if chart.ylog:  # below the decades shown the line ends (it would leave the panel)
            y = np.where(y >= y0, y, np.nan)
        out.append(f'<path d="{path_data(px(x), py(y))}" {stroke(line)}/>')
    text = []
    if chart.title:
        text.append(f'<text x="{left:.1f}" y="{top - 4:.1f}">{esc(chart.title)}</text>')
    if stack.ylabel == "rotated":
        text.append(f'<text transform="translate(14 {(top + bottom) / 2:.1f}) rotate(-90)" '
                    f'text-anchor="middle">{esc(chart.ylabel)}</text>')
    elif stack.ylabel == "horizontal":  # one row per line of the label, centred on the panel
        parts = chart.ylabel.split("\n")
        first = (top + bottom) / 2 + 3.5 - 6.5 * (len(parts) - 1)
        label_x = left - TICK_LABELS - 4
        text.append(f'<text x="{label_x:.1f}" y="{first:.1f}" text-anchor="end">' + "".join(
            f'<tspan x="{label_x:.1f}" dy="{0 if i == 0 else 13}">{esc(part)}</tspan>'
            for i, part in enumerate(parts)) + "</text>")
    out.append(f'<g font-size="{LABEL_FONT}" fill="#222">{"".join(text)}</g>')
    if stack.legend == "right" and len(chart.lines) >= stack.legend_min:
        first = (top + bottom) / 2 - LEGEND_ROW * (len(chart.lines) - 1) / 2
        out.append(f'<g font-size="{TICK_FONT}" fill="#222">'
                   f'{legend_entries(chart.lines, left + width + 10, first)}</g>')
    return out


def stack_body(stack: Stack) -> tuple[str, float]:
    """(the SVG elements of the stack from (0, 0), its height in px): what `stack_svg` wraps."""
    left, right = margins(stack)
    plot_w = stack.width - left - right
    xs = np.concatenate([np.asarray(c.x, dtype=float) for c in stack.charts]) if stack.charts else np.zeros(0)
    x0, x1 = x_range(xs, stack.xlog)
    out, top = [], 10.0
    if stack.title:
        out.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + 4:.1f}" text-anchor="middle" '
                   f'font-size="{LABEL_FONT}" fill="#222">{esc(stack.title)}</text>')
        top += TITLE
    for i, chart in enumerate(stack.charts):
        top += TITLE if chart.title else 0.0
        out += panel_svg(chart, x0, x1, stack.xlog, left, top, plot_w, stack.panel_height, stack,
                         i == len(stack.charts) - 1)
        top += stack.panel_height + (GAP if i < len(stack.charts) - 1 else 0.0)
    bottom = top
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{bottom + 30:.1f}" text-anchor="middle" '
               f'font-size="{LABEL_FONT}" fill="#222">{esc(stack.xlabel)}</text>')
    height = bottom + BELOW_AXIS
    if stack.legend == "below":
        lines = tuple(line for c in stack.charts for line in c.lines)
        out.append(f'<g font-size="{TICK_FONT}" fill="#222">{legend_entries(lines, left, height + 4.0)}</g>')
        height += LEGEND_ROW * len(lines)
    return "".join(out), height + 6.0


def svg_open(width: float, height: float, what: str) -> str:
    """The opening <svg> tag of a figure of that size (px) and its <title> (what it shows)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" font-family="sans-serif">'
            f"<title>{esc(what)}</title>")


def described(stack: Stack) -> str:
    """What a stack shows, for its <title>: the panels against the x axis."""
    return ", ".join(c.title or c.ylabel.replace("\n", " ") for c in stack.charts) + f" against {stack.xlabel}"


def stack_svg(stack: Stack) -> str:
    """The stack as inline SVG text (no prolog, no ids, no external references)."""
    body, height = stack_body(stack)
    return svg_open(stack.width, height, described(stack)) + body + "</svg>"


def row_svg(row: Row) -> str:
    """The stacks side by side as one inline SVG (each in a group at its offset)."""
    parts, x, height = [], 0.0, 0.0
    for stack in row.stacks:
        body, h = stack_body(stack)
        parts.append(f'<g transform="translate({x:.0f} 0)">{body}</g>')
        x += stack.width
        height = max(height, h)
    return svg_open(x, height, "; ".join(described(st) for st in row.stacks)) + "".join(parts) + "</svg>"
