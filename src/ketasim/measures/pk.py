"""Pharmacokinetic statistics: half-lives from log-linear fits, exposure ratios.

Each function: (t (T,) min, y (..., T), options, other, xp) -> (...,); NaN where the value
is undefined (see each `Statistic.undefined` in the registry).
"""

from __future__ import annotations

import numpy as np

from .grid import log_linear_slope, trapezoid, window_index

TERMINAL_FRACTION = 0.3   # the terminal phase: the last 30 % of the simulated time
TERMINAL_POINTS = 3       # fewest positive, declining points a terminal fit needs


def _half_life(slope, enough, xp):
    """ln 2 / -slope (min), NaN where the slope is not negative or there are too few points."""
    ok = enough & (slope < 0)
    return xp.where(ok, np.log(2) / -xp.where(ok, slope, -1.0), xp.nan)


def half_life(t, y, o, other, xp):
    """Half-life (min) from a log-linear least-squares fit over every point of the window;
    NaN unless all of them are positive and the fit declines."""
    idx = window_index(t, o.window)
    tw, yw = t[idx], y[..., idx]
    positive = yw > 0
    slope = log_linear_slope(tw, yw, positive, xp)
    return _half_life(slope, xp.all(positive, axis=-1), xp)


def terminal_half_life(t, y, o, other, xp):
    """Terminal half-life (min): a log-linear fit over the last TERMINAL_FRACTION of the
    window, using only points that are finite, positive and below the previous sample;
    NaN with fewer than TERMINAL_POINTS such points or a fit that does not decline."""
    idx = window_index(t, o.window)
    tw, yw = t[idx], y[..., idx]
    start = tw[-1] - TERMINAL_FRACTION * (tw[-1] - tw[0])
    falling = xp.concatenate([xp.zeros_like(yw[..., :1], dtype=bool), yw[..., 1:] < yw[..., :-1]], axis=-1)
    use = (tw >= start) & xp.isfinite(yw) & (yw > 0) & falling
    slope = log_linear_slope(tw, yw, use, xp)
    return _half_life(slope, xp.sum(use, axis=-1) >= TERMINAL_POINTS, xp)


def auc_ratio(t, y, o, other, xp):
    """AUC(y) / AUC(other) over the window, both on the same grid; NaN if the denominator is 0."""
    idx = window_index(t, o.window)
    num = trapezoid(t[idx], y[..., idx], xp)
    den = trapezoid(t[idx], other.y[..., idx], xp)
    zero = den == 0
    return xp.where(zero, xp.nan, num / xp.where(zero, 1.0, den))


def bioavailability(t, y, o, other, xp):
    """(AUC(y) / dose) / (AUC(reference) / reference dose), each over its whole course."""
    ref = trapezoid(np.asarray(other.t, dtype=float), other.y, xp) / o.reference_dose
    zero = ref == 0
    return xp.where(zero, xp.nan, (trapezoid(t, y, xp) / o.dose) / xp.where(zero, 1.0, ref))
