"""The trial design's follow-up contacts and the placebo response they add
(trial/observation.py `contact_relief` and the `assessment_relief` term, trial/chunk.py
`contact_days`, trial/spec.py `assessment_days`)."""

from dataclasses import replace

import numpy as np
import pytest

from ketasim.engine.dosing import DoseEvent
from ketasim.experiments.loader import library
from ketasim.trial.chunk import TrialArm, contact_days
from ketasim.trial.cohorts import COHORTS
from ketasim.trial.definitions import DEFAULT_RULES
from ketasim.trial.observation import contact_relief, declared_values, observe_patient
from ketasim.trial.spec import assessment_days, trial_spec

DAY = 1440.0  # min


def test_contact_relief_by_hand():
    days = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 10.0])
    got = contact_relief(days, np.array([1.0, 3.0]), 2.0, 10.0)
    # contacts before each day: 0, 0, 1, 1, 2, 2; days since the last one, from the day after it:
    # day 2: 0; day 3: 1; day 5: 1; day 10: 6
    want = [0.0, 0.0, 2.0, 2.0 * np.exp(-0.1), 4.0 * np.exp(-0.1), 4.0 * np.exp(-0.6)]
    np.testing.assert_allclose(got, want)
    np.testing.assert_array_equal(contact_relief(days, None, 2.0, 10.0), np.zeros(6))
    np.testing.assert_array_equal(contact_relief(days, np.array([]), 2.0, 10.0), np.zeros(6))


def test_contact_days_count_visits_and_clinic_sessions_not_pills():
    infusions = DoseEvent("ketamine", "iv", "35 mg", start=0.0, duration=40.0, every=3.5 * DAY, count=3)
    pills = DoseEvent("citalopram", "oral", "20 mg", start=0.0, every=DAY, count=10)
    arm = TrialArm("k", (infusions, pills), assessments=(1.0, 7.0))
    # infusions at days 0 (the baseline: not a follow-up), 3.5 (day 3) and 7 (the visit's day: one contact)
    np.testing.assert_array_equal(contact_days(arm), [1.0, 3.0, 7.0])
    np.testing.assert_array_equal(contact_days(TrialArm("p", (pills,))), [])
    # a session later on the baseline's day (Williams 2018: the infusion 45 min after it) is no follow-up
    late = DoseEvent("ketamine", "iv", "35 mg", start=45.0, duration=40.0)
    np.testing.assert_array_equal(contact_days(TrialArm("w", (late,), assessments=(1.0,))), [1.0])


def test_assessment_days_are_the_schedule_else_weekly_and_the_end():
    assert assessment_days(DEFAULT_RULES, 1.0) == (1.0,)
    assert assessment_days(DEFAULT_RULES, 3.0) == (3.0,)
    assert assessment_days(DEFAULT_RULES, 14.0) == (7.0, 14.0)
    assert assessment_days(DEFAULT_RULES, 45.0) == (7.0, 14.0, 21.0, 28.0, 35.0, 42.0, 45.0)
    scheduled = replace(DEFAULT_RULES, visits=(0.0, 2.0, 14.0))
    assert assessment_days(scheduled, 28.0) == (2.0, 14.0)
    assert assessment_days(DEFAULT_RULES, 30.0, 14.0) == (14.0, 28.0, 30.0)


def _spec_with_measures(days):
    exp = next(e for e in library() if e.id == "clinical-anand2023-ketamine-vs-ect")   # declares no visits
    first = exp.measure[0]
    measures = [first.model_copy(update={"at": f"{d:g} d"}) for d in days]
    return trial_spec(exp.model_copy(update={"measure": measures}), patients=2, check_models=False)


def test_what_a_file_scores_does_not_change_what_is_simulated():
    """Adding or dropping a measure leaves the contacts, so the simulated record, unchanged."""
    one, three = _spec_with_measures((13.0,)), _spec_with_measures((1.0, 7.0, 13.0))
    assert one.arms == three.arms
    assert {a.assessments for a in one.arms} == {(7.0, 14.0, 21.0)}


def test_the_default_interval_is_a_parameter_a_protocol_or_a_fit_can_set():
    exp = next(e for e in library() if e.id == "clinical-anand2023-ketamine-vs-ect")   # declares no visits
    spec = trial_spec(exp, patients=2, check_models=False, parameters={"trial.default_visit_interval": 10.0})
    assert {a.assessments for a in spec.arms} == {(10.0, 20.0, 21.0)}


def test_a_declared_schedule_is_every_arms_contacts_and_in_the_digest():
    exp = next(e for e in library() if e.id == "clinical-furukawa2016-placebo-arm")
    spec = trial_spec(exp, patients=2, check_models=False)
    assert {a.assessments for a in spec.arms} == {tuple(7.0 * k for k in range(1, 9))}
    plain = replace(spec, arms=tuple(replace(a, assessments=()) for a in spec.arms))
    assert plain.digest != spec.digest   # the contacts change the record, so they are in its digest


# expectancy spread small enough that no patient's placebo response reaches the 0.9 cap, and
# responsiveness 1 for all (one class, no spread within it), so the placebo part is linear in it
VALUES = {**declared_values(), "expectancy_cv": 0.3, "responder_share": 1.0, "responsiveness_cv": 0.0}


def _placebo_parts(contacts, cohort="trd", n=400):
    days = np.arange(0.0, 15.0)
    out = []
    for i in range(n):
        o = observe_patient(np.random.default_rng(i), COHORTS[cohort], days, np.ones_like(days),
                            np.zeros_like(days), 0.0, 0.0, True, 0.77, 0.0, values=VALUES, contacts=contacts)
        out.append(o.parts[1][-1])
    return np.array(out)


def test_contacts_add_the_published_improvement_per_visit():
    """Four follow-up visits lower the placebo arm's day-14 score by 4 x 0.765 HAM-D points
    (0.99 MADRS points each) times the mean expectancy (log-normal, median 1: sqrt(1 + CV^2)),
    the same patients otherwise."""
    values = VALUES
    with_visits = _placebo_parts(np.array([3.0, 7.0, 10.0, 13.0]))
    without = _placebo_parts(None)
    diff = (with_visits - without)[~np.isnan(without)]   # the same patients drop out in both
    fade = np.exp(-(14.0 - 13.0 - 1.0) / values["placebo_fade"])
    want = -4 * values["assessment_relief"] / 0.77 * np.sqrt(1 + values["expectancy_cv"] ** 2) * fade
    assert np.mean(diff) == pytest.approx(want, abs=4 * np.std(diff) / np.sqrt(len(diff)))
    assert np.all(diff <= 1e-12)


def test_no_contact_effect_without_a_placebo_response():
    np.testing.assert_array_equal(_placebo_parts(np.array([3.0, 7.0]), "healthy", 20),
                                  _placebo_parts(None, "healthy", 20))
