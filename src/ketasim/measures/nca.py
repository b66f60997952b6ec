"""Non-compartmental terminal phase with its diagnostics: λz, its points, adjusted R², and the
share of AUC(0-inf) that is extrapolated; a half-life is reported only when it is estimable.

The terminal phase is searched the way NCA software does it ("best fit"): the candidate
points are those after the curve's last rise (after the last dose's peak, so a repeated
course is fitted on its final decline), positive and above a numerical floor; log-linear
least-squares fits over the last 3, 4, ... candidates are compared by adjusted R²
(R²adj = 1 - (1 - R²)(n - 1)/(n - 2)) and the largest n within `R2_ADJ_TIE` of the best
is kept. The half-life is refused (with the reason) when fewer than `MIN_POINTS` points
remain, the fit does not decline, R²adj < `MIN_R2_ADJ`, or more than
`MAX_EXTRAPOLATED` of AUC(0-inf) lies beyond the last time (AUC(0-last) by the linear
trapezoid, the tail Clast/λz). Sources of the acceptance rules (confirmed 2026-12-05 on
the pages, see `data/references.toml`): `nca_metricgate` (R² above 0.90, extrapolation
below 20 % of AUCinf), `nca_pmx_snu` (adjusted R² formula, λz as the positive slope and
its number of points).

NumPy only (a report and API statistic, not a fitted one); times in minutes, the curve
in any concentration unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grid import trapezoid

MIN_POINTS = 3             # fewest points of a terminal fit (nca_pmx_snu: the default last 3)
MIN_R2_ADJ = 0.90          # nca_metricgate: R² of the terminal fit should exceed 0.90
MAX_EXTRAPOLATED = 0.20    # nca_metricgate: extrapolation below 20 % of AUCinf
R2_ADJ_TIE = 1e-6          # assumed: more points preferred within this of the best R²adj; simulated curves
                           # carry no assay noise, so a stricter tie than the 1e-4 NCA software uses on
                           # measured data keeps the distribution phase out (1e-4 biases a
                           # biexponential's λz by 0.3 %, tests/test_nca.py)
NOISE_FLOOR = 1e-5         # assumed: values below this fraction of Cmax are left out (solver tolerance
                           # rtol 1e-8 / atol 1e-10 makes them numerical noise, not a phase)


@dataclass(frozen=True)
class TerminalPhase:
    """The terminal fit of one curve.

    half_life: min, None when refused (`reason` says why); lambda_z: 1/min; points: the
    number of points fitted; start, end: the fitted times (min); r2_adjusted: of the fit;
    auc_last: AUC(0-last) (curve unit·min); extrapolated: the share of AUC(0-inf) beyond
    the last time (0-1, None without λz).
    """

    half_life: float | None
    lambda_z: float | None
    points: int
    start: float | None
    end: float | None
    r2_adjusted: float | None
    auc_last: float | None
    extrapolated: float | None
    reason: str = ""


def candidates(t: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Indices of the points a terminal fit may use: after the last rise of c, finite,
    positive and at least NOISE_FLOOR x max(c)."""
    ok = np.isfinite(c)
    if not ok.any():
        return np.array([], dtype=int)
    floor = NOISE_FLOOR * float(np.max(c[ok]))
    level = np.where(ok, np.maximum(c, floor), floor)   # noise below the floor cannot make a rise
    rises = np.nonzero(np.diff(level) > 0)[0]
    first = int(rises[-1]) + 2 if rises.size else 1
    idx = np.arange(first, c.size)
    return idx[ok[idx] & (c[idx] > 0) & (c[idx] >= floor)]


def best_fit(t: np.ndarray, ly: np.ndarray) -> tuple[int, float, float]:
    """(n, slope 1/min, adjusted R²) of the best log-linear fit over the last n >= MIN_POINTS
    points of (t, ly = ln c): the largest n within R2_ADJ_TIE of the best adjusted R²."""
    x, y = t[::-1], ly[::-1]                 # from the last point backwards: prefix k = last k points
    n = np.arange(1, x.size + 1, dtype=float)
    sx, sy = np.cumsum(x), np.cumsum(y)
    sxx, syy, sxy = np.cumsum(x * x), np.cumsum(y * y), np.cumsum(x * y)
    vx = sxx - sx * sx / n
    vy = syy - sy * sy / n
    cxy = sxy - sx * sy / n
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = cxy / vx
        r2 = np.where(vy > 0, cxy * cxy / (vx * vy), 1.0)
        r2adj = 1.0 - (1.0 - r2) * (n - 1.0) / (n - 2.0)
    usable = (n >= MIN_POINTS) & (vx > 0)
    if not usable.any():
        return 0, float("nan"), float("nan")
    score = np.where(usable, r2adj, -np.inf)
    best = float(np.max(score))
    k = int(np.nonzero(score >= best - R2_ADJ_TIE)[0][-1])
    return k + 1, float(slope[k]), float(r2adj[k])


def terminal_phase(t_min: np.ndarray, c: np.ndarray) -> TerminalPhase:
    """The terminal phase of one curve c over t_min (ascending, minutes); see the module text."""
    t = np.asarray(t_min, dtype=float)
    y = np.asarray(c, dtype=float)
    finite = np.isfinite(y)
    auc = float(trapezoid(t[finite], y[finite])) if finite.sum() >= 2 else None
    idx = candidates(t, y)
    if idx.size < MIN_POINTS:
        return TerminalPhase(None, None, int(idx.size), None, None, None, auc, None,
                             f"fewer than {MIN_POINTS} declining points after the last peak")
    n, slope, r2adj = best_fit(t[idx], np.log(y[idx]))
    used = idx[-n:]
    start, end = float(t[used[0]]), float(t[used[-1]])
    if not np.isfinite(slope) or slope >= 0:
        return TerminalPhase(None, None, n, start, end, None, auc, None, "the terminal fit does not decline")
    lam = -slope
    last = int(np.nonzero(finite)[0][-1])
    tail = max(float(y[last]), 0.0) / lam
    extrapolated = tail / (auc + tail) if auc is not None and auc + tail > 0 else None
    reason = ""
    if r2adj < MIN_R2_ADJ:
        reason = f"adjusted R² {r2adj:.3f} below {MIN_R2_ADJ:.2f}"
    elif extrapolated is not None and extrapolated > MAX_EXTRAPOLATED:
        reason = (f"{extrapolated:.0%} of AUC(0-inf) would be extrapolated (more than "
                  f"{MAX_EXTRAPOLATED:.0%}): the run is too short for the terminal phase")
    return TerminalPhase(None if reason else float(np.log(2) / lam), lam, n, start, end, r2adj, auc,
                         extrapolated, reason)
