"""Experiment statistics against analytic values."""

import numpy as np
import pytest

from ketasim.experiments.loader import ExperimentFileError, parse_experiment
from ketasim.experiments.schema import Measure
from ketasim.experiments.statistics import compute

T = np.linspace(0.0, 2000.0, 200001)


def test_auc_ratio_of_two_exponentials():
    # AUC(a e^{-k1 t}) / AUC(b e^{-k2 t}) over [0, inf) = (a/k1) / (b/k2); 2000 min ~ infinity here
    y1, y2 = 3.0 * np.exp(-0.05 * T), 1000.0 * 2.0 * np.exp(-0.2 * T)   # ng/mL and pg/mL
    m = Measure(observable="a", statistic="auc_ratio", versus="b", unit="1", range=(0, 100))
    got = compute("auc_ratio", T, y1, "ng/mL", m, "measure[0]", versus=(y2, "pg/mL"))
    assert got == pytest.approx((3.0 / 0.05) / (2.0 / 0.2), rel=1e-6)


def test_auc_ratio_needs_versus():
    data = {"id": "x", "title": "x", "source": "x", "tags": ["pk"], "protocol": {"duration": "1 h"},
            "measure": [{"observable": "plasma_ketamine", "statistic": "auc_ratio", "range": [0, 1]}]}
    with pytest.raises(ExperimentFileError, match="needs 'versus'"):
        parse_experiment(data)
