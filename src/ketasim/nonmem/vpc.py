"""The visual predictive check: time bins, percentiles, prediction correction (pure NumPy).

Binning (`time_bins`): when the observations have at most `max_bins` distinct times
(a nominal sampling design), each distinct time is a bin. Otherwise the times are cut at
their quantiles (numpy's linear interpolation) into `max_bins` bins holding about equal
numbers of observations: interior edges e_1 < ... < e_{B-1}, the observation at time t in
bin b with e_b <= t < e_{b+1} (identical times always share a bin, so a bin may hold more
than its share, and repeated edges merge bins); empty bins are dropped. A bin is drawn at
the median time of its observations.

Percentiles (`bin_percentiles`): numpy's default (linear interpolation between order
statistics, Hyndman and Fan type 7) of the values in each bin; NaN for an empty bin.

The VPC (`vpc_statistics`): the observed 5th, 50th and 95th percentiles in each bin; the
same percentiles of each simulated replicate of the dataset (replicate r: virtual patient
r of every ID, at the observed records' times, binned like the observations), then,
over the replicates, their median (the simulated line) and the 2.5th and 97.5th
percentiles (its 95% confidence interval, the band around each simulated percentile).

Prediction correction (Bergstrand et al. 2011, AAPS J 13:143): each observed and simulated
value Y_ij of record j is scaled by PRED_bin / PRED_j, where PRED_j is the population
prediction of record j (the typical patient: ketasim's typical parameter values with the
ID's covariates) and PRED_bin the median of PRED over the records of j's bin, which removes
the variability that comes from differences in dose and covariates within a bin. The
lower-bound term of the paper is taken as 0 (concentrations are not negative). Records
whose PRED is not positive (before a dose) cannot be corrected and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

QUANTILES = (5.0, 50.0, 95.0)   # percent
CI = (2.5, 97.5)                 # percent: the simulated percentiles' 95% interval
MAX_BINS = 10


@dataclass(frozen=True, eq=False)
class Bins:
    """Time bins of the observations. edges: (B + 1,) h, the first the earliest and the last
    the latest time; index: (n,) the bin of each observation (0 .. B-1); mid: (B,) h, the
    median time of each bin's observations."""

    edges: np.ndarray
    index: np.ndarray
    mid: np.ndarray

    @property
    def count(self) -> int:
        """B, the number of bins."""
        return len(self.mid)


def time_bins(times: Sequence[float], max_bins: int = MAX_BINS) -> Bins:
    """The bins of observation times (h; see the module docstring for the rule)."""
    t = np.asarray(times, dtype=float)
    if t.size == 0:
        raise ValueError("no observation times to bin")
    if max_bins < 1:
        raise ValueError("max_bins: at least 1")
    distinct = np.unique(t)
    if len(distinct) <= max_bins:
        interior = 0.5 * (distinct[:-1] + distinct[1:])
    else:
        interior = np.unique(np.quantile(t, np.linspace(0.0, 1.0, max_bins + 1)[1:-1]))
    raw = np.searchsorted(interior, t, side="right")
    used = np.unique(raw)                       # drop empty bins, renumber
    index = np.searchsorted(used, raw)
    all_edges = np.concatenate([[distinct[0]], interior, [distinct[-1]]])
    edges = np.concatenate([all_edges[used], [distinct[-1]]])
    mid = np.array([np.median(t[index == b]) for b in range(len(used))])
    return Bins(edges=edges, index=index, mid=mid)


def bin_percentiles(values: np.ndarray, index: np.ndarray, bins: int,
                    q: Sequence[float] = QUANTILES) -> np.ndarray:
    """Percentiles q (percent) of `values` in each bin: (..., bins, len(q)). values (..., n):
    leading axes (replicates) are kept; NaN values are ignored; an empty bin gives NaN."""
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape[:-1] + (bins, len(q)), np.nan)
    for b in range(bins):
        sel = v[..., index == b]
        if sel.shape[-1] and np.isfinite(sel).any():
            out[..., b, :] = np.moveaxis(np.nanpercentile(sel, q, axis=-1), 0, -1)
    return out


def prediction_corrected(values: np.ndarray, pred: np.ndarray, index: np.ndarray, bins: int) -> np.ndarray:
    """values (..., n) scaled by PRED_bin / PRED_j (Bergstrand 2011; module docstring):
    PRED_bin the median of pred over bin j's records. Records with pred <= 0 become NaN."""
    p = np.asarray(pred, dtype=float)
    median = np.array([np.median(p[(index == b) & (p > 0)]) if ((index == b) & (p > 0)).any() else np.nan
                       for b in range(bins)])
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(p > 0, median[index] / p, np.nan)
    return np.asarray(values, dtype=float) * factor


@dataclass(frozen=True, eq=False)
class VpcResult:
    """A VPC of one observable. times (n,) h and observed (n,) ng/mL: the observed points
    (prediction-corrected when `pred_corr`); bins; observed_pct (B, 3): the observed
    percentiles QUANTILES per bin; simulated_pct (B, 3): the median over replicates of
    each simulated percentile; simulated_ci (B, 3, 2): its 2.5th and 97.5th percentiles
    over replicates; replicates: the number of simulated replicates."""

    observable: str
    times: np.ndarray
    observed: np.ndarray
    bins: Bins
    observed_pct: np.ndarray
    simulated_pct: np.ndarray
    simulated_ci: np.ndarray
    replicates: int
    pred_corr: bool = False

    def rows(self) -> list[dict]:
        """One table row per bin: time range (h), observations, observed and simulated percentiles."""
        out = []
        for b in range(self.bins.count):
            row = {"bin": b + 1, "from (h)": float(self.bins.edges[b]), "to (h)": float(self.bins.edges[b + 1]),
                   "median time (h)": float(self.bins.mid[b]),
                   "observations": int(np.sum((self.bins.index == b) & np.isfinite(self.observed)))}
            for k, q in enumerate(QUANTILES):
                row[f"observed P{q:g}"] = float(self.observed_pct[b, k])
                row[f"simulated P{q:g} [95% CI]"] = (
                    f"{self.simulated_pct[b, k]:.3g} [{self.simulated_ci[b, k, 0]:.3g}, "
                    f"{self.simulated_ci[b, k, 1]:.3g}]")
            out.append(row)
        return out

    def short_rows(self) -> list[dict]:
        """One compact row per bin for a terminal: median time (h), observations, observed and
        simulated P5 / P50 / P95."""
        def three(values) -> str:
            return " / ".join(f"{v:.3g}" for v in values)

        return [{"bin": b + 1, "time (h)": float(self.bins.mid[b]),
                 "n": int(np.sum((self.bins.index == b) & np.isfinite(self.observed))),
                 "observed P5 / P50 / P95": three(self.observed_pct[b]),
                 "simulated P5 / P50 / P95": three(self.simulated_pct[b])} for b in range(self.bins.count)]


def vpc_statistics(observable: str, times: np.ndarray, observed: np.ndarray, simulated: np.ndarray,
                   pred: np.ndarray | None = None, max_bins: int = MAX_BINS) -> VpcResult:
    """The VPC of one observable. times (n,) h, observed (n,) and simulated (R, n): the
    observed DV and the R replicates' values at the same records; pred (n,): the population
    predictions, given for a prediction-corrected VPC. See the module docstring."""
    t = np.asarray(times, dtype=float)
    obs = np.asarray(observed, dtype=float)
    sim = np.atleast_2d(np.asarray(simulated, dtype=float))
    bins = time_bins(t, max_bins)
    if pred is not None:
        obs = prediction_corrected(obs, pred, bins.index, bins.count)
        sim = prediction_corrected(sim, pred, bins.index, bins.count)
    per_rep = bin_percentiles(sim, bins.index, bins.count)                   # (R, B, 3)
    with np.errstate(all="ignore"):
        sim_pct = np.nanmedian(per_rep, axis=0) if per_rep.shape[0] else np.full(per_rep.shape[1:], np.nan)
        sim_ci = np.moveaxis(np.nanpercentile(per_rep, CI, axis=0), 0, -1)   # (B, 3, 2)
    return VpcResult(observable, t, obs, bins, bin_percentiles(obs, bins.index, bins.count), sim_pct, sim_ci,
                     sim.shape[0], pred is not None)
