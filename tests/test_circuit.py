"""The spiking microcircuit: one source of truth for the NMDA block, readouts, baseline, seeds.

Fast tests run the network with Brian2's NumPy target (no compilation, about 10 s); the
slow full-size test uses the default (Cython when it compiles): its first run on a machine
compiles the network's code (minutes; cached afterwards in ~/.cython/brian_extensions).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("brian2")

from ketasim.circuit import analysis as A  # noqa: E402
from ketasim.circuit.network import (  # noqa: E402
    CELLS, drug_block, mg_unblocked, neuron_equations, population_sizes, run_circuit)
from ketasim.errors import InputError  # noqa: E402
from ketasim.receptor.values import DEFAULT  # noqa: E402

NO_DRUG = {c: 0.0 for c in CELLS}
FAST = "numpy"  # code generation target of the fast tests


@pytest.fixture(scope="module")
def baseline():
    return run_circuit(NO_DRUG, duration_ms=1000.0, warmup_ms=300.0, n_scale=0.2, seed=1, target=FAST)


# --- NMDA block: the receptor layer's numbers, not a copy ----------------------------
@pytest.mark.parametrize("cell", CELLS)
def test_network_mg_block_is_the_receptor_layers(cell):
    import brian2 as b2
    from ketasim.circuit.network import cell_namespace
    b2.start_scope()
    volts = np.array([-80.0, -65.0, -50.0, -30.0, 0.0])
    g = b2.NeuronGroup(len(volts), neuron_equations(cell), namespace=cell_namespace(cell, {}),
                       method="euler", codeobj_class=b2.NumpyCodeObject)
    g.v = volts * b2.mV
    expected = [mg_unblocked(cell, v) for v in volts]
    direct = [sum(DEFAULT.get(f"fraction_{cell}_{s}", "1")
                  * DEFAULT.mg_unblocked(s, v, DEFAULT.get("magnesium", "mM"))
                  for s in ("glun2a", "glun2b", "glun2c", "glun2d")) for v in volts]
    np.testing.assert_allclose(g.mg_block[:], expected, rtol=1e-12)
    np.testing.assert_allclose(expected, direct, rtol=1e-12)
    # the block must be voltage dependent and in (0, 1)
    assert 0.0 < expected[0] < expected[2] < expected[-1] <= 1.0


def test_mg_block_follows_a_changed_receptor_value():
    changed = DEFAULT.with_values({"magnesium": 2.0})
    assert mg_unblocked("pyramidal", -60.0, changed) < mg_unblocked("pyramidal", -60.0)
    assert neuron_equations("pyramidal", changed) != neuron_equations("pyramidal")


def test_drug_block_hypotheses():
    zero = drug_block(0.0)
    assert all(v == 0.0 for v in zero.values())
    pref = drug_block(1.0, "interneuron_preferential")
    assert pref["pv"] > pref["pyramidal"] > 0.0
    assert pref["sst"] > pref["pyramidal"]
    uni = drug_block(1.0, "uniform")
    assert uni["pyramidal"] == uni["pv"] == uni["sst"]
    n = population_sizes(1.0)
    mean = sum(n[c] * pref[c] for c in CELLS) / sum(n.values())
    assert uni["pv"] == pytest.approx(mean, rel=1e-3)
    assert drug_block(2.0)["pv"] > pref["pv"]
    with pytest.raises(InputError):
        drug_block(1.0, "bogus")
    with pytest.raises(InputError):
        drug_block(-1.0)


def test_population_sizes_use_receptor_pv_share():
    n = population_sizes(1.0)
    assert n["pyramidal"] == 4000 and n["pv"] + n["sst"] == 1000
    assert n["pv"] == round(1000 * DEFAULT.get("pv_share_of_interneurons", "1"))
    with pytest.raises(InputError):
        population_sizes(0.0)


# --- analysis on synthetic signals ------------------------------------------------------
def test_sine_at_40_hz_puts_its_power_in_gamma():
    dt = 0.5
    t = np.arange(0, 4000, dt) * 1e-3
    x = 3.0 * np.sin(2 * np.pi * 40.0 * t)
    f, psd = A.power_spectrum(x, dt)
    bands = A.band_powers(f, psd)
    assert bands["gamma"] / sum(bands.values()) > 0.95
    assert bands["gamma"] == pytest.approx(3.0 ** 2 / 2, rel=0.1)  # power of a sine = A^2/2
    assert A.peak_frequency(f, psd) == pytest.approx(40.0, abs=2.0)


def test_poisson_train_rate_is_recovered():
    rng = np.random.default_rng(3)
    n_cells, rate, dur_ms = 200, 7.0, 5000.0
    times = np.sort(rng.uniform(0, dur_ms, rng.poisson(rate * n_cells * dur_ms * 1e-3)))
    assert A.spike_rate(times, n_cells, 0.0, dur_ms) == pytest.approx(rate, rel=0.03)


def test_release_and_ei_ratio():
    assert A.glutamate_release(5.0, 0.2) == pytest.approx(1.0)
    assert A.glutamate_release(5.0) == pytest.approx(5.0 * 0.2)
    assert A.ei_ratio(np.full(10, 3.0), np.full(10, 1.5)) == pytest.approx(2.0)


# --- the network ---------------------------------------------------------------------------
def test_baseline_rates_are_plausible(baseline):
    rates = A.mean_rates(baseline)
    assert 0.5 <= rates["pyramidal"] <= 10.0
    assert rates["pv"] > rates["pyramidal"]
    assert rates["sst"] > 0.5
    assert A.result_ei_ratio(baseline) > 0.5
    bands = A.lfp_band_powers(baseline)
    assert all(v > 0 for v in bands.values())
    assert len(baseline.rates["pv"]) == len(baseline.time_ms) == len(baseline.lfp)


def test_same_seed_same_spikes_other_seed_differs():
    kw = dict(duration_ms=200.0, warmup_ms=0.0, n_scale=0.2, target=FAST)
    a, b = run_circuit(NO_DRUG, seed=5, **kw), run_circuit(NO_DRUG, seed=5, **kw)
    c = run_circuit(NO_DRUG, seed=6, **kw)
    for cell in CELLS:
        np.testing.assert_array_equal(a.spikes[cell][0], b.spikes[cell][0])
        np.testing.assert_array_equal(a.spikes[cell][1], b.spikes[cell][1])
    np.testing.assert_array_equal(a.lfp, b.lfp)
    assert not np.array_equal(a.spikes["pyramidal"][1], c.spikes["pyramidal"][1])


def test_bad_blocks_are_input_errors():
    with pytest.raises(InputError):
        run_circuit({"pyramidal": 0.0, "pv": 1.5, "sst": 0.0}, duration_ms=10.0)
    with pytest.raises(InputError):
        run_circuit(NO_DRUG, duration_ms=10.0, overrides={"no_such_parameter": 1.0})


@pytest.mark.slow
def test_interneuron_preferential_block_disinhibits_and_raises_gamma():
    """Full size, 0 vs 1 uM brain ketamine: PV rate falls, pyramidal rises, gamma power rises."""
    runs = {c: run_circuit(drug_block(c, "interneuron_preferential"), duration_ms=2000.0, warmup_ms=500.0,
                           n_scale=1.0, seed=0) for c in (0.0, 1.0)}
    rates = {c: A.mean_rates(r) for c, r in runs.items()}
    gamma = {c: A.lfp_band_powers(r)["gamma"] for c, r in runs.items()}
    assert rates[1.0]["pv"] < rates[0.0]["pv"]
    assert rates[1.0]["pyramidal"] > rates[0.0]["pyramidal"]
    assert gamma[1.0] > gamma[0.0]


def test_every_circuit_parameter_source_is_registered():
    from ketasim.circuit.parameters import CIRCUIT_PARAMETERS
    from ketasim.references import registry
    assert not {x.source for x in CIRCUIT_PARAMETERS} - set(registry())


def test_standalone_sweep_refuses_bad_levels_before_compiling():
    from ketasim.circuit.standalone import sweep_standalone
    with pytest.raises(InputError, match="blocks.pv"):
        sweep_standalone([{"pyramidal": 0.1, "pv": 1.5, "sst": 0.0}])
    with pytest.raises(InputError, match="block_sets"):
        sweep_standalone([])
    with pytest.raises(InputError, match="workers"):
        sweep_standalone([NO_DRUG], workers=0)
