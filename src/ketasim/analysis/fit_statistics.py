"""Measure statistics as JAX-traceable functions of a simulated series, for gradient fits.

`ketasim.experiments.statistics.compute` works on NumPy arrays. A fit needs the same
numbers as differentiable functions of the solver's output, so each supported measure is
compiled once, in NumPy, into a plan over the output grid:

- value_at, mean, auc, change_from_baseline are linear in the series: value = w . y,
  with w the interpolation or trapezoid weights (and their difference for a change);
- max is the maximum over the window's grid points (differentiable almost everywhere:
  the derivative is the one of the grid point that holds the maximum);
- ratio_to_baseline is (w_at . y) / (w_baseline . y).

Each plan carries the factor from the model's canonical unit to the measure's unit, so
`apply_plan(plan, canonical_observables)` returns the value `compute` would report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..experiments.statistics import MeasureError, _convert, _window, value_at
from ..units import parse_quantity, unit, ureg

SUPPORTED = ("value_at", "max", "mean", "auc", "ratio_to_baseline", "change_from_baseline")


@dataclass(frozen=True, eq=False)
class MeasurePlan:
    """One measure as a function of the canonical observables on the output grid.

    kind: "linear" (factor * weights . y), "max" (factor * max y[index]) or "ratio"
    (factor * (weights . y) / (baseline . y)). column: the observable's column in the
    output of the model's `observe`. factor: canonical observable unit -> measure unit
    (including minutes for an AUC).
    """

    kind: str
    column: int
    factor: float
    weights: np.ndarray | None = None
    baseline: np.ndarray | None = None
    index: np.ndarray | None = None


def interpolation_weights(t: np.ndarray, at: float) -> np.ndarray:
    """w with w . y = np.interp(at, t, y) for every y (t ascending, at inside [t0, tN])."""
    w = np.zeros_like(t, dtype=float)
    k = int(np.clip(np.searchsorted(t, at, side="right") - 1, 0, len(t) - 2))
    frac = float(np.clip((at - t[k]) / (t[k + 1] - t[k]), 0.0, 1.0))
    w[k] += 1.0 - frac
    w[k + 1] += frac
    return w


def trapezoid_weights(t: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """w with w . y = trapezoid(y[selected], t[selected]) (selected: a contiguous mask)."""
    w = np.zeros_like(t, dtype=float)
    idx = np.nonzero(selected)[0]
    dt = np.diff(t[idx])
    w[idx[:-1]] += dt / 2
    w[idx[1:]] += dt / 2
    return w


def plan_measure(measure, t: np.ndarray, column: int, canonical_factor: float, obs_unit: str,
                 field: str) -> MeasurePlan:
    """Compile one measure into a `MeasurePlan` (MeasureError naming the field if it cannot be).

    canonical_factor: the observable's `Observable.factor` (canonical magnitude / factor =
    value in obs_unit).
    """
    stat = measure.statistic
    if stat not in SUPPORTED:
        raise InputError(f"{field}.statistic: {stat!r} cannot be fitted by gradients "
                         f"(supported: {', '.join(SUPPORTED)})")
    u = unit(obs_unit)
    to_obs = 1.0 / canonical_factor
    sel = _window(t, measure.window, field)
    if stat == "max":
        return MeasurePlan("max", column, to_obs * _convert(1.0, u, measure.unit, field), index=np.nonzero(sel)[0])
    if stat == "mean":
        tw = t[sel]
        w = trapezoid_weights(t, sel) / (tw[-1] - tw[0])
        return MeasurePlan("linear", column, to_obs * _convert(1.0, u, measure.unit, field), weights=w)
    if stat == "auc":
        return MeasurePlan("linear", column, to_obs * _convert(1.0, u * ureg.minute, measure.unit, field),
                           weights=trapezoid_weights(t, sel))
    at = parse_quantity(measure.at, "min", f"{field}.at")
    value_at(t, t, at, field)  # range check, same message as the runner's
    w_at = interpolation_weights(t, at)
    if stat == "value_at":
        return MeasurePlan("linear", column, to_obs * _convert(1.0, u, measure.unit, field), weights=w_at)
    base = parse_quantity(measure.baseline_at, "min", f"{field}.baseline_at")
    value_at(t, t, base, field)
    w_base = interpolation_weights(t, base)
    if stat == "change_from_baseline":
        return MeasurePlan("linear", column, to_obs * _convert(1.0, u, measure.unit, field), weights=w_at - w_base)
    return MeasurePlan("ratio", column, _convert(1.0, ureg.dimensionless, measure.unit, field),
                       weights=w_at, baseline=w_base)


def apply_plan(plan: MeasurePlan, obs, xp=np):
    """The measure's value from canonical observables `obs` (T, n_obs); xp: numpy or jax.numpy."""
    y = obs[:, plan.column]
    if plan.kind == "max":
        return plan.factor * xp.max(y[plan.index])
    if plan.kind == "linear":
        return plan.factor * xp.dot(plan.weights, y)
    if plan.kind == "ratio":
        return plan.factor * xp.dot(plan.weights, y) / xp.dot(plan.baseline, y)
    raise MeasureError(f"unknown plan kind {plan.kind!r}")
