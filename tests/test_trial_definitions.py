"""Endpoints as each protocol defines them (trial/definitions.py): remission line and scale,
scheduled visits, LOCF against observed cases, relapse rules; values computed by hand on
small arms (no simulation), and the one-line refusals of a bad `[protocol.endpoints]`."""

import tomllib

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.experiments.loader import parse_experiment
from ketasim.trial.definitions import DEFAULT_RULES, EndpointRules, scheduled_columns
from ketasim.trial.endpoints import evaluate, relapse_followup, response_followup, score_at
from ketasim.trial.outcomes import ArmOutcomes
from ketasim.trial.spec import trial_spec
from trial_helpers import two_arm_trial

NAN = np.nan


def arm(madrs, baseline, hamd=None, visits=None):
    madrs = np.asarray(madrs, float)
    n, v = madrs.shape
    return ArmOutcomes(visits=np.arange(v, dtype=float) if visits is None else np.asarray(visits, float),
                       madrs=madrs, baseline_madrs=np.asarray(baseline, float),
                       dropout_day=np.where(np.isnan(madrs).any(axis=1), 1.5, np.inf),
                       dropout_side_effect=np.zeros(n, bool), cadss_peak=np.zeros(n),
                       hamd=None if hamd is None else np.asarray(hamd, float))


def rate(name, a, at, rules):
    return evaluate(name, "a", a, at, rules=rules).estimate


# visits 0..4; patient 2 drops out after day 1 (NaN from day 2)
A = arm([[30, 11, 12, 12, 11],
         [30, 20, 10, 16, 25],
         [30, 14, NAN, NAN, NAN],
         [30, 30, 28, 26, 24]], [30, 30, 30, 30])


def test_remission_line_is_the_protocols():
    # day 4 (LOCF): 11, 25, 14, 24
    assert rate("remission_rate", A, 4.0, DEFAULT_RULES) == 0.0              # none <= 10
    assert rate("remission_rate", A, 4.0, EndpointRules(remission_at_most=12)) == pytest.approx(1 / 4)
    assert rate("remission_rate", A, 4.0, EndpointRules(remission_at_most=14)) == pytest.approx(2 / 4)


def test_remission_on_the_hamd17():
    hamd = [[20, 6, 7, 7, 8], [20, 9, 8, 7, 6], [20, 7, NAN, NAN, NAN], [20, 19, 18, 17, 16]]
    a = arm(A.madrs, A.baseline_madrs, hamd=hamd)
    rules = EndpointRules(remission_scale="hamd17", remission_at_most=7)
    assert rate("remission_rate", a, 4.0, rules) == pytest.approx(2 / 4)     # 6 and the carried 7
    assert rate("remission_rate", a, 3.0, rules) == pytest.approx(3 / 4)     # 7, 7, 7


def test_scheduled_visits_are_the_only_ratings():
    rules = EndpointRules(visits=(0.0, 1.0, 4.0))
    np.testing.assert_array_equal(scheduled_columns(A.visits, rules), [0, 1, 4])
    # day 2 reads the day-1 rating: 11, 20, 14, 30 (the day-2 and -3 ratings are not scheduled)
    np.testing.assert_array_equal(score_at(A, 2.0, rules), [11, 20, 14, 30])
    assert rate("response_rate", A, 2.0, rules) == pytest.approx(2 / 4)      # 11 and 14 <= 15
    assert rate("response_rate", A, 2.0, DEFAULT_RULES) == pytest.approx(3 / 4)  # day 2: 12, 10, 14 (LOCF), 28
    with pytest.raises(ValueError, match="day 5"):
        scheduled_columns(A.visits, EndpointRules(visits=(0.0, 5.0)))


def test_observed_cases_leave_unrated_patients_out():
    obs = EndpointRules(analysis="observed")
    assert np.isnan(score_at(A, 2.0, obs)[2])
    # day 2, rated: 12, 10, 28 of 3 patients
    assert rate("response_rate", A, 2.0, obs) == pytest.approx(2 / 3)
    assert rate("response_rate", A, 2.0, DEFAULT_RULES) == pytest.approx(3 / 4)  # 14 carried forward
    assert rate("mean_change", A, 2.0, obs) == pytest.approx((-18 - 20 - 2) / 3)
    assert rate("dropout_rate", A, 2.0, obs) == pytest.approx(1 / 4)          # dropouts count every patient


def test_relapse_needs_the_consecutive_visits_the_protocol_asks_for():
    one = relapse_followup(A, 4.0, DEFAULT_RULES)
    # patient 1 responds at day 2 (10 <= 15), loses it at day 3 (16 > 15): 1 day
    np.testing.assert_array_equal(one[1], [1, 1, 1])
    two = relapse_followup(A, 4.0, EndpointRules(relapse_visits=2))
    np.testing.assert_array_equal(two[1], [1, 1, 1])     # 16 and 25: relapse dated at the first, day 3
    np.testing.assert_array_equal(two[0], [3, 0, 1])     # patient 0 never relapses: censored at day 4
    np.testing.assert_array_equal(two[2], [0, 0, 1])     # patient 2: responds at day 1, its last rating
    assert two[3, 2] == 0                                 # patient 3 never responds
    # MADRS >= 22 at two consecutive visits: patient 1 crosses it once (25, last visit): censored
    line = relapse_followup(A, 4.0, EndpointRules(relapse="madrs_at_least", relapse_madrs=22, relapse_visits=2))
    np.testing.assert_array_equal(line[1], [2, 0, 1])
    # Kaplan-Meier over the 3 responders: patient 2 censored at 0, so 2 at risk at day 1, one event: S = 1/2
    assert rate("relapse_median_days", A, 4.0, EndpointRules(relapse_visits=2)) == 1.0


def test_time_to_response():
    f = response_followup(A, 4.0, DEFAULT_RULES)
    np.testing.assert_array_equal(f, [[1, 1], [2, 1], [1, 1], [4, 0]])
    # Kaplan-Meier: two of four respond at day 1 (S = 1/2 there), so the median is day 1
    assert rate("response_median_days", A, 4.0, DEFAULT_RULES) == 1.0
    late = EndpointRules(visits=(0.0, 2.0, 4.0))
    np.testing.assert_array_equal(response_followup(A, 4.0, late), [[2, 1], [2, 1], [0, 0], [4, 0]])


ENDPOINTS_TABLE = """
[protocol.endpoints]
remission_at_most = 12
visits = ["1 d", "36 h", "7 d"]
relapse = "madrs_at_least"
relapse_madrs = 22
relapse_visits = 2
"""


def trial_text(endpoints: str = ENDPOINTS_TABLE, measure_at: str = "1 d") -> str:
    head, measure = two_arm_trial().split("[[measure]]")
    return head + endpoints + "[[measure]]" + measure.replace('at = "1 d"', f'at = "{measure_at}"')


def spec_of(text: str):
    return trial_spec(parse_experiment(tomllib.loads(text)), check_models=False)


def test_the_spec_records_the_schedule_and_the_rules():
    spec = spec_of(trial_text())
    assert spec.endpoints.visits == (0.0, 1.0, 1.5, 7.0) and spec.endpoints.remission_at_most == 12
    assert 1.5 in spec.visits and 3.0 in spec.visits           # the scheduled day joins the daily record
    assert spec.endpoints.relapse_madrs == 22 and spec.endpoints.relapse_visits == 2
    # the other definitions read the record, they do not change it: the digest is the one without them
    plain = spec_of(trial_text(endpoints='[protocol.endpoints]\nvisits = ["1 d", "36 h", "7 d"]\n'))
    assert spec.digest == plain.digest
    # the schedule does: its visits are follow-up contacts that add to the placebo response
    fewer = spec_of(trial_text(endpoints='[protocol.endpoints]\nvisits = ["1 d", "36 h"]\n'))
    assert fewer.digest != spec.digest and {a.assessments for a in fewer.arms} == {(1.0, 1.5)}
    assert spec_of(two_arm_trial()).endpoints == DEFAULT_RULES


@pytest.mark.parametrize("endpoints, at, words", [
    ("[protocol.endpoints]\nremission_at_most = 70\n", "1 d",
     ["protocol.endpoints.remission_at_most", "outside the MADRS scale (0-60)"]),
    ('[protocol.endpoints]\nremission_scale = "hamd17"\nremission_at_most = 55\n', "1 d",
     ["protocol.endpoints.remission_at_most", "HAMD17 scale (0-52)"]),
    ('[protocol.endpoints]\nanalysis = "mmrm"\n', "1 d", ["protocol.endpoints.analysis"]),
    ('[protocol.endpoints]\nrelapse = "sustained"\n', "1 d", ["protocol.endpoints.relapse"]),
    ('[protocol.endpoints]\nremision_at_most = 12\n', "1 d", ["protocol.endpoints.remision_at_most", "unknown key"]),
    ("[protocol.endpoints]\nrelapse_madrs = 22\n", "1 d", ["protocol.endpoints", "relapse_madrs goes with"]),
    ('[protocol.endpoints]\nvisits = ["1 d", "9 d"]\n', "1 d",
     ["protocol.endpoints.visits[1]", "9 d is outside the trial (0 to 7 d)"]),
    ('[protocol.endpoints]\nvisits = ["2 d", "7 d"]\n', "1 d", ["measure[0].at", "not a scheduled visit"]),
])
def test_bad_definitions_name_the_field(endpoints, at, words):
    with pytest.raises(InputError) as exc:
        spec_of(trial_text(endpoints, at))
    assert all(w in str(exc.value) for w in words), str(exc.value)
    assert "\n" not in str(exc.value)
