"""Non-compartmental summaries of simulated concentration-time curves.

Units: Cmax in the variable's own unit (its `units` attribute), Tmax in minutes (the
Dataset's `time` coordinate is in minutes), AUC in unit·h over the simulated window
(linear trapezoid), terminal half-life in hours. Values that cannot be computed are
None, never NaN.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ..measures import STATISTICS

MIN_PER_H = 60.0

DEFAULT_ANALYTES = (
    "plasma_ketamine", "plasma_s_ketamine", "plasma_r_ketamine", "plasma_norketamine",
    "plasma_hnk", "plasma_dehydronorketamine", "brain_ketamine",
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


def terminal_half_life(t_min: np.ndarray, c: np.ndarray) -> float | None:
    """Terminal half-life in hours, or None: the registry's `terminal_half_life` (a log-linear
    fit over the last 30 % of the simulated window, on the points where c is positive and
    declining; at least three of them and a negative slope)."""
    t = np.asarray(t_min, dtype=float)
    if t.size < 3 or not np.all(np.isfinite(t)) or t[-1] <= t[0]:
        return None
    value = _one("terminal_half_life", t, np.asarray(c, dtype=float))
    return None if value is None else value / MIN_PER_H


def pk_summary(ds, analytes: Iterable[str] = DEFAULT_ANALYTES) -> list[dict]:
    """One row per analyte present in `ds` (missing names are skipped).

    Row keys: "analyte", "unit", "Cmax" (variable's unit), "Tmax (min)",
    "AUC (unit·h)" (trapezoid over the simulated window, in the "unit" column's unit
    times hours), "t1/2 (h)" (terminal, or None). Numbers are floats or None.
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
        rows.append({
            "analyte": name,
            "unit": unit,
            "Cmax": cmax,
            "Tmax (min)": tmax,
            "AUC (unit·h)": auc_trapezoid(t, y),
            "t1/2 (h)": terminal_half_life(t, y),
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
        above = y >= 0.5 * peak if peak > 0 else np.zeros(y.size, bool)
        dur = float(np.sum(np.diff(t)[above[:-1] & above[1:]])) if above.any() else 0.0
        rows.append({"observable": name, "peak": _finite_or_none(peak),
                     "time of peak (min)": _one("time_of_max", t, y),
                     "above half-peak (min)": _finite_or_none(dur)})
    return rows
