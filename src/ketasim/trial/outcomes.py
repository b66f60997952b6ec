"""One arm's per-patient outcomes: what the trial store holds and the endpoints read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np


@dataclass(frozen=True)
class ArmOutcomes:
    """The outcomes of every patient of one arm (rows are patients, in index order).

    visits: (V,) days since the first dose. madrs, hamd: (n, V) scores at the visits,
    NaN after the patient dropped out. baseline_madrs: (n,) the pre-treatment MADRS.
    dropout_day: (n,) day of dropout, inf for completers. dropout_side_effect: (n,) bool,
    dropped out because of side effects. cadss_peak: (n,) peak CADSS dissociation score.
    patient: (n,) patient index within the arm. covariates: name -> (n,) array (weight in
    kg; genotypes as strings). parts: the decomposition of each rated MADRS change,
    name -> (n, V) (`drug_part`, `placebo_part`, `regression_part`; see
    `trial.decomposition`), empty when the record has none.
    """

    visits: np.ndarray
    madrs: np.ndarray
    baseline_madrs: np.ndarray
    dropout_day: np.ndarray
    dropout_side_effect: np.ndarray
    cadss_peak: np.ndarray
    hamd: np.ndarray | None = None
    patient: np.ndarray | None = None
    covariates: Mapping[str, np.ndarray] = field(default_factory=dict)
    parts: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.madrs.shape[0])
