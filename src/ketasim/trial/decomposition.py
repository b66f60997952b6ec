"""What an arm's rated MADRS change is made of: drug mechanism, placebo, regression to the
mean and day-to-day fluctuation.

Each patient's rated change from the screening score is split by the observation model
(`trial.observation`, which documents the four terms) into parts that add up to it
exactly; the store keeps three of them (`drug_part`, `placebo_part`, `regression_part`)
and the fluctuation is the rest. An arm's decomposition is the mean of each part over the
patients rated at each visit (observed cases: a dropout leaves the mean from then on), so
at every visit the four mean parts add up to the mean rated change of those patients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .outcomes import ArmOutcomes

PARTS = ("drug", "placebo", "regression", "fluctuation")
PART_LABELS = {"drug": "drug mechanism", "placebo": "placebo", "regression": "regression to the mean",
               "fluctuation": "day-to-day fluctuation"}


@dataclass(frozen=True)
class Decomposition:
    """One arm's mean rated change (MADRS points, negative = better) and its four parts at
    each visit (days), over the `n_rated` patients rated there."""

    days: np.ndarray
    change: np.ndarray
    parts: Mapping[str, np.ndarray]
    n_rated: np.ndarray

    def at(self, day: float) -> dict[str, float]:
        """The change and each part at the last visit on or before `day` (MADRS points)."""
        i = max(int(np.searchsorted(self.days, day + 1e-9, side="right")) - 1, 0)
        return {"change": float(self.change[i]), **{k: float(v[i]) for k, v in self.parts.items()}}


def _mean(x: np.ndarray, rated: np.ndarray) -> np.ndarray:
    n = rated.sum(axis=0)
    total = np.where(rated, x, 0.0).sum(axis=0)
    return np.divide(total, n, out=np.full(total.shape, np.nan), where=n > 0)


def decompose(arm: ArmOutcomes) -> Decomposition | None:
    """The arm's `Decomposition`, or None when its record has no parts (a store written
    without them, or a simulation that does not supply them)."""
    names = ("drug_part", "placebo_part", "regression_part")
    if any(k not in arm.parts for k in names):
        return None
    madrs = np.asarray(arm.madrs, float)
    drug, placebo, regression = (np.asarray(arm.parts[k], float) for k in names)
    rated = ~np.isnan(madrs) & ~np.isnan(drug) & ~np.isnan(placebo) & ~np.isnan(regression)
    if not rated.any():
        return None
    change = madrs - np.asarray(arm.baseline_madrs, float)[:, None]
    fluctuation = change - drug - placebo - regression
    parts = {"drug": _mean(drug, rated), "placebo": _mean(placebo, rated), "regression": _mean(regression, rated),
             "fluctuation": _mean(fluctuation, rated)}
    return Decomposition(np.asarray(arm.visits, float), _mean(change, rated), parts, rated.sum(axis=0))
