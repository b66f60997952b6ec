"""The circuit surrogate: exact on data it can represent, JSON round trip, and as equation text."""

import numpy as np
import pytest

from ketasim.circuit.surrogate import (INPUTS, Surrogate, equation_lines, feature_terms, features, fit_surrogate,
                                       surrogate_parameters)


def _truth(b):
    """A log-quadratic map the surrogate's form can represent exactly."""
    return {"rate_pyramidal": 2.0 * np.exp(1.5 * b[:, 1] - 0.4 * b[:, 0] + 0.8 * b[:, 1] * b[:, 2]),
            "gamma_power": np.exp(2.0 * b[:, 1] ** 2 - 1.0 * b[:, 0])}


def test_fit_recovers_a_representable_map_and_baseline_at_zero_block():
    rng = np.random.default_rng(0)
    b = rng.uniform(0, 0.8, size=(60, 3))
    s = fit_surrogate(b, _truth(b), {"rate_pyramidal": 2.0, "gamma_power": 1.0})
    test = rng.uniform(0, 0.8, size=(20, 3))
    pred, true = s.predict(test), _truth(test)
    for k in true:
        np.testing.assert_allclose(pred[k], true[k], rtol=1e-10)
    zero = s.predict(np.zeros((1, 3)))
    assert zero["rate_pyramidal"][0] == pytest.approx(2.0) and zero["gamma_power"][0] == pytest.approx(1.0)


def test_json_round_trip_and_refusal_of_other_inputs():
    b = np.random.default_rng(1).uniform(0, 0.8, size=(30, 3))
    s = fit_surrogate(b, _truth(b), {"rate_pyramidal": 2.0, "gamma_power": 1.0}, provenance={"summary": "test"})
    back = Surrogate.from_json(s.to_json())
    np.testing.assert_allclose(back.predict(b)["gamma_power"], s.predict(b)["gamma_power"], rtol=0, atol=0)
    bad = s.to_json().replace("nmda_block_sst", "nmda_block_vip")
    with pytest.raises(ValueError, match="inputs"):
        Surrogate.from_json(bad)


def test_equation_text_evaluates_to_the_same_values():
    from ketasim.engine.evaluate import evaluate_module
    from ketasim.engine.module import Module

    b = np.random.default_rng(2).uniform(0, 0.8, size=(30, 3))
    s = fit_surrogate(b, _truth(b), {"rate_pyramidal": 2.0, "gamma_power": 1.0})
    mod = Module(name="circuit", equations="\n".join(equation_lines(s)), parameters=surrogate_parameters(s),
                 inputs={n: "1" for n in INPUTS}, outputs=("rate_pyramidal", "gamma_power"))
    env = evaluate_module(mod, {n: b[:, i] for i, n in enumerate(INPUTS)})
    from ketasim.units import to_canonical

    hz = to_canonical(1.0, "Hz")  # evaluate_module answers in canonical units (1/min)
    np.testing.assert_allclose(env["rate_pyramidal"] / hz, s.predict(b)["rate_pyramidal"], rtol=1e-12)
    assert len(feature_terms()) == features(b, feature_terms()).shape[1] == 9
