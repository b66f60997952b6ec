"""Non-compartmental summaries of simulated concentration-time curves.

Units: Cmax in the variable's own unit (its `units` attribute), Tmax in minutes (the
Dataset's `time` coordinate is in minutes), AUC in unit·h over the simulated window
(linear trapezoid), terminal half-life in hours with its diagnostics
(`measures.nca.terminal_phase`: λz points, adjusted R², the extrapolated share of
AUC(0-inf)); a half-life that cannot be estimated is None with the reason. Values that
cannot be computed are None, never NaN. The run's output grid has every dose start and
infusion end on it and 1-min steps after each (`engine.output_grid`), so Cmax and Tmax
do not depend on how the run was sampled.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ..measures import STATISTICS
from ..measures.nca import terminal_phase

MIN_PER_H = 60.0

DEFAULT_ANALYTES = (
    "plasma_ketamine", "plasma_s_ketamine", "plasma_r_ketamine", "plasma_norketamine",
    "plasma_hnk", "plasma_dehydronorketamine", "arterial_ketamine", "brain_ketamine",
)


def _finite_or_none(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _one(name: str, t: np.ndarray, y: np.ndarray) -> float | None:
    """The registry's statistic `name` of one curve (t min), or None when it is undefined."""
    return _finite_or_none(STATISTICS[name].numpy(t, y[None, :])[0])


def auc_trapezoid(t_min: np.ndarray, c: np.ndarray) -> float | None:
    """AUC of c over t (t in minutes) by the linear trapezoid rule, in c-unit·h; non-finite
    samples are left out, None with fewer than two left."""
    t = np.asarray(t_min, dtype=float)
    y = np.asarray(c, dtype=float)
    ok = np.isfinite(t) & np.isfinite(y)
    if ok.sum() < 2:
        return None
    area = _one("auc", t[ok], y[ok])
    return None if area is None else area / MIN_PER_H


def pk_summary(ds, analytes: Iterable[str] = DEFAULT_ANALYTES) -> list[dict]:
    """One row per analyte present in `ds` (missing names are skipped).

    Row keys: "analyte", "unit", "Cmax" (variable's unit), "Tmax (min)",
    "AUC (unit·h)" (trapezoid over the simulated window, in the "unit" column's unit
    times hours), "t1/2 (h)" (terminal, or None), "λz points", "R²adj", "AUC extrap. (%)"
    (the terminal fit's diagnostics, None without a fit) and "t1/2 note" (why the
    half-life is not given; empty when it is). Numbers are floats, ints or None.
    """
    t = np.asarray(ds["time"].values, dtype=float)
    rows: list[dict] = []
    for name in analytes:
        if name not in ds.data_vars:
            continue
        da = ds[name]
        y = np.asarray(da.values, dtype=float)
        unit = str(da.attrs.get("units", ""))
        ok = np.isfinite(y)
        if ok.any():
            cmax, tmax = _one("max", t[ok], y[ok]), _one("time_of_max", t[ok], y[ok])
        else:
            cmax = tmax = None
        fit = terminal_phase(t, y) if t.size >= 2 and np.all(np.isfinite(t)) else None
        rows.append({
            "analyte": name,
            "unit": unit,
            "Cmax": cmax,
            "Tmax (min)": tmax,
            "AUC (unit·h)": auc_trapezoid(t, y),
            "t1/2 (h)": None if fit is None or fit.half_life is None else fit.half_life / MIN_PER_H,
            "λz points": None if fit is None or fit.lambda_z is None else fit.points,
            "R²adj": None if fit is None else _finite_or_none(fit.r2_adjusted),
            "AUC extrap. (%)": None if fit is None or fit.extrapolated is None else 100.0 * fit.extrapolated,
            "t1/2 note": "too few times" if fit is None else fit.reason,
        })
    return rows


RECEPTOR_OBSERVABLES = (
    "nmda_block_pyramidal", "nmda_block_pv", "nmda_block_sst", "nmda_block_interneuron",
    "nmda_block_glun2a", "nmda_block_glun2b", "nmda_block_glun2c", "nmda_block_glun2d",
    "mor_occupancy", "kor_occupancy",
)


def receptor_summary(ds, names: Iterable[str] = RECEPTOR_OBSERVABLES) -> list[dict]:
    """One row per receptor observable present: peak fraction, its time (min), and the
    time (min) the fraction stays above half its peak. Numbers are floats or None."""
    t = np.asarray(ds["time"].values, dtype=float)
    rows = []
    for name in names:
        if name not in ds:
            continue
        y = np.asarray(ds[name].values, dtype=float)
        peak = float(STATISTICS["max"].numpy(t, y[None, :])[0])
        dur = time_above(t, y, 0.5 * peak) if peak > 0 else 0.0
        rows.append({"observable": name, "peak": _finite_or_none(peak),
                     "time of peak (min)": _one("time_of_max", t, y),
                     "above half-peak (min)": _finite_or_none(dur)})
    return rows


def time_above(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """Total time (min) y spends at or above `level`, the crossings placed by linear
    interpolation between output times (so a coarser grid moves it little, not by a step)."""
    a, b, dt = y[:-1] - level, y[1:] - level, np.diff(t)
    both = (a >= 0) & (b >= 0)
    one = (a >= 0) ^ (b >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(one, dt * np.where(a >= 0, a, b) / np.abs(b - a), 0.0)
    return float(np.sum(dt[both]) + np.sum(part))
