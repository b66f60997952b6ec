"""Systems layer: neuromodulators, opioid gate, habenula trapping, inflammation, networks."""

import itertools

import numpy as np
import pytest
import scipy.linalg as sl

from ketasim.engine.evaluate import evaluate_module
from ketasim.mechanisms.systems.networks import NETS, NETWORKS, PAIRS

TIMES = np.array([0.0, 10.0, 30.0, 40.0, 60.0, 85.0, 120.0, 240.0, 720.0, 1440.0, 2880.0])


def _run(regimen, hypotheses=None, **kw):
    from ketasim import simulate

    return simulate(regimen, duration=TIMES[-1], hypotheses=hypotheses, times=TIMES, solver="tsit5",
                    **kw).sel(time=TIMES)  # the regimen's breaks are added to the output times


def _ketamine(start=0.0):
    from ketasim.engine.dosing import DoseEvent
    return [DoseEvent("ketamine", "iv", 0.5, True, start, 40.0)]


def _naltrexone_then_ketamine():
    from ketasim.engine.dosing import DoseEvent
    return [DoseEvent("naltrexone", "oral", 50.0, False, 0.0)] + _ketamine(start=60.0)


@pytest.fixture(scope="module")
def standard():
    return _run(_ketamine())


def _lyapunov_correlations(w, c):
    """Node correlations of dx = (-x + W x) dt + dW solved numerically (6 nodes)."""
    W = np.zeros((6, 6))
    for i, x in enumerate(NETS):
        W[2 * i, 2 * i + 1] = W[2 * i + 1, 2 * i] = w[x]
    for (i, x), (j, y) in itertools.combinations(enumerate(NETS), 2):
        W[2 * i:2 * i + 2, 2 * j:2 * j + 2] = c[(x, y)] / 2
        W[2 * j:2 * j + 2, 2 * i:2 * i + 2] = c[(x, y)] / 2
    A = W - np.eye(6)
    S = sl.solve_continuous_lyapunov(A, -np.eye(6))
    d = np.sqrt(np.diag(S))
    return S / np.outer(d, d)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_network_covariance_equals_the_lyapunov_solution(seed):
    rng = np.random.default_rng(seed)
    w = {x: rng.uniform(0.2, 0.6) for x in NETS}
    c = {pair: rng.uniform(-0.2, 0.2) for pair in PAIRS}
    overrides = {f"w_{x}": w[x] for x in NETS} | {f"c_{x}_{y}": c[(x, y)] for x, y in PAIRS}
    out = evaluate_module(NETWORKS, {"cortical_drive": 1.0, "synaptic_strength": 1.0}, overrides)
    R = _lyapunov_correlations(w, c)
    for i, x in enumerate(NETS):
        assert float(out[f"fc_{x}"]) == pytest.approx(R[2 * i, 2 * i + 1], rel=1e-9)
    assert float(out["dmn_cen_anticorrelation"]) == pytest.approx(-R[0, 2], rel=1e-9)
    assert float(out["global_connectivity"]) == pytest.approx(np.abs(R[np.triu_indices(6, 1)]).mean(), rel=1e-9)


def test_relative_observables_start_at_one_and_respond_in_the_published_directions(standard):
    ds = standard
    for name in ("dopamine_pfc", "dopamine_striatum", "serotonin_pfc", "ht1b_binding", "opioid_tone",
                 "opioid_gate_signal", "lhb_burst_rate", "inflammation", "ido_level", "kynurenine"):
        assert float(ds[name].values[0]) == pytest.approx(1.0, abs=1e-9), name
    at = {t: i for i, t in enumerate(TIMES)}
    # acute: cortical dopamine rises more than striatal (Kokkinou 2018), LHb bursting falls
    rise_pfc = float(ds.dopamine_pfc.values[at[40.0]]) - 1
    rise_str = float(ds.dopamine_striatum.values[at[40.0]]) - 1
    assert rise_pfc > rise_str > 0
    assert float(ds.lhb_burst_rate.values[at[40.0]]) < 0.9
    # salience connectivity falls more than DMN connectivity (PMC7267897), anticorrelation weakens
    rel = {n: float(ds[n].values[at[30.0]] / ds[n].values[0]) for n in ("fc_sn", "fc_dmn", "dmn_cen_anticorrelation")}
    assert rel["fc_sn"] < rel["fc_dmn"] < 1 and rel["dmn_cen_anticorrelation"] < 0.95
    # a day later: 5-HT1B up, IDO down, kynurenine up; the dopamine surge is over
    day = at[1440.0]
    assert ds.ht1b_binding.values[day] > 1.05 and ds.ido_level.values[day] < 0.97 and ds.kynurenine.values[day] > 1.01
    assert abs(float(ds.dopamine_pfc.values[day]) - 1) < 0.05


def test_opioid_gate_permissive_blunts_plasticity_under_naltrexone_but_not_the_nmda_block():
    reg = _naltrexone_then_ketamine()
    perm = _run(reg, {"opioid_gate": "permissive"})
    none = _run(reg, {"opioid_gate": "none"})
    assert float(none.opioid_gate_signal.min()) == 1.0
    # with naltrexone on board the gate admits (almost) none of the AMPA drive above baseline
    admitted = perm.ampa_activation.values * perm.opioid_gate_signal.values - 1
    assert float(perm.ampa_activation.values[TIMES == 85.0][0]) > 1.05
    window = (TIMES >= 60.0) & (TIMES <= 240.0)  # naltrexone near its peak
    assert np.all(np.abs(admitted[window]) <= 0.01 * (perm.ampa_activation.values[window] - 1) + 1e-12)
    # dissociation-relevant drive: identical NMDA block and glutamate release under both hypotheses
    for name in ("nmda_block_pyramidal", "nmda_block_interneuron", "glutamate_release"):
        np.testing.assert_allclose(perm[name].values, none[name].values, rtol=1e-7, atol=1e-10)
    # plasticity response (BDNF above baseline) clearly lower with the gate closed
    rise = {k: float(ds.bdnf.max()) - 1.0 for k, ds in (("perm", perm), ("none", none))}
    assert rise["none"] > 0.02
    assert rise["perm"] < 0.5 * rise["none"]
    syn = {k: float(ds.synaptic_strength.max()) - 1.0 for k, ds in (("perm", perm), ("none", none))}
    assert syn["perm"] < syn["none"]


def test_ttype_block_and_depression_scale_lhb_bursting():
    from ketasim.mechanisms.systems.habenula import habenula_module

    mod = habenula_module("acute_only")
    base = evaluate_module(mod, {}, {"lhb_depression_level": 2.5})
    assert float(base["lhb_burst_target"]) == pytest.approx(2.5)
    assert float(evaluate_module(mod, {}, {"lhb_ttype_availability": 0.0})["lhb_burst_target"]) == 0.0
    # NMDA block at the burst potential suppresses bursting steeply (Yang 2018: bursts need NMDARs)
    drugged = evaluate_module(mod, {"brain_s_ketamine": 5.0, "brain_r_ketamine": 5.0})
    assert 0.5 < float(drugged["lhb_nmda_block"]) < 1 and float(drugged["lhb_burst_target"]) < 0.05


def test_report_section_lists_the_systems_observables(standard):
    from ketasim.report.systems import section

    sec = section(standard)
    names = {r["observable"] for r in sec.rows}
    assert {"dopamine_pfc", "lhb_burst_rate", "fc_sn", "inflammation", "ht1b_binding"} <= names
    assert sec.figures
