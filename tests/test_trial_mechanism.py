"""The trial report's mechanism section: each arm's regimen in a typical patient."""

from __future__ import annotations

import numpy as np

from ketasim.experiments.loader import load_experiment
from ketasim.trial.mechanism import mechanism_html, typical_courses
from ketasim.trial.spec import trial_spec

LIB = "src/ketasim/experiments/library/"


def test_each_arm_gets_its_typical_course_cascade_equations_and_parameters():
    exp = load_experiment(LIB + "clinical_laje2012_val66met.toml")
    spec = trial_spec(exp, patients=4)
    courses = typical_courses(spec)
    assert [c.arm for c in courses] == list(spec.arm_names)
    by_arm = {c.arm: c.dataset for c in courses}
    for ds in by_arm.values():
        assert float(ds.time[-1]) == 1440.0 and np.all(np.diff(ds.time.values) == 1.0)
    # both arms get ketamine: the mechanism lowers MADRS within the day in each, and less in the
    # Val/Met arm, whose typical patient carries the arm's genotype (less BDNF secretion)
    drop = {a: float(ds.madrs[0] - ds.madrs.min()) for a, ds in by_arm.items()}
    assert drop["val_val"] > 2.0 and 0.0 < drop["val_met"] < drop["val_val"]
    html = mechanism_html(spec, courses)
    assert html.count("<svg") == len(spec.arms)
    assert "<math" in html and "Parameters" in html and "<script" not in html
