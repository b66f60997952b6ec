"""Percentile bootstrap confidence intervals, resampling patients within each arm."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def bootstrap_ci(statistic: Callable[..., float], samples: Sequence[np.ndarray], n_boot: int = 1000,
                 seed: int | Sequence[int] = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic(*samples)`.

    samples: one array per arm, rows are patients (any trailing shape). Each replicate
    draws, for every arm independently, as many rows as it has, with replacement (a
    stratified bootstrap: arm sizes are fixed by design), and evaluates the statistic.
    Non-finite replicates take part as +inf (a median not reached; NaN, an undefined
    replicate such as a resample without responders, counts as unbounded too), so a
    bound can be infinite. Returns (low, high), the (1 - level)/2 and (1 + level)/2 quantiles.
    Randomness only from `numpy.random.default_rng(seed)`.
    """
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(s) for s in samples]
    reps = np.empty(n_boot)
    for b in range(n_boot):
        drawn = [a[rng.integers(0, a.shape[0], a.shape[0])] if a.shape[0] else a for a in arrays]
        reps[b] = statistic(*drawn)
    reps = np.where(np.isnan(reps), np.inf, reps)  # an undefined replicate (e.g. no responders) counts as unbounded
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(reps, [alpha, 1.0 - alpha], method="inverted_cdf")  # no interpolation across inf
    return float(lo), float(hi)
