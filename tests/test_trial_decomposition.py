"""The decomposition of the rated MADRS change (trial/decomposition.py, the parts from
trial/observation.py): parts by hand on a small arm, their properties in the observation
model, their round trip through the store, and the report's section."""

from dataclasses import replace

import numpy as np
import pytest

from ketasim.trial.cohorts import COHORTS
from ketasim.trial.decomposition import PARTS, decompose
from ketasim.trial.decomposition_figure import decomposition_rows, decomposition_section
from ketasim.trial.observation import observe_patient, value
from ketasim.trial.outcomes import ArmOutcomes

NAN = np.nan
DAYS = np.arange(0.0, 8.0)


def test_arm_means_by_hand_over_the_patients_rated():
    madrs = np.array([[30, 20, 10], [34, 30, NAN]], float)
    parts = {"drug_part": np.array([[0, -6, -14], [0, -1, NAN]]),
             "placebo_part": np.array([[0, -3, -4], [0, -2, NAN]]),
             "regression_part": np.array([[0, -1, -2], [0, -2, NAN]])}
    a = ArmOutcomes(visits=np.array([0.0, 1.0, 2.0]), madrs=madrs, baseline_madrs=np.array([30.0, 34.0]),
                    dropout_day=np.array([np.inf, 1.5]), dropout_side_effect=np.zeros(2, bool),
                    cadss_peak=np.zeros(2), parts=parts)
    d = decompose(a)
    np.testing.assert_allclose(d.change, [0, (-10 - 4) / 2, -20])           # day 2: patient 1 is gone
    np.testing.assert_allclose(d.parts["drug"], [0, -3.5, -14])
    np.testing.assert_allclose(d.parts["placebo"], [0, -2.5, -4])
    np.testing.assert_allclose(d.parts["regression"], [0, -1.5, -2])
    # the rest: patient 0 at day 1: -10 - (-6 - 3 - 1) = 0; patient 1: -4 - (-1 - 2 - 2) = 1
    np.testing.assert_allclose(d.parts["fluctuation"], [0, 0.5, 0])
    np.testing.assert_array_equal(d.n_rated, [2, 2, 1])
    total = sum(d.parts[p] for p in PARTS)
    np.testing.assert_allclose(total, d.change)
    row, = decomposition_rows({"k": d}, 1.0)
    assert row["rated change"] == "-7.0" and row["drug mechanism"] == "-3.5"
    assert decompose(replace(a, parts={})) is None
    assert decomposition_section({"k": replace(a, parts={})}, 2.0) == ""
    assert "What the rated change is made of" in decomposition_section({"k": a}, 2.0)


def observe(seed, severity, cohort=COHORTS["trd"], blinded=True):
    rng = np.random.default_rng(seed)
    return observe_patient(rng, cohort, DAYS, severity, np.zeros_like(DAYS), 0.0, 0.0, blinded, 0.7, 1.0)


def test_no_mechanism_no_drug_part_and_parts_start_at_zero():
    for seed in range(20):
        o = observe(seed, np.ones_like(DAYS))
        drug, placebo, regression = o.parts
        rated = ~np.isnan(o.madrs)
        np.testing.assert_array_equal(np.isnan(drug), ~rated)               # NaN exactly after dropout
        assert np.all(drug[rated] == 0.0)
        assert drug[0] == placebo[0] == regression[0] == 0.0
        # regression to the mean decays as (1 - corr ** t): the ratio to that shape is one number
        shape = 1.0 - value("fluctuation_corr") ** DAYS[1:]
        ratio = regression[1:][rated[1:]] / shape[rated[1:]]
        assert np.ptp(ratio) < 1e-9 if ratio.size else True


def test_a_lower_severity_is_drug_and_selection_makes_regression_an_improvement():
    half = np.where(DAYS > 0, 0.5, 1.0)
    o = observe(3, half)
    assert np.all(o.parts[0][1:][~np.isnan(o.madrs[1:])] < 0)               # the mechanism relieves
    # an inclusion threshold at the cohort's mean selects upward screening fluctuations, so the
    # mean regression part at day 7 is negative by more than three standard errors
    trd = COHORTS["trd"]
    strict = replace(trd, inclusion_min=replace(trd.inclusion_min, value=trd.baseline_mean.value))
    reg = np.array([observe(s, np.ones_like(DAYS), strict).parts[2][-1] for s in range(400)])
    reg = reg[~np.isnan(reg)]
    assert reg.mean() + 3 * reg.std(ddof=1) / np.sqrt(reg.size) < 0


def test_parts_survive_the_store(tmp_path):
    from test_trial_store import fake_simulate, spec as store_spec

    from ketasim.trial.chunk import ChunkResult
    from ketasim.trial.engine import run_trial

    def with_parts(arm, cohort, start, n, *args, **kw):
        r = fake_simulate(arm, cohort, start, n, *args, **kw)
        change = r.madrs - r.baseline_madrs[:, None]
        return ChunkResult(**{**r.__dict__, "drug_part": 0.5 * change, "placebo_part": 0.25 * change,
                              "regression_part": np.zeros_like(change)})

    s = store_spec()
    result = run_trial(s, tmp_path, scheduler="sync", progress=False, simulate=with_parts)
    for a in result.arms.values():
        d = decompose(a)
        np.testing.assert_allclose(d.parts["drug"], 0.5 * d.change, atol=1e-12)
        np.testing.assert_allclose(d.parts["fluctuation"], 0.25 * d.change, atol=1e-12)
    plain = run_trial(s, tmp_path / "plain", scheduler="sync", progress=False, simulate=fake_simulate)
    assert all(decompose(a) is None for a in plain.arms.values())            # stored as NaN: no decomposition
