"""Point statistics: the course read at a time `at`, alone or against a baseline time.

Each function: (t (T,) min, y (..., T), options, other, xp) -> (...,).
"""

from __future__ import annotations

from .grid import interpolate


def value_at(t, y, o, other, xp):
    """y(at), linearly interpolated."""
    return interpolate(t, y, o.at, xp)


def change_from_baseline(t, y, o, other, xp):
    """y(at) - y(baseline_at)."""
    return interpolate(t, y, o.at, xp) - interpolate(t, y, o.baseline_at, xp)


def ratio_to_baseline(t, y, o, other, xp):
    """y(at) / y(baseline_at); NaN where the baseline value is zero."""
    v, b = interpolate(t, y, o.at, xp), interpolate(t, y, o.baseline_at, xp)
    zero = b == 0
    return xp.where(zero, xp.nan, v / xp.where(zero, 1.0, b))


def relief(t, y, o, other, xp):
    """1 - y(at) / y(baseline_at): the fraction of the baseline relieved (0.5 is a 50 % drop)."""
    return 1.0 - ratio_to_baseline(t, y, o, other, xp)
