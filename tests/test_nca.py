"""The terminal phase with its diagnostics (`measures.nca`): recovers λz of known curves,
fits a repeated course on its last decline, and refuses what it cannot estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ketasim.measures.nca import MAX_EXTRAPOLATED, MIN_R2_ADJ, terminal_phase


def biexponential(t: np.ndarray) -> np.ndarray:
    """200 e^(-0.05 t) + 20 e^(-0.004 t) (ng/mL, t min): terminal t1/2 = ln2/0.004 = 173.3 min."""
    return 200.0 * np.exp(-0.05 * t) + 20.0 * np.exp(-0.004 * t)


def test_the_terminal_slope_of_a_biexponential_is_recovered_with_its_diagnostics():
    t = np.arange(0.0, 24 * 60.0 + 1, 5.0)
    fit = terminal_phase(t, biexponential(t))
    assert fit.half_life == pytest.approx(math.log(2) / 0.004, rel=1e-3)
    assert fit.points >= 3 and fit.r2_adjusted > 0.9999
    assert fit.start > 100.0       # the distribution phase (t1/2 14 min) is left out
    assert fit.end == t[-1]
    tail = biexponential(t)[-1] / fit.lambda_z
    assert fit.extrapolated == pytest.approx(tail / (fit.auc_last + tail), rel=1e-9)
    assert fit.reason == ""


def test_a_repeated_course_is_fitted_on_its_last_decline():
    t = np.arange(0.0, 3000.0 + 1, 1.0)
    c = sum(np.where(t >= s, 100.0 * np.exp(-0.01 * (t - s)), 0.0) for s in (0.0, 1000.0, 2000.0))
    fit = terminal_phase(t, c)
    assert fit.start > 2000.0
    assert fit.half_life == pytest.approx(math.log(2) / 0.01, rel=1e-6)


def test_numerical_noise_after_the_drug_is_gone_is_not_a_phase():
    t = np.arange(0.0, 3 * 1440.0 + 1, 10.0)
    c = 100.0 * np.exp(-0.006 * t)
    noisy = np.where(c < 1e-6, 3e-8 * np.sin(t), c)     # the solver's tolerance, not the body
    fit = terminal_phase(t, np.maximum(noisy, 0.0))
    assert fit.half_life == pytest.approx(math.log(2) / 0.006, rel=1e-6)


def test_a_half_life_is_refused_when_the_run_is_too_short():
    """A metabolite that peaks at 13 h in a 24-h run (the HNK case): the fitted slope exists
    but most of AUC(0-inf) would be extrapolated."""
    t = np.arange(0.0, 1440.0 + 1, 1.0)
    c = 15.0 * (np.exp(-0.0003 * t) - np.exp(-0.004 * t))
    fit = terminal_phase(t, c)
    assert fit.half_life is None
    assert fit.extrapolated > MAX_EXTRAPOLATED
    assert "extrapolated" in fit.reason


def test_a_half_life_is_refused_when_the_fit_is_poor_or_there_is_no_decline():
    t = np.arange(0.0, 600.0 + 1, 10.0)
    rising = terminal_phase(t, 10.0 * (1 - np.exp(-t / 100.0)))
    assert rising.half_life is None and "fewer than" in rising.reason
    rng = np.random.default_rng(0)
    scatter = 50.0 * np.exp(-0.001 * t) * np.exp(rng.normal(0.0, 0.5, t.size))
    scatter[0] = 500.0   # one peak, then a noisy plateau-like decline
    poor = terminal_phase(t, scatter)
    assert poor.half_life is None
    assert poor.r2_adjusted is None or poor.r2_adjusted < MIN_R2_ADJ or "extrapolated" in poor.reason
