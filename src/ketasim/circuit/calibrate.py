"""Calibrate the mean-field model against spiking-network measurements (gradient-based).

Data: at each block point b = (b_pyr, b_pv, b_sst), the spiking network's mean rates
(Hz) per population and its gamma power relative to the drug-free run. The fit adjusts
the external drives and the AMPA and NMDA couplings from pyramidal cells
(log-parameterised, so they stay positive) to minimise squared log errors of the rates.
Gamma is not fitted: the calibrated model's gamma ratio (to its own drug-free baseline,
so the arbitrary scale of the linear-response spectrum drops out) is reported beside the
network's, as a check.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.optimize import minimize

from .meanfield import MeanField, band_powers, fixed_point

FITTED = ("drive", "j_nmda", "j_ampa")


@dataclass(frozen=True)
class CircuitData:
    """Spiking measurements: blocks (n, 3), rates (n, 3) Hz, gamma ratio to b = 0 (n,)."""

    blocks: np.ndarray
    rates: np.ndarray
    gamma_ratio: np.ndarray


def _model_from(theta: jnp.ndarray, base: MeanField) -> MeanField:
    vals = jnp.exp(theta).reshape(len(FITTED), 3)
    return base.with_values(**{k: tuple(vals[i]) for i, k in enumerate(FITTED)})


def _predict(theta, base: MeanField, blocks: np.ndarray):
    p = base.as_arrays()
    vals = jnp.exp(theta).reshape(len(FITTED), 3)
    for i, k in enumerate(FITTED):
        p[k] = vals[i]
    from . import meanfield as mf

    def rates(b):
        r = jnp.asarray((3.0, 15.0, 8.0))

        def step(r, _):
            return 0.8 * r + 0.2 * mf.rates_map(p, r, b), None

        r, _ = jax.lax.scan(step, r, None, length=300)
        return r

    return jax.vmap(rates)(jnp.asarray(blocks, dtype=float))


def calibrate(data: CircuitData, base: MeanField = MeanField(), max_iterations: int = 200) -> tuple[MeanField, dict]:
    """Fit drives and couplings; returns the fitted model and a report of residuals."""
    theta0 = jnp.log(jnp.asarray([getattr(base, k) for k in FITTED], dtype=float).ravel())
    target = jnp.log(jnp.asarray(data.rates, dtype=float))

    def loss(theta):
        r = _predict(theta, base, data.blocks)
        return jnp.mean((jnp.log(jnp.maximum(r, 1e-6)) - target) ** 2)

    res = minimize(loss, theta0, method="BFGS", options={"maxiter": max_iterations})
    model = _model_from(res.x, base)
    r_fit = np.asarray(jax.vmap(lambda b: fixed_point(model, b))(jnp.asarray(data.blocks, dtype=float)))
    g0 = float(band_powers(model, np.zeros(3))["gamma"])
    g_fit = np.array([float(band_powers(model, b)["gamma"]) / g0 for b in data.blocks])
    report = {"rate_log_rmse": float(np.sqrt(np.mean((np.log(r_fit) - np.log(data.rates)) ** 2))),
              "gamma_ratio_fit": g_fit.tolist(), "gamma_ratio_data": np.asarray(data.gamma_ratio).tolist(),
              "converged": bool(res.success)}
    return model, report
