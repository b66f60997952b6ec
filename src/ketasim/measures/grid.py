"""Array primitives the statistics share: interpolation, window selection, trapezoid areas.

Every function takes `xp` (numpy or jax.numpy), so one implementation serves both faces
of a statistic. `t` is always a NumPy grid (T,) in minutes, ascending and static (known
when a statistic is prepared); `y` is (..., T), one curve per leading index.
"""

from __future__ import annotations

import numpy as np

EDGE = 1e-9  # min; a time this close to a grid point or a window's end counts as on it


def interpolate(t: np.ndarray, y, at: float, xp=np):
    """y linearly interpolated at `at` (min): (...,); the same arithmetic as `np.interp`
    (slope * (at - t[j]) + y[j]), clamped to the end values outside [t[0], t[-1]]."""
    if at <= t[0]:
        return y[..., 0]
    if at >= t[-1]:
        return y[..., -1]
    j = int(np.searchsorted(t, at, side="right") - 1)
    if at == t[j]:
        return y[..., j]
    slope = (y[..., j + 1] - y[..., j]) / (t[j + 1] - t[j])
    return slope * (at - t[j]) + y[..., j]


def window_index(t: np.ndarray, window: tuple[float, float] | None) -> np.ndarray:
    """Indices of the grid points inside [lo, hi] (min, within EDGE); all points for None."""
    if window is None:
        return np.arange(t.size)
    lo, hi = window
    return np.nonzero((t >= lo - EDGE) & (t <= hi + EDGE))[0]


def trapezoid(t: np.ndarray, y, xp=np):
    """Area under y over t by the linear trapezoid rule (the arithmetic of `np.trapezoid`): (...,)."""
    d = np.diff(t)
    return xp.sum(d * (y[..., 1:] + y[..., :-1]) / 2.0, axis=-1)


def log_linear_slope(t: np.ndarray, y, use, xp=np):
    """Least-squares slope (1/min) of ln y against t over the points where `use` (..., T) is
    true: (...,). Points not used may hold anything (they are replaced before the log)."""
    w = xp.where(use, 1.0, 0.0)
    n = xp.sum(w, axis=-1)
    tm = xp.sum(w * t, axis=-1) / n
    ly = xp.log(xp.where(use, y, 1.0))
    lm = xp.sum(w * ly, axis=-1) / n
    dt = t - tm[..., None]
    return xp.sum(w * dt * (ly - lm[..., None]), axis=-1) / xp.sum(w * dt * dt, axis=-1)
