"""Trial endpoints, Kaplan–Meier and bootstrap on hand-computed data (no simulation)."""

import numpy as np
import pytest

from ketasim.experiments.schema import ENDPOINTS
from ketasim.trial.bootstrap import bootstrap_ci
from ketasim.trial.endpoints import ENDPOINT_DEFS, evaluate, locf, odds_ratio, relapse_followup, score_at
from ketasim.trial.outcomes import ArmOutcomes
from ketasim.trial.survival import kaplan_meier, km_median

NAN = np.nan


def arm(madrs, baseline, dropout=None, side=None, visits=None):
    madrs = np.asarray(madrs, float)
    n, v = madrs.shape
    return ArmOutcomes(visits=np.arange(v, dtype=float) if visits is None else np.asarray(visits, float),
                       madrs=madrs, baseline_madrs=np.asarray(baseline, float),
                       dropout_day=np.full(n, np.inf) if dropout is None else np.asarray(dropout, float),
                       dropout_side_effect=np.zeros(n, bool) if side is None else np.asarray(side, bool),
                       cadss_peak=np.zeros(n))


# visits 0, 1, 2; patient 1 drops out at day 1.5 (side effects), LOCF carries 20 forward
A = arm([[30, 14, 12], [30, 20, NAN], [20, 8, 9], [40, 25, 21]], [30, 30, 20, 40],
        dropout=[np.inf, 1.5, np.inf, np.inf], side=[False, True, False, False])
B = arm([[30, 30, 14], [30, 30, 20], [30, 30, 25], [30, 30, 28]], [30, 30, 30, 30])


def value(name, a, at, versus=None):
    return evaluate(name, "a", a, at, "b" if versus is not None else None, versus).estimate


def test_vocabulary_matches_the_schema():
    assert tuple(ENDPOINT_DEFS) == ENDPOINTS


def test_locf_carries_the_last_observation_and_baseline_before_any():
    x = np.array([[NAN, 5.0, NAN, NAN], [1.0, NAN, 3.0, NAN]])
    np.testing.assert_array_equal(locf(x, np.array([9.0, 8.0])), [[9, 5, 5, 5], [1, 1, 3, 3]])
    assert np.isnan(locf(x)[0, 0])


def test_rates_and_mean_change_by_hand():
    # day 2 (LOCF): 12, 20, 9, 21 against baselines 30, 30, 20, 40
    np.testing.assert_array_equal(score_at(A, 2.0), [12, 20, 9, 21])
    assert value("response_rate", A, 2.0) == pytest.approx(2 / 4)      # 12 <= 15, 9 <= 10
    assert value("remission_rate", A, 2.0) == pytest.approx(1 / 4)     # only 9 <= 10
    assert value("mean_change", A, 2.0) == pytest.approx((-18 - 10 - 11 - 19) / 4)
    # changes -18, -10, -11, -19: mean -14.5, squared deviations 12.25 + 20.25 + 12.25 + 20.25 = 65, n - 1 = 3
    assert value("change_sd", A, 2.0) == pytest.approx(np.sqrt(65 / 3))
    assert value("response_rate", A, 1.0) == pytest.approx(2 / 4)      # 14 <= 15, 8 <= 10
    assert value("response_rate", A, 1.5) == value("response_rate", A, 1.0)  # last visit on or before
    assert value("dropout_rate", A, 1.0) == 0.0
    assert value("dropout_rate", A, 2.0) == pytest.approx(1 / 4)
    assert value("side_effect_dropout_rate", A, 2.0) == pytest.approx(1 / 4)
    assert value("mean_difference", A, 2.0, B) == pytest.approx(-14.5 - (-16 - 10 - 5 - 2) / 4)


def test_odds_ratio_by_hand_and_with_an_empty_cell():
    # A: 2 of 4 respond at day 2; B: 1 of 4 (14 <= 15) -> (2/2) / (1/3) = 3
    assert value("response_odds_ratio", A, 2.0, B) == pytest.approx(3.0)
    # B at day 1: nobody responds -> 0.5 added to every cell: (2.5/2.5) / (0.5/4.5) = 9
    assert value("response_odds_ratio", A, 1.0, B) == pytest.approx(9.0)
    assert odds_ratio(np.array([True] * 3 + [False] * 7), np.array([True] * 6 + [False] * 4)) == pytest.approx(
        (3 / 7) / (6 / 4))


def test_relapse_follow_up_and_median_by_hand():
    a = arm([[30, 14, 16, 14, 20],      # responds day 1, loses response day 2: 1 d, event
             [30, 10, 12, NAN, NAN],    # responds day 1, drops out after day 2: censored at 1 d
             [30, 20, 15, 10, 16],      # responds day 2 (15 <= 15), loses it day 4: 2 d, event
             [30, 25, 25, 25, 25]],     # never responds: not in the analysis
            [30, 30, 30, 30])
    f = relapse_followup(a, 4.0)
    np.testing.assert_array_equal(f, [[1, 1, 1], [1, 0, 1], [2, 1, 1], [0, 0, 0]])
    # KM: t=1: 3 at risk, 1 event -> 2/3; t=2: 1 at risk, 1 event -> 0; median = 2
    assert value("relapse_median_days", a, 4.0) == 2.0
    # up to day 3 patient 2 has not relapsed: events only at t=1 (S=2/3) -> not reached
    assert value("relapse_median_days", a, 3.0) == np.inf


def test_kaplan_meier_on_the_freireich_6mp_data():
    # Freireich et al. 1963 (Gehan 1965), 6-MP arm, weeks of remission; False = censored.
    t = np.array([6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35], float)
    e = np.array([1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0], bool)
    times, s = kaplan_meier(t, e)
    np.testing.assert_array_equal(times, [6, 7, 10, 13, 16, 22, 23])
    np.testing.assert_allclose(s, [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448], atol=5e-4)
    assert km_median(t, e) == 23.0
    # placebo arm, no censoring: median 8 weeks
    placebo = np.array([1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23], float)
    assert km_median(placebo, np.ones(21, bool)) == 8.0


def test_bootstrap_interval_contains_the_estimate_narrows_with_n_and_is_seeded():
    rng = np.random.default_rng(3)
    widths = {}
    for n in (100, 2000):
        x = (rng.random(n) < 0.3).astype(float)
        lo, hi = bootstrap_ci(np.mean, [x], n_boot=2000, seed=7)
        assert lo <= x.mean() <= hi
        widths[n] = hi - lo
        # agrees with the normal approximation 2 * 1.96 * sqrt(p (1 - p) / n) within 20%
        p = x.mean()
        assert widths[n] == pytest.approx(2 * 1.96 * np.sqrt(p * (1 - p) / n), rel=0.2)
        assert bootstrap_ci(np.mean, [x], n_boot=2000, seed=7) == (lo, hi)
    assert widths[2000] < widths[100] / 3   # sqrt(20) = 4.5 expected
    y = rng.normal(size=50)                 # continuous: another seed gives other bounds
    assert bootstrap_ci(np.mean, [y], n_boot=500, seed=8) != bootstrap_ci(np.mean, [y], n_boot=500, seed=7)


def test_endpoint_intervals_for_two_arm_endpoints_resample_both_arms():
    rng = np.random.default_rng(0)
    n = 400
    base = np.full(n, 30.0)
    a = arm(np.column_stack([base, np.where(rng.random(n) < 0.5, 10.0, 25.0)]), base)
    b = arm(np.column_stack([base, np.where(rng.random(n) < 0.2, 10.0, 25.0)]), base)
    v = evaluate("response_odds_ratio", "a", a, 1.0, "b", b, n_boot=500, seed=1)
    assert v.low < v.estimate < v.high
    assert v.estimate == pytest.approx(value("response_odds_ratio", a, 1.0, b))
    assert 2.0 < v.low and v.high < 8.0   # true OR (0.5/0.5)/(0.2/0.8) = 4
    assert v.to_json()["ci"] == [v.low, v.high]
