"""Window statistics: the course over a window [lo, hi] (min), the whole course by default.

Each function: (t (T,) min, y (..., T), options, other, xp) -> (...,). The window holds at
least two grid points (checked when a call is prepared, see `call.call_of`).
"""

from __future__ import annotations

from .grid import trapezoid, window_index


def _part(t, y, o):
    idx = window_index(t, o.window)
    return t[idx], y[..., idx]


def maximum(t, y, o, other, xp):
    """The largest value in the window."""
    return xp.max(_part(t, y, o)[1], axis=-1)


def minimum(t, y, o, other, xp):
    """The smallest value in the window."""
    return xp.min(_part(t, y, o)[1], axis=-1)


def time_of_max(t, y, o, other, xp):
    """The grid time (min) of the largest value in the window (the first if tied)."""
    tw, yw = _part(t, y, o)
    return xp.asarray(tw)[xp.argmax(yw, axis=-1)]


def time_of_min(t, y, o, other, xp):
    """The grid time (min) of the smallest value in the window (the first if tied)."""
    tw, yw = _part(t, y, o)
    return xp.asarray(tw)[xp.argmin(yw, axis=-1)]


def auc(t, y, o, other, xp):
    """Area under the curve over the window (linear trapezoid), in unit x min."""
    tw, yw = _part(t, y, o)
    return trapezoid(tw, yw, xp)


def mean(t, y, o, other, xp):
    """Time-weighted mean over the window: AUC / window length."""
    tw, yw = _part(t, y, o)
    return trapezoid(tw, yw, xp) / (tw[-1] - tw[0])
