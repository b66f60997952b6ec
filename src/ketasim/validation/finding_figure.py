"""A small plot of one finding: the simulated curve(s) and, where it can be placed, the
published value with its tolerance as a shaded band.

Each measure that kept a series (a time course, an in-vitro concentration or voltage
curve) contributes its curve once, in its analyte's colour (`report.colours`), on an
axis labelled with the observable and its unit. The published value is drawn at the
measure's point (its `at` time, or the curve's maximum or minimum) only when the curve's
value there *is* the simulated value, i.e. the measure is in the curve's own unit; a
ratio, a change or a trial endpoint is shown in the table, not on the curve. The
tolerance is a band, not an error bar: across the plot for a maximum or minimum (the
measure says nothing of when), a short band at the time or concentration of a
`value_at`; the published value is a line or a marker on it; green where the simulated
value passes, red where it misses.

A trial shows every arm, comparators too, as its mean course with a 95% confidence band
(`ExperimentResult.courses`, computed by `trial.course`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..errors import InputError
from ..experiments.results import ArmCourse, MeasureResult
from ..experiments.schema import Experiment
from ..report.colours import MISS_COLOUR, PASS_COLOUR, panel_colours
from ..report.figures import unit_label
from ..report.time_axis import display_time
from ..units import parse_quantity
from .library_run import LibraryEntry

MAX_POINTS = 300  # per line: keeps each inline SVG small
BAND_ALPHA = 0.22
AT_BAND_HALF_WIDTH = 0.04  # a value_at band's half width, as a share of the x axis (of its decades on a log axis)


def is_time(axis: str) -> bool:
    """True when a series' x axis is time in minutes (in-vivo and trial series)."""
    return axis.startswith("time (min)")


def x_scale(axis: str, x: np.ndarray, span: float | None = None) -> tuple[np.ndarray, str, bool]:
    """x in display units, its label, and whether a log axis suits it (concentrations over > 50-fold).

    Time in minutes is shown in hours or days as `span` (default: the largest x) fits.
    """
    if is_time(axis):
        t, label = display_time(x, span)
        return t, label, False
    positive = x.size and np.all(x > 0)
    return x, axis, bool(axis.startswith("concentration") and positive and x.max() / x.min() > 50)


def axis_unit(axis: str) -> str:
    """The unit in an axis label 'name (unit)...', or ''."""
    if "(" not in axis or ")" not in axis:
        return ""
    return axis[axis.index("(") + 1: axis.index(")")]


def axis_name(axis: str) -> str:
    """The name in an axis label 'name (unit)', or the whole label."""
    return axis.split(" (", 1)[0].strip()


def anchor_x(exp_measure, result: MeasureResult, x: np.ndarray, y: np.ndarray) -> float | None:
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


def tolerance_band(result: MeasureResult) -> tuple[float | None, float, float] | None:
    """(published value, or None for a bare range; low; high): the range a simulated value passes in."""
    if result.range is not None:
        lo, hi = result.range
        return (None if result.expected is None else float(result.expected), float(lo), float(hi))
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


def curve_label(exp: Experiment, i: int) -> str:
    """A measure's curve in the legend: its arm, observable or label."""
    m = exp.measure[i]
    return m.arm if m.arm else (m.observable or m.label)


def y_label(y_axes: Sequence[str]) -> str:
    """The y label of curves with these y axes: 'observable (unit)' for one observable, else the unit."""
    names = {axis_name(a) for a in y_axes if a}
    units = [axis_unit(a) for a in y_axes if a]
    if not units:
        return ""
    if len(names) == 1:
        return f"{names.pop()} ({unit_label(units[0])})"
    return unit_label(units[0])


def draw_band(ax, x_at: float | None, band: tuple[float | None, float, float], passed: bool, log_x: bool,
              label: str | None) -> None:
    """The tolerance band (across the axes when `x_at` is None, else a short band at `x_at`) and the
    published value on it (a line across, or a marker)."""
    value, lo, hi = band
    colour = PASS_COLOUR if passed else MISS_COLOUR
    if x_at is None:
        ax.axhspan(lo, hi, color=colour, alpha=BAND_ALPHA, lw=0, label=label, zorder=1)
        if value is not None:
            ax.axhline(value, color=colour, lw=1.0, ls="--", zorder=2)
        return
    x0, x1 = ax.get_xlim()
    if log_x:
        f = (x1 / x0) ** AT_BAND_HALF_WIDTH
        left, right = x_at / f, x_at * f
    else:
        d = (x1 - x0) * AT_BAND_HALF_WIDTH
        left, right = x_at - d, x_at + d
    ax.fill_between([left, right], [lo, lo], [hi, hi], color=colour, alpha=BAND_ALPHA, lw=0, label=label, zorder=1)
    if value is not None:
        ax.plot([x_at], [value], marker="D", ms=4, color=colour, zorder=5, ls="none")


def finish(ax, fig: Figure, xlabel: str, ylabel: str, log_x: bool, legend: bool) -> Figure:
    """Axis labels, ticks, grid and a legend under the plot (it never covers a curve)."""
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.28), ncol=2,
                  borderaxespad=0.0)
    return fig


def trial_figure(courses: Sequence[ArmCourse]) -> Figure:
    """Every arm's mean course with its 95% band, one colour per arm (a drug's arm in the drug's colour)."""
    fig = Figure(figsize=(4.2, 2.6 + 0.12 * len(courses)), layout="constrained")
    ax = fig.subplots()
    span = max(max(c.x) for c in courses)
    xlabel = ""
    for c, colour in zip(courses, panel_colours([c.arm for c in courses])):
        x, xlabel = display_time(c.x, span)
        ax.fill_between(x, c.low, c.high, color=colour, alpha=BAND_ALPHA, lw=0)
        ax.plot(x, c.mean, marker="o", ms=2.5, lw=1.3, color=colour, label=f"{c.arm} (n = {c.n})")
    return finish(ax, fig, xlabel, courses[0].what, False, True)


def finding_figure(entry: LibraryEntry) -> Figure | None:
    """The finding's small figure, or None when no measure kept a series."""
    if entry.result is None:
        return None
    if entry.result.courses:
        return trial_figure(entry.result.courses)
    exp = entry.experiment
    curves: dict[tuple, tuple[str, np.ndarray, np.ndarray, str]] = {}  # one entry per distinct curve
    marks = []
    axis = ""
    for i, r in enumerate(entry.result.measures):
        if r.series is None or not len(r.series[0]):
            continue
        axis = axis or r.axis
        x, y = np.asarray(r.series[0], float), np.asarray(r.series[1], float)
        key = (len(x), x[0], x[-1], float(np.nansum(y)))
        curves.setdefault(key, (curve_label(exp, i), x, y, r.y_axis))
        at = anchor_x(exp.measure[i], r, x, y)
        band = tolerance_band(r)
        if at is not None and band is not None:
            whole = getattr(exp.measure[i], "statistic", None) in ("max", "min")
            marks.append((None if whole else at, band, r.passed))
    if not curves:
        return None
    fig = Figure(figsize=(4.2, 2.6 + 0.12 * (len(curves) + bool(marks))), layout="constrained")
    ax = fig.subplots()
    span = max(float(np.nanmax(x)) for _, x, _, _ in curves.values())
    xlabel, log = axis, False
    labels = [label for label, _, _, _ in curves.values()]
    for (label, x, y, _), colour in zip(curves.values(), panel_colours(labels)):
        xs, xlabel, log = x_scale(axis, x, span)
        k = max(1, int(np.ceil(len(xs) / MAX_POINTS)))
        ax.plot(xs[::k], y[::k], lw=1.3, label=label, color=colour, zorder=3)
    if log:
        ax.set_xscale("log")
    for j, (at, band, ok) in enumerate(marks):
        x_at = None if at is None else float(x_scale(axis, np.asarray([at]), span)[0][0])
        draw_band(ax, x_at, band, ok, log, "published ± tolerance" if j == 0 else None)
    ylabel = y_label([y_axis for _, _, _, y_axis in curves.values()])
    return finish(ax, fig, xlabel, ylabel, log, len(curves) > 1 or bool(marks))


def finding_caption(entry: LibraryEntry) -> str:
    """What the finding's plot shows, in words (plain text), or '' when it has none."""
    if entry.result is None:
        return ""
    if entry.result.courses:
        return ("Each arm's mean course (all arms, comparators too); shaded: "
                f"{entry.result.courses[0].interval}. The published endpoints are in the table.")
    return ("Simulated curve(s). Shaded: the range a simulated value passes in (the published value's "
            "tolerance; green: pass, red: miss), with the published value as a dashed line or a diamond; "
            "a measure not in the curve's unit (ratio, AUC, half-life) is in the table only.")
