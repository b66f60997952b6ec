"""The time unit of a figure's x axis: hours for short runs, days for long ones.

Simulations keep time in minutes; an axis running 0 to 10,080 minutes reads badly. Every
time-axis figure (the run report, the scorecard's small plots, the explorer) asks here,
so one run shows one unit everywhere: hours up to two days, days beyond.
"""

from __future__ import annotations

import numpy as np

from ..units import MINUTES_PER_DAY

MINUTES_PER_HOUR = 60.0
HOURS_UP_TO_MIN = 2 * MINUTES_PER_DAY  # runs up to two days are drawn in hours


def time_axis(max_minutes: float) -> tuple[float, str]:
    """(minutes per axis unit, unit name) for a run ending at `max_minutes`: 'h' up to two days, 'd' beyond."""
    return (MINUTES_PER_HOUR, "h") if max_minutes <= HOURS_UP_TO_MIN else (MINUTES_PER_DAY, "d")


def display_time(minutes, span: float | None = None) -> tuple[np.ndarray, str]:
    """(times in the axis unit, axis label 'time (h)' or 'time (d)') for times in minutes.

    span: the run's end in minutes, which picks the unit (default: the largest time given),
    so that several series of one run share a unit.
    """
    t = np.asarray(minutes, dtype=float)
    end = span if span is not None else (float(np.nanmax(t)) if t.size else 0.0)
    per, unit = time_axis(end)
    return t / per, f"time ({unit})"
