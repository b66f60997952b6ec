"""A small plot of one finding: the simulated curve(s) and, where it can be placed, the
published value with its tolerance.

Each measure that kept a series (a time course, a trial arm's mean MADRS, an in-vitro
concentration or voltage curve) contributes its curve once. The published value is drawn
at the measure's point (its `at` time, or the curve's maximum or minimum) only when the
curve's value there *is* the simulated value, i.e. the measure is in the curve's own
unit; a ratio, a change or a trial endpoint is shown in the table, not on the curve.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..errors import InputError
from ..experiments.results import MeasureResult
from ..experiments.schema import Experiment
from ..units import parse_quantity
from .library_run import LibraryEntry

MAX_POINTS = 300  # per line: keeps each inline SVG small


def _x_scale(axis: str, x: np.ndarray) -> tuple[np.ndarray, str, bool]:
    """x in display units, its label, and whether a log axis suits it (concentrations)."""
    if axis.startswith("time (min)"):
        span = float(np.nanmax(x)) if x.size else 0.0
        if span > 3 * 1440:
            return x / 1440.0, "time (d)", False
        return x / 60.0, "time (h)", False
    positive = x.size and np.all(x > 0)
    return x, axis, bool(axis.startswith("concentration") and positive and x.max() / x.min() > 50)


def axis_unit(axis: str) -> str:
    """The unit in an axis label 'name (unit)...', or ''."""
    if "(" not in axis or ")" not in axis:
        return ""
    return axis[axis.index("(") + 1: axis.index(")")]


def _anchor(exp_measure, result: MeasureResult, x: np.ndarray, y: np.ndarray) -> float | None:
    """The series' x (raw units) where the published value belongs, or None."""
    stat = getattr(exp_measure, "statistic", None)
    if stat == "value_at" and exp_measure.at:
        unit = axis_unit(result.axis)
        try:
            at = parse_quantity(exp_measure.at, unit, "at") if unit else None
        except InputError:
            return None  # the position is not in the axis's unit
        if at is None:
            return None
        i = int(np.argmin(np.abs(x - at)))
    elif stat in ("max", "min"):
        i = int(np.nanargmax(y) if stat == "max" else np.nanargmin(y))
    else:
        return None
    if not np.isfinite(result.simulated) or abs(y[i] - result.simulated) > 1e-3 * max(1.0, abs(result.simulated)):
        return None  # the measure is not in the curve's unit
    return float(x[i])


def _expected_bar(result: MeasureResult) -> tuple[float, float, float] | None:
    """(centre, low, high) of the published value with its tolerance."""
    if result.range is not None:
        lo, hi = result.range
        return (0.5 * (lo + hi), lo, hi)
    if result.expected is None:
        return None
    e = float(result.expected)
    tol = result.tolerance
    if tol.startswith("±") and tol.endswith("%"):
        d = abs(e) * float(tol[1:-1]) / 100.0
    elif tol.startswith("±"):
        d = float(tol[1:])
    else:
        d = 0.0
    return (e, e - d, e + d)


def _label(exp: Experiment, i: int) -> str:
    m = exp.measure[i]
    return m.arm if m.arm else (m.observable or m.label)


def finding_figure(entry: LibraryEntry) -> Figure | None:
    """The finding's small figure, or None when no measure kept a series."""
    if entry.result is None:
        return None
    exp = entry.experiment
    curves: dict[tuple, tuple[str, np.ndarray, np.ndarray]] = {}  # one entry per distinct curve
    marks = []
    axis = ""
    for i, r in enumerate(entry.result.measures):
        if r.series is None or not len(r.series[0]):
            continue
        axis = axis or r.axis
        x, y = np.asarray(r.series[0], float), np.asarray(r.series[1], float)
        key = (len(x), x[0], x[-1], float(np.nansum(y)))
        curves.setdefault(key, (_label(exp, i), x, y))
        at = _anchor(exp.measure[i], r, x, y)
        bar = _expected_bar(r)
        if at is not None and bar is not None:
            marks.append((at, bar, r.passed))
    if not curves:
        return None
    fig = Figure(figsize=(4.2, 2.1))
    ax = fig.subplots()
    for label, x, y in curves.values():
        xs, xlabel, log = _x_scale(axis, x)
        k = max(1, int(np.ceil(len(xs) / MAX_POINTS)))
        ax.plot(xs[::k], y[::k], lw=1.3, label=label)
    for at, (c, lo, hi), ok in marks:
        xa, _, _ = _x_scale(axis, np.asarray([at]))
        ax.errorbar(xa, [c], yerr=[[c - lo], [hi - c]], fmt="o", ms=4, capsize=3,
                    color="#1a7f37" if ok else "#cf222e", zorder=5)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)
    if len(curves) > 1:
        ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig
