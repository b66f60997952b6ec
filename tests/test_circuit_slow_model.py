"""The circuit as the slow model sees it: the shipped surrogate, wired to the receptor layer."""

import numpy as np
import pytest

from ketasim.circuit.surrogate import INPUTS, default_path
from ketasim.mechanisms.circuit import circuit_module, load_surrogate

SURROGATE = load_surrogate()
pytestmark = pytest.mark.skipif(SURROGATE is None, reason="no circuit surrogate built")


def _dose():
    from ketasim.engine.dosing import DoseEvent
    return [DoseEvent("ketamine", "iv", 0.5, True, 0.0, 40.0, None, 1, None, "d")]


def test_surrogate_is_package_data_with_provenance():
    assert default_path().exists()
    prov = SURROGATE.provenance
    assert prov["built"] and prov["source"].startswith("spiking runs directly")
    assert "held-out log-RMSE" in prov["summary"] and prov["settings"]["seeds"] >= 5
    assert prov["settings"]["duration_ms"] >= 30_000.0  # long enough for the delta band
    zero = SURROGATE.predict(np.zeros((1, 3)))
    assert zero["gamma_power"][0] == pytest.approx(1.0) and zero["glutamate_release"][0] == pytest.approx(1.0)


def test_circuit_observables_follow_the_block_and_return_to_baseline():
    from ketasim.simulate import simulate

    ds = simulate(_dose(), duration=360)
    t = ds.time.values
    at40, at6h = int(np.argmin(abs(t - 40))), -1
    for name in ("rate_pyramidal", "rate_pv", "rate_sst", "glutamate_release", "gamma_power", "ei_ratio"):
        assert name in ds and np.all(np.isfinite(ds[name].values))
    assert ds["rate_pyramidal"].attrs["units"] in ("Hz", "hertz")
    # surrogate applied to the run's own block equals the observables
    b = np.array([[ds[n].values[at40] for n in INPUTS]])
    assert float(ds["gamma_power"].values[at40]) == pytest.approx(float(SURROGATE.predict(b)["gamma_power"][0]),
                                                                 rel=1e-8)
    glu = ds["glutamate_release"].values
    assert glu[at40] > 1.05  # the surge during the infusion
    assert 1.0 <= glu[at6h] < 1.02 and np.all(np.diff(glu[at40 + 5:]) <= 1e-12)  # decays back after it


def test_uniform_hypothesis_feeds_every_cell_type_the_same_block():
    from ketasim.engine.evaluate import evaluate_module
    from ketasim.mechanisms.nmda import nmda_module

    nmda = evaluate_module(nmda_module(with_mean=True), {"brain_s_ketamine": 0.4, "brain_r_ketamine": 0.4})
    blocks = {n: float(nmda[n]) for n in (*INPUTS, "nmda_block_mean")}
    pyr, pv, sst = (blocks[n] for n in INPUTS)
    assert blocks["nmda_block_mean"] == pytest.approx(0.8 * pyr + 0.2 * (0.57 * pv + 0.43 * sst))
    uni = evaluate_module(circuit_module(SURROGATE, "uniform"), blocks)
    pref = evaluate_module(circuit_module(SURROGATE, "interneuron_preferential"), blocks)
    ins = [float(uni[f"{c}_in"]) for c in INPUTS]
    assert ins[0] == pytest.approx(ins[1]) == pytest.approx(ins[2]) == pytest.approx(blocks["nmda_block_mean"])
    assert [float(pref[f"{c}_in"]) for c in INPUTS] == pytest.approx([pyr, pv, sst])


@pytest.mark.slow
def test_surrogate_agrees_with_fresh_spiking_runs_at_points_not_used_to_build_it():
    from ketasim.circuit.analysis import summary
    from ketasim.circuit.network import run_circuit

    settings = SURROGATE.provenance["settings"]  # the network as the surrogate saw it
    rng = np.random.default_rng(12345)  # the build drew its design and held-out points from other streams
    for b in rng.uniform(0.05, 0.9, size=(2, 3)):
        s = summary(run_circuit(dict(zip(("pyramidal", "pv", "sst"), b)), duration_ms=settings["duration_ms"],
                                seed=7, n_scale=settings["n_scale"]), settings["segment_ms"])
        pred = SURROGATE.predict(b[None, :])
        for c in ("pyramidal", "pv", "sst"):
            assert pred[f"rate_{c}"][0] == pytest.approx(s[f"rate_{c}"], rel=0.15)
