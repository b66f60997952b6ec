"""An arm's mean MADRS course with its 95% confidence band: the one computation behind the
trial report's MADRS figure and the scorecard's trial plots.

The scores are LOCF over all randomised patients (a dropout keeps their last score, a
patient with no visit yet their baseline); the band is the normal-approximation 95%
interval of the mean, mean ± 1.96 standard errors (sample SD over patients / √n), at each
visit. It is the interval of the simulated arm's mean, so it narrows as the arm grows.
"""

from __future__ import annotations

import numpy as np

from ..experiments.results import ArmCourse
from ..units import MINUTES_PER_DAY
from .endpoints import locf
from .outcomes import ArmOutcomes

Z95 = 1.959964  # two-sided 95% normal quantile
INTERVAL = "95% CI of the arm's mean: mean ± 1.96 SE (SD over patients / √n), LOCF scores of all randomised patients"
WHAT = "mean MADRS (points)"


def madrs_course(a: ArmOutcomes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, low, high) LOCF MADRS per visit; the band is mean ± 1.96 standard errors."""
    x = locf(a.madrs, a.baseline_madrs)
    mean = x.mean(axis=0)
    se = x.std(axis=0, ddof=1) / np.sqrt(a.n) if a.n > 1 else np.zeros_like(mean)
    return mean, mean - Z95 * se, mean + Z95 * se


def arm_course(name: str, a: ArmOutcomes) -> ArmCourse:
    """The arm's `ArmCourse`: visits in minutes, the mean LOCF MADRS and its 95% band (`madrs_course`)."""
    mean, low, high = madrs_course(a)
    minutes = np.asarray(a.visits, dtype=float) * MINUTES_PER_DAY
    return ArmCourse(name, tuple(minutes.tolist()), tuple(mean.tolist()), tuple(low.tolist()),
                     tuple(high.tolist()), a.n, WHAT, INTERVAL)
