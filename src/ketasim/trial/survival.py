"""The Kaplan–Meier estimator and its median (right-censored times)."""

from __future__ import annotations

import numpy as np


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Product-limit survival estimate.

    time: (n,) follow-up times (any unit, >= 0); event: (n,) bool, True where the event
    was observed at `time`, False where the subject was censored then. Returns
    (t, S): the distinct event times, ascending, and S(t) just after each of them,
    S(t_j) = prod_{i <= j} (1 - d_i / n_i) with d_i events at t_i and n_i subjects still
    at risk (time >= t_i; a subject censored at t_i counts as at risk at t_i).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    if time.shape != event.shape or time.ndim != 1:
        raise ValueError("time and event must be 1-D arrays of the same length")
    if time.size == 0:
        return np.empty(0), np.empty(0)
    t_events, d = np.unique(time[event], return_counts=True)
    sorted_t = np.sort(time)
    at_risk = sorted_t.size - np.searchsorted(sorted_t, t_events, side="left")
    return t_events, np.cumprod(1.0 - d / at_risk)


def km_median(time: np.ndarray, event: np.ndarray) -> float:
    """Median survival time: the smallest event time at which S(t) <= 0.5.

    inf when the estimate never falls to one half (median not reached), NaN without subjects.
    """
    t, s = kaplan_meier(time, event)
    if np.asarray(time).size == 0:
        return float("nan")
    below = np.nonzero(s <= 0.5 + 1e-12)[0]
    return float(t[below[0]]) if below.size else float("inf")
