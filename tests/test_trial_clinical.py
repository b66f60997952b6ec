"""The trial's statistical patient layer: the observation model, patient draws, chunking, procedures, scales."""

import numpy as np
import pytest

import ketasim as k
from ketasim.engine.dosing import DosingError, Schedule
from ketasim.errors import InputError
from ketasim.mechanisms.clinical.mood import MOOD
from ketasim.mechanisms.drugs import procedure_event, route
from ketasim.population import draw_population
from ketasim.trial.chunk import TrialArm, simulate_chunk, visit_grid
from ketasim.trial.cohorts import COHORTS
from ketasim.trial.observation import ar1, observe_patient, value


def test_ar1_fluctuation_has_the_declared_sd_and_daily_correlation():
    rng = np.random.default_rng(0)
    days = np.arange(0.0, 4000.0)
    x = ar1(rng, days, sd=3.0, corr=0.8)
    assert np.std(x) == pytest.approx(3.0, rel=0.1)
    assert np.corrcoef(x[:-1], x[1:])[0, 1] == pytest.approx(0.8, abs=0.05)
    # seven days apart: 0.8 ** 7 = 0.21
    assert np.corrcoef(x[:-7], x[7:])[0, 1] == pytest.approx(0.8 ** 7, abs=0.06)


def _observe(cohort, severity, burden=None, blinded=True, cadss=0.0, sedation=0.0, n=2000, days=None):
    days = np.array([0.0, 1.0, 3.0, 7.0]) if days is None else days
    burden = np.zeros(len(days)) if burden is None else burden
    return [observe_patient(np.random.default_rng(i), COHORTS[cohort], days, severity, burden, cadss, sedation,
                            blinded, 1 / 1.3, 0.0) for i in range(n)]


def test_screening_scores_meet_the_inclusion_threshold_and_regress_to_the_mean():
    obs = _observe("trd", np.ones(4))
    base = np.array([o.baseline for o in obs])
    assert base.min() >= COHORTS["trd"].inclusion_min.value
    # saline-like course without placebo would regress; with placebo the day-7 mean is below baseline
    later = np.array([o.madrs[3] for o in obs])
    assert np.nanmean(later) < base.mean() - 3


def test_healthy_cohort_has_no_placebo_response_and_no_inclusion():
    obs = _observe("healthy", np.ones(4))
    m = np.array([o.madrs for o in obs])
    # no placebo: the day-7 mean equals the screening mean (both are the same clipped distribution)
    assert np.nanmean(m[:, 3]) == pytest.approx(np.mean([o.baseline for o in obs]), abs=0.25)
    assert min(o.baseline for o in obs) == 0.0


def test_mechanistic_relief_lowers_scores_in_proportion():
    days = np.array([0.0, 7.0])
    flat = _observe("mdd", np.ones(2), days=days)
    half = _observe("mdd", np.array([1.0, 0.5]), days=days)
    f = np.nanmean([o.madrs[1] for o in flat])
    h = np.nanmean([o.madrs[1] for o in half])
    # responsiveness: two latent classes with mean level 1, E[0.5 ** r] about 0.54; rounding and clipping blur it
    assert 0.4 < h / f < 0.65


def test_unblinding_raises_the_placebo_response():
    plain = _observe("trd", np.ones(4))
    felt = _observe("trd", np.ones(4), cadss=20.0)
    assert np.nanmean([o.madrs[1] for o in felt]) < np.nanmean([o.madrs[1] for o in plain]) - 1.0


def test_side_effect_dropouts_follow_the_declared_hazard():
    days = np.arange(0.0, 57.0)
    burden = np.full(len(days), 1.0)
    obs = _observe("mdd", np.ones(len(days)), burden=burden, days=days, n=4000)
    side = np.mean([o.dropout_side_effect for o in obs])
    h_side, h_base = value("side_effect_hazard"), COHORTS["mdd"].dropout_hazard.value
    # competing exponential clocks: P(side first before T) = h_s / (h_s + h_b) (1 - exp(-(h_s + h_b) T))
    expect = h_side / (h_side + h_base) * (1 - np.exp(-(h_side + h_base) * 56.0))
    assert side == pytest.approx(expect, abs=0.015)
    none = _observe("mdd", np.ones(len(days)), days=days, n=500)
    assert not any(o.dropout_side_effect for o in none)
    # scores after the dropout day are missing
    o = next(o for o in obs if np.isfinite(o.dropout_day))
    assert np.isnan(o.madrs[days > o.dropout_day]).all() and np.isfinite(o.madrs[days <= o.dropout_day]).all()


def test_hamd_follows_the_leucht_linking():
    from ketasim.units import to_canonical  # noqa: F401

    prm = {q.name: q.value for q in MOOD.parameters}
    for hamd, madrs in ((10, 13), (20, 26), (30, 39), (40, 52.5)):
        assert prm["hamd_per_madrs"] * madrs + prm["hamd_at_madrs_zero"] == pytest.approx(hamd, abs=1.0)


def test_patient_draws_depend_only_on_seed_arm_cohort_and_index():
    model = k.simulate.__globals__["model_for"]((), "human", None)
    a = draw_population(model, 1, 1, "trd", "ketamine", start=5)
    b = draw_population(model, 8, 1, "trd", "ketamine")      # patient 5 drawn in another chunking
    c = draw_population(model, 1, 1, "trd", "ketamine", start=6)
    assert np.array_equal(a.p[0], b.p[5]) and a.weight[0] == b.weight[5] and a.bdnf[0] == b.bdnf[5]
    assert not np.array_equal(a.p[0], c.p[0])
    genos = list(draw_population(model, 1500, 3, "trd", "x").bdnf)
    met = (genos.count("val/met") + 2 * genos.count("met/met")) / (2 * len(genos))
    assert met == pytest.approx(0.2, abs=0.025)


def test_padded_schedule_keeps_boluses_and_infusion_rates():
    breaks = np.array([0.0, 40.0, 100.0])
    jumps = np.array([[1.0, 0.0], [0.0, 2.0]])
    rates = np.array([[3.0], [0.0]])
    b = Schedule(breaks, jumps, rates).padded().breaks
    assert len(b) - 1 == 2
    s = Schedule(np.array([0.0, 40.0, 100.0, 130.0]), np.ones((3, 2)), np.array([[3.0], [1.0], [0.0]])).padded()
    b, j, r = s.breaks, s.jumps, s.rates
    assert len(b) - 1 == 4 and j.sum() == 6.0
    # the split segment is the longest (40-100): same rate on both halves, no bolus at the new break
    assert list(b) == [0.0, 40.0, 70.0, 100.0, 130.0]
    assert list(r[:, 0]) == [3.0, 1.0, 1.0, 0.0] and list(j[2]) == [0.0, 0.0]
    # padded to the trial's largest arm (20 segments -> 32): one compiled solve for every arm
    s = Schedule(np.array([0.0, 40.0, 1440.0]), np.ones((2, 1)), np.ones((2, 1))).padded(least=20)
    b, j = s.breaks, s.jumps
    assert len(b) - 1 == 32 and j.sum() == 2.0 and b[0] == 0.0 and b[-1] == 1440.0


def test_a_batched_schedule_pads_and_takes_rows_like_each_subject():
    breaks = np.array([0.0, 40.0, 100.0, 130.0])
    jumps = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2)       # 2 subjects, 3 segments, 2 states
    rates = np.arange(2 * 3 * 1, dtype=float).reshape(2, 3, 1) + 1.0
    batch = Schedule(breaks, jumps, rates)
    assert batch.batched and batch.segments == 3
    padded = batch.padded()
    for i in range(2):
        one = batch.subject(i).padded()
        assert not one.batched
        np.testing.assert_array_equal(padded.breaks, one.breaks)
        np.testing.assert_array_equal(padded.jumps[i], one.jumps)
        np.testing.assert_array_equal(padded.rates[i], one.rates)
    swapped = batch.rows(np.array([1, 0]))
    np.testing.assert_array_equal(swapped.jumps[0], jumps[1])


def test_ect_is_a_procedure_event_for_humans_only():
    ev = procedure_event("ect", 0.0, every=3.5 * 1440, count=8)
    assert route(ev, "human")[0].target == "ect.seizure"
    with pytest.raises(DosingError, match="humans only"):
        route(ev, "rat")
    with pytest.raises(DosingError, match="unknown procedure"):
        route(procedure_event("tms", 0.0), "human")


def test_experiment_procedure_with_a_drug_is_refused():
    from ketasim.experiments.plan import ProtocolError, dose_events
    from ketasim.experiments.schema import Dose

    with pytest.raises(ProtocolError, match=r"doses\[0\]\.procedure"):
        dose_events([Dose(procedure="ect", drug="ketamine")], "doses")
    (ev,) = dose_events([Dose(procedure="ect", start="2 d")], "doses")
    assert ev.procedure == "ect" and ev.start == 2880.0


def test_unknown_cohort_is_refused():
    arm = TrialArm("x", (k.DoseEvent("saline", "iv", 0.0),))
    with pytest.raises(InputError, match="cohort"):
        simulate_chunk(arm, "elderly", 0, 2, 0, [1.0])


def test_visit_grid_starts_at_baseline():
    assert list(visit_grid([7, 1, 1])) == [0.0, 1.0, 7.0]


def test_chunking_does_not_change_a_patient():
    """The model, batch (10) and visits of tests/test_trial.py's trial (trial_helpers.two_arm_trial
    with its 36-h measure), so that one compiled solve in the test run's cache serves both."""
    ket = TrialArm("ketamine", (k.DoseEvent("ketamine", "iv", 0.5, per_kg=True, duration=40.0),),
                   model_drugs=("ketamine",))
    visits = [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    whole = simulate_chunk(ket, "trd", 0, 6, 7, visits, batch=10)
    first = simulate_chunk(ket, "trd", 0, 3, 7, visits, batch=10)
    second = simulate_chunk(ket, "trd", 3, 3, 7, visits, batch=10)
    assert np.array_equal(whole.madrs, np.vstack([first.madrs, second.madrs]), equal_nan=True)
    assert list(whole.patient) == list(range(6))
    assert np.array_equal(whole.covariates["bdnf"], np.concatenate([first.covariates["bdnf"], second.covariates["bdnf"]]))


def test_statistical_parameters_are_sourced_or_say_why():
    from ketasim.parameters import UNSOURCED
    from ketasim.references import registry
    from ketasim.trial import statistical_parameters

    params = statistical_parameters()
    assert len({q.name for q in params}) == len(params)
    for q in params:
        assert q.source in UNSOURCED or q.source in registry(), q.name
