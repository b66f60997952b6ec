"""Population-PK fit metrics: prediction errors and their summaries per group.

Definitions (pure NumPy functions of paired arrays `predicted`, `observed`, same units):

- prediction error PE = (predicted - observed) / observed;
- bias: the median PE, in %;
- precision: the median absolute PE (MdAPE), in %;
- GMR, the geometric mean ratio observed/predicted = exp(mean(ln(observed/predicted))),
  over the pairs where both are positive (1: no bias; > 1: the model under-predicts);
- within two-fold: the share (0-1) of pairs with 1/2 <= predicted/observed <= 2.

An empty group gives NaN for every statistic (and n = 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from .predict import TWO_FOLD, Comparison

PERCENT = 100.0


def _pairs(predicted: Sequence[float], observed: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(predicted, dtype=float)
    o = np.asarray(observed, dtype=float)
    if p.shape != o.shape or p.ndim != 1:
        raise ValueError("predicted and observed: one-dimensional arrays of the same length")
    return p, o


def prediction_errors(predicted: Sequence[float], observed: Sequence[float]) -> np.ndarray:
    """PE = (predicted - observed) / observed for each pair (a fraction; NaN where observed is 0)."""
    p, o = _pairs(predicted, observed)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o != 0, (p - o) / np.where(o != 0, o, 1.0), np.nan)


def median_pe(predicted: Sequence[float], observed: Sequence[float]) -> float:
    """Bias: the median prediction error, in %."""
    pe = prediction_errors(predicted, observed)
    pe = pe[np.isfinite(pe)]
    return float(np.median(pe) * PERCENT) if pe.size else float("nan")


def mdape(predicted: Sequence[float], observed: Sequence[float]) -> float:
    """Precision: the median absolute prediction error (MdAPE), in %."""
    pe = prediction_errors(predicted, observed)
    pe = pe[np.isfinite(pe)]
    return float(np.median(np.abs(pe)) * PERCENT) if pe.size else float("nan")


def geometric_mean_ratio(predicted: Sequence[float], observed: Sequence[float]) -> float:
    """GMR = exp(mean(ln(observed / predicted))) over the pairs where both are positive."""
    p, o = _pairs(predicted, observed)
    ok = (p > 0) & (o > 0) & np.isfinite(p) & np.isfinite(o)
    return float(np.exp(np.mean(np.log(o[ok] / p[ok])))) if ok.any() else float("nan")


def within_two_fold(predicted: Sequence[float], observed: Sequence[float]) -> float:
    """The share (0-1) of pairs with 1/2 <= predicted/observed <= 2 (pairs with observed 0 count as outside)."""
    p, o = _pairs(predicted, observed)
    if not p.size:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(o != 0, p / np.where(o != 0, o, 1.0), np.nan)
    return float(np.mean((r >= 1.0 / TWO_FOLD) & (r <= TWO_FOLD)))


@dataclass(frozen=True)
class GroupSummary:
    """The fit metrics of one group of comparisons.

    by: the grouping ('all', 'set', 'analyte', 'study', 'set x analyte', 'series'); name:
    the group's value; n: pairs; median_pe, mdape: %; gmr: observed/predicted;
    within_two_fold: share 0-1."""

    by: str
    name: str
    n: int
    median_pe: float
    mdape: float
    gmr: float
    within_two_fold: float


def summarise(by: str, name: str, predicted: Sequence[float], observed: Sequence[float]) -> GroupSummary:
    """The `GroupSummary` of paired arrays."""
    return GroupSummary(by, name, len(predicted), median_pe(predicted, observed), mdape(predicted, observed),
                        geometric_mean_ratio(predicted, observed), within_two_fold(predicted, observed))


GROUPINGS: tuple[tuple[str, Callable[[Comparison], str]], ...] = (
    ("set", lambda c: c.set),
    ("analyte", lambda c: c.analyte),
    ("study", lambda c: c.source),
    ("set x analyte", lambda c: f"{c.set} x {c.analyte}"),
)


def _summary_of(by: str, name: str, items: Sequence[Comparison]) -> GroupSummary:
    return summarise(by, name, [c.predicted for c in items], [c.observed.value for c in items])


def group_summaries(comparisons: Iterable[Comparison]) -> tuple[GroupSummary, ...]:
    """Summaries of the summary-row comparisons: all of them, then per set, analyte, study
    (source key) and set x analyte (groups sorted by name); then the series points: all, and
    per series. A range is compared at its midpoint."""
    items = tuple(comparisons)
    rows = [c for c in items if c.kind == "summary"]
    points = [c for c in items if c.kind == "series"]
    out = [_summary_of("all", "summary values", rows)] if rows else []
    for by, key in GROUPINGS:
        names = sorted({key(c) for c in rows})
        out += [_summary_of(by, n, [c for c in rows if key(c) == n]) for n in names]
    if points:
        out.append(_summary_of("all", "series points", points))
        series_ids = sorted({c.id.split("@")[0] for c in points})
        out += [_summary_of("series", s, [c for c in points if c.id.split("@")[0] == s]) for s in series_ids]
    return tuple(out)
