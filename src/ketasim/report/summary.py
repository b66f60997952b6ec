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

from ..experiments.statistics import MeasureError
from ..experiments.statistics import terminal_half_life as log_linear_half_life

DEFAULT_ANALYTES = (
    "plasma_ketamine", "plasma_s_ketamine", "plasma_r_ketamine", "plasma_norketamine",
    "plasma_hnk", "plasma_dehydronorketamine", "brain_ketamine",
)


def _finite_or_none(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def auc_trapezoid(t_min: np.ndarray, c: np.ndarray) -> float | None:
    """AUC of c over t (t in minutes) by the linear trapezoid rule, in c-unit·h."""
    t = np.asarray(t_min, dtype=float)
    y = np.asarray(c, dtype=float)
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    if t.size < 2:
        return None
    area = float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(t))) / 60.0
    return _finite_or_none(area)


def terminal_half_life(t_min: np.ndarray, c: np.ndarray, fraction: float = 0.3) -> float | None:
    """Terminal half-life in hours, or None.

    Log-linear least-squares fit of ln c against t over the last `fraction` of the
    simulated window, using only points where c is positive and declining (c below the
    previous sample). Needs at least three such points and a negative slope.
    """
    t = np.asarray(t_min, dtype=float)
    y = np.asarray(c, dtype=float)
    if t.size < 3:
        return None
    t0, t1 = float(t[0]), float(t[-1])
    if not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
        return None
    start = t1 - fraction * (t1 - t0)
    declining = np.zeros(t.size, dtype=bool)
    declining[1:] = y[1:] < y[:-1]
    sel = (t >= start) & np.isfinite(y) & (y > 0) & declining
    if int(sel.sum()) < 3:
        return None
    if np.ptp(t[sel]) <= 0:
        return None
    try:
        return _finite_or_none(log_linear_half_life(t[sel], y[sel]) / 60.0)
    except MeasureError:
        return None


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
            i = int(np.nanargmax(np.where(ok, y, -np.inf)))
            cmax, tmax = _finite_or_none(y[i]), _finite_or_none(t[i])
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
        k = int(np.argmax(y))
        peak = _finite_or_none(y[k])
        above = y >= 0.5 * y[k] if y[k] > 0 else np.zeros(y.size, bool)
        dur = float(np.sum(np.diff(t)[above[:-1] & above[1:]])) if above.any() else 0.0
        rows.append({"observable": name, "peak": peak, "time of peak (min)": _finite_or_none(t[k]),
                     "above half-peak (min)": _finite_or_none(dur)})
    return rows
