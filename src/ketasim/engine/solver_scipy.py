"""Reference backend: SciPy `solve_ivp` on the same generated equations (NumPy)."""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from .dosing import Schedule
from .model import AssembledModel


def solve_scipy(model: AssembledModel, p: np.ndarray, schedule: Schedule, ts: np.ndarray,
                rtol: float = 1e-10, atol: float = 1e-12, method: str = "LSODA") -> np.ndarray:
    """Integrate segment by segment; returns (n_times, n_states) canonical.

    Raises RuntimeError naming the segment start time if the integrator fails.
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
        sol = solve_ivp(lambda t, yy: rhs(t, yy, p, u), (t0, t1), y, method=method,
                        t_eval=t_eval, rtol=rtol, atol=atol)
        if not sol.success:
            raise RuntimeError(f"SciPy solver failed in the segment starting at t = {t0:g} min: {sol.message}")
        pos = np.searchsorted(sol.t, ts[inside])
        out[inside] = sol.y[:, pos].T
        y = sol.y[:, -1]
    return out
