"""The mean-field rate model: fixed point, linear response, and calibration to known data."""

import jax.numpy as jnp
import numpy as np
import pytest

from ketasim.circuit.calibrate import CircuitData, calibrate
from ketasim.circuit.meanfield import MeanField, band_powers, fixed_point, jacobian, lfp_spectrum, rates_map


def test_fixed_point_satisfies_the_rate_equations():
    m = MeanField()
    for b in ([0, 0, 0], [0.1, 0.4, 0.4]):
        r = fixed_point(m, b)
        np.testing.assert_allclose(rates_map(m.as_arrays(), r, jnp.asarray(b, float)), r, rtol=1e-10)


def test_blocking_interneuron_nmda_lowers_pv_and_raises_pyramidal_rates():
    m = MeanField()
    r0 = np.asarray(fixed_point(m, [0, 0, 0]))
    r1 = np.asarray(fixed_point(m, [0.0, 0.6, 0.6]))
    assert r1[1] < r0[1] and r1[2] < r0[2] and r1[0] > r0[0]


def test_spectrum_of_a_single_filter_is_lorentzian():
    """Check the linear-response machinery on a case with a closed form."""
    m = MeanField()
    p = m.as_arrays()
    a = jacobian(p, fixed_point(m, [0, 0, 0]), jnp.zeros(3))
    tau = float(p["tau_syn"][0])
    assert float(a[3, 3]) == pytest.approx(-1.0 / tau) and float(a[3, 0]) == pytest.approx(1.0 / tau)
    f = np.array([1.0, 50.0])
    s = np.asarray(lfp_spectrum(m, [0, 0, 0], f))
    assert s[0] > 0 and s[1] > 0
    bp = band_powers(m, [0, 0, 0])
    assert set(bp) == {"delta", "theta", "alpha", "beta", "gamma"} and all(float(v) > 0 for v in bp.values())


def test_calibration_recovers_rates_generated_by_a_known_model():
    truth = MeanField().with_values(drive=(1.4, 0.9, 0.7), j_nmda=(0.12, 0.3, 0.25))
    blocks = np.array([[0, 0, 0], [0.1, 0.2, 0.2], [0.2, 0.4, 0.4], [0.3, 0.3, 0.3], [0.0, 0.5, 0.1]])
    rates = np.array([np.asarray(fixed_point(truth, b)) for b in blocks])
    model, report = calibrate(CircuitData(blocks, rates, np.ones(len(blocks))))
    assert report["rate_log_rmse"] < 0.02
