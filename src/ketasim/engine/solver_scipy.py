"""Reference backend: SciPy `solve_ivp` on the same generated equations (NumPy)."""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from .dosing import Schedule
from .failure import SolverError, culprit, locate, quiet, state_label
from .model import AssembledModel


def solve_scipy(model: AssembledModel, p: np.ndarray, schedule: Schedule, ts: np.ndarray,
                rtol: float = 1e-10, atol: float = 1e-12, method: str = "LSODA") -> np.ndarray:
    """Integrate segment by segment; returns (n_times, n_states) canonical.

    Raises `SolverError` with SciPy's own message, the segment and the state that stopped
    it (see `failure.culprit`) if the integrator fails; the generated code runs `quiet`.
    """
    rhs, _, init = model.functions("numpy")
    y = np.asarray(init(p), dtype=float)
    out = np.zeros((len(ts), len(model.states)))
    b = schedule.breaks
    K = len(b) - 1
    for k in range(K):
        t0, t1 = b[k], b[k + 1]
        y = y + schedule.jumps[k]
        inside = (ts >= t0) & ((ts < t1) | (k == K - 1))
        t_eval = np.unique(np.concatenate([ts[inside], [t1]]))
        u = schedule.rates[k]
        with quiet():
            sol = solve_ivp(lambda t, yy: rhs(t, yy, p, u), (t0, t1), y, method=method,
                            t_eval=t_eval, rtol=rtol, atol=atol)
        if not sol.success or not np.isfinite(sol.y).all():
            raise SolverError(_failed(model, p, schedule, sol, t0, y, method))
        pos = np.searchsorted(sol.t, ts[inside])
        out[inside] = sol.y[:, pos].T
        y = sol.y[:, -1]
    return out


def _failed(model: AssembledModel, p: np.ndarray, schedule: Schedule, sol, t0: float, y0: np.ndarray,
            method: str) -> str:
    """The one-line failure of a segment: SciPy's own message, where it stopped and which state."""
    ts = np.concatenate([[t0], np.asarray(sol.t, dtype=float)])
    ys = np.vstack([np.asarray(y0, dtype=float)[None], np.asarray(sol.y, dtype=float).T])
    if np.isfinite(ys).all():  # stopped with finite values: name the state at the last point reached
        j, why = culprit(model, p, schedule, float(ts[-1]), ys[-1])
        where = f"it stopped at t = {float(ts[-1]):g} min; {state_label(model, j)} is {why}"
    else:
        where = locate(model, p, schedule, ts, ys, f"SciPy {method}")
    said = sol.message.rstrip(".") if not sol.success else "it reported success with non-finite values"
    return (f"numerical failure: the SciPy {method} solver failed in the segment starting at "
            f"t = {t0:g} min: {said}; {where}")
