"""The statistical layer's parameters by qualified name: registry, overrides, checks, latent classes."""

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.trial.cohorts import COHORTS
from ketasim.trial.observation import PARAMETERS, observe_patient, responsiveness
from ketasim.trial.statistics import (checked_statistical, cohort_with, observation_values, split_overrides,
                                      statistical_registry)


def test_registry_names_every_cohort_and_observation_parameter_once():
    reg = statistical_registry()
    assert "trial.unblinding_gain" in reg and "trial.trd_placebo_max" in reg
    assert len(reg) == len(PARAMETERS) + sum(len(c.parameters) for c in COHORTS.values())
    assert all(k.startswith("trial.") for k in reg)


def test_overrides_split_by_prefix_and_checked_against_bounds():
    model, stat = split_overrides({"mood.tau_mood": 3.0, "trial.unblinding_gain": 0.2})
    assert model == {"mood.tau_mood": 3.0} and stat == {"trial.unblinding_gain": 0.2}
    with pytest.raises(InputError, match=r"^values\.trial\.unblnding_gain: .*did you mean 'trial.unblinding_gain'"):
        checked_statistical({"trial.unblnding_gain": 0.2}, "values")
    with pytest.raises(InputError, match=r"^parameters\.trial\.responder_share: 1\.5 is outside its bounds"):
        checked_statistical({"trial.responder_share": 1.5})
    with pytest.raises(InputError, match="finite"):
        checked_statistical({"trial.unblinding_gain": float("nan")})


def test_overridden_values_leave_the_records_unchanged():
    trd = COHORTS["trd"]
    other = cohort_with(trd, {"trial.trd_placebo_max": 0.1, "trial.mdd_placebo_max": 0.7})
    assert other.placebo_max.value == 0.1 and trd.placebo_max.value != 0.1
    assert other.baseline_mean == trd.baseline_mean and COHORTS["trd"] is trd
    vals = observation_values({"trial.placebo_fade": 3.0})
    assert vals["placebo_fade"] == 3.0 and PARAMETERS["placebo_fade"].value != 3.0
    assert vals["unblinding_gain"] == PARAMETERS["unblinding_gain"].value


def test_latent_classes_have_the_declared_share_ratio_and_mean_one():
    vals = observation_values({"trial.responsiveness_cv": 0.0})
    rng = np.random.default_rng(3)
    r = np.array([responsiveness(rng, vals) for _ in range(20000)])
    levels = np.unique(np.round(r, 9))
    share, ratio = vals["responder_share"], vals["nonresponder_relief_ratio"]
    assert len(levels) == 2 and levels[0] / levels[1] == pytest.approx(ratio)
    assert np.mean(np.isclose(r, levels[1])) == pytest.approx(share, abs=0.01)
    # 1 / (0.58 + 0.42 * 0.25) = 1.46: the responsive class's level, by hand
    assert levels[1] == pytest.approx(1.0 / (share + (1.0 - share) * ratio))
    assert r.mean() == pytest.approx(1.0, abs=0.01)


def test_an_override_changes_the_rated_scores():
    days = np.array([0.0, 1.0])
    args = (COHORTS["trd"], days, np.array([1.0, 0.2]), np.zeros(2), 0.0, 0.0, True, 0.77, 0.0)

    def mean_day1(ratio: float) -> float:
        vals = observation_values({"trial.nonresponder_relief_ratio": ratio, "trial.responsiveness_cv": 0.0})
        return float(np.mean([observe_patient(np.random.default_rng(i), *args, values=vals).madrs[1]
                              for i in range(400)]))

    # severity 0.2 rated through r: ratio 1 gives every patient 0.2; ratio 0 gives the 42% of the
    # weak class no relief and the rest 0.2 ** 1.72 = 0.063, a mean factor of 0.46 by hand
    assert mean_day1(0.0) > mean_day1(1.0) + 4.0
