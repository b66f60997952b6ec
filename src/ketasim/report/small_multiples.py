"""Small multiples: many time courses as a grid of small panels, one unit and a handful of series each.

Fifty series on one axis labelled "1" cannot be read. Here each panel holds series of one
unit (its y label), at most `MAX_SERIES` of them, each moving over at least
1/`MAX_RANGE_RATIO` of the panel's y range (so no curve is drawn flat: a score of 30
points and a relative level near 1 get panels of their own), and series of one model
module stay together where they fit. Each panel is its own small figure (an SVG line
chart written directly, `svg_chart`) with its legend below the plot, laid out by the page
(a CSS grid), so legends cannot overlap each other and the grid reflows to the window's width.

`unit_panels` decides the panels (pure, testable); `panel_stack` makes one a chart;
`small_multiples_html` returns the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .figures import time_lines, unit_label
from .markup import esc
from .svg_chart import LineChart, Stack, stack_svg

MAX_SERIES = 5          # series per panel
MAX_RANGE_RATIO = 20.0  # a panel's whole y range over the smallest range of one of its series


@dataclass(frozen=True)
class Panel:
    """One small panel: the `units` attribute its series share, their names, and a title (their modules)."""

    unit: str
    names: tuple[str, ...]
    title: str

    @property
    def ylabel(self) -> str:
        """The panel's y-axis label: its unit (`figures.unit_label`)."""
        return unit_label(self.unit)


def module_of(ds, name: str) -> str:
    """The model module a series comes from: the first word of its `source` attribute ('' if none)."""
    source = str(ds[name].attrs.get("source", "") or "")
    return source.split(" ", 1)[0].split("(", 1)[0]


def extent(ds, name: str) -> tuple[float, float]:
    """The (smallest, largest) finite value of a series ((0, 0) when it has none)."""
    y = np.asarray(ds[name].values, dtype=float)
    y = y[np.isfinite(y)]
    return (float(y.min()), float(y.max())) if y.size else (0.0, 0.0)


def balanced(names: Sequence[str], size: int) -> list[tuple[str, ...]]:
    """`names` cut, in order, into the fewest runs of at most `size`, as even as possible (7, 5 -> 4 + 3)."""
    k = max(1, -(-len(names) // size))
    bounds = np.linspace(0, len(names), k + 1).round().astype(int)
    return [tuple(names[a:b]) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def fits(ds, names: Sequence[str], ratio: float) -> bool:
    """True when each series' own range is at least 1/`ratio` of the range they span together,
    so that none is drawn as a flat line on the shared axis (a constant series fits only alone)."""
    spans = [extent(ds, n) for n in names]
    total = max(hi for _, hi in spans) - min(lo for lo, _ in spans)
    return all((hi - lo) * ratio >= total for lo, hi in spans)


def by_size(ds, names: Sequence[str], ratio: float) -> list[list[str]]:
    """`names` sorted into groups that fit one axis (`fits`; each joins the first group it fits), in order."""
    groups: list[list[str]] = []
    for n in names:
        home = next((g for g in groups if fits(ds, (*g, n), ratio)), None)
        if home is None:
            groups.append([n])
        else:
            home.append(n)
    return groups


def unit_panels(ds, names: Sequence[str], max_series: int = MAX_SERIES, ratio: float = MAX_RANGE_RATIO,
                group: Callable[[object, str], str] = module_of) -> list[Panel]:
    """The panels for the named series of `ds` (names absent from `ds` skipped).

    Series are split by unit (in the order units first appear), then, in the given order,
    into runs of one `group` (default: the model module). A run longer than `max_series` is
    cut evenly first; a run (or piece) joins the open panel when the panel keeps at most
    `max_series` series that all fit one axis (`fits` with `ratio`), else it starts new
    panels, sorted by size (`by_size`) when its own series do not fit one axis.
    """
    by_unit: dict[str, list[str]] = {}
    for n in names:
        if n in ds.data_vars:
            by_unit.setdefault(str(ds[n].attrs.get("units", "") or ""), []).append(n)
    panels: list[Panel] = []
    for unit, members in by_unit.items():
        runs: list[list[str]] = []
        for n in members:
            if runs and group(ds, runs[-1][-1]) == group(ds, n):
                runs[-1].append(n)
            else:
                runs.append([n])
        open_: list[str] = []
        for run in runs:
            for piece in balanced(run, max_series):
                if open_ and len(open_) + len(piece) <= max_series and fits(ds, (*open_, *piece), ratio):
                    open_.extend(piece)
                    continue
                if open_:
                    panels.append(make_panel(ds, unit, open_, group))
                *whole, open_ = by_size(ds, piece, ratio)
                panels += [make_panel(ds, unit, part, group) for part in whole]
        if open_:
            panels.append(make_panel(ds, unit, open_, group))
    return panels


def make_panel(ds, unit: str, names: Sequence[str], group: Callable[[object, str], str] = module_of) -> Panel:
    """A Panel of `names`, titled by their groups (modules) in order."""
    groups = list(dict.fromkeys(g for g in (group(ds, n) for n in names) if g))
    return Panel(unit, tuple(names), ", ".join(groups))


def panel_stack(ds, panel: Panel) -> Stack:
    """One small panel as a one-chart `svg_chart.Stack`: the series against time (hours or
    days; `figures.time_lines`), y labelled with the unit, the module names as title, the
    series' names as legend below."""
    x, xlabel, lines = time_lines(ds, panel.names, label=lambda _ds, name: str(name))
    return Stack((LineChart(x, lines, panel.ylabel, panel.title),), xlabel)


def small_multiples_html(ds, names: Sequence[str], caption: str, max_series: int = MAX_SERIES) -> str:
    """The grid of small panels as HTML (one <figure> per panel), with one caption under the grid."""
    panels = unit_panels(ds, names, max_series)
    if not panels:
        return ""
    cells = "".join(f'<figure class="fig">{stack_svg(panel_stack(ds, p))}</figure>' for p in panels)
    return (f'<div class="multiples">{cells}</div>'
            f'<p class="small muted">{esc(caption)}</p>')
