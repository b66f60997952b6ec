"""The surrogate rebuild: design and held-out points, outputs, error measures (no spiking runs)."""

import numpy as np
import pytest

from ketasim.circuit.blocks import drug_block
from ketasim.circuit.build import (OUTPUT_KEYS, RATE_FLOOR_HZ, PointRuns, build, design, held_out, log_rmse, output_values,
                                   seed_noise)
from ketasim.circuit.surrogate import OUTPUT_UNITS, features, feature_terms


def test_design_spans_the_whole_block_range_and_starts_at_zero():
    pts = design(n_random=40, max_block=0.95, seed=0)
    assert np.allclose(pts[0], 0.0)
    assert pts.min() >= 0.0 and pts.max() <= 0.95
    # the anaesthetic receptor points are in the design, not extrapolated to (50 uM: block near 0.9)
    b50 = drug_block(50.0)
    assert any(np.allclose(p, [b50["pyramidal"], b50["pv"], b50["sst"]]) for p in pts)
    assert pts[:, 1].max() > 0.9


def test_held_out_points_are_not_design_points():
    pts, test = design(seed=0), held_out(seed=1)
    for t in test:
        assert not any(np.allclose(t, p) for p in pts)
    # a held-out set drawn with the design's own seed is still a different stream
    assert not any(np.allclose(t, p) for t in held_out(seed=0) for p in design(seed=0))


def test_every_output_has_a_unit_and_a_summary_key():
    assert set(OUTPUT_KEYS) == set(OUTPUT_UNITS)


def _summary(rate, gamma, ei=2.0):
    s = {key: 1.0 for key in OUTPUT_KEYS.values()}
    s.update(rate_pyramidal=rate, glutamate_release=0.2 * rate, power_gamma=gamma, ei_ratio=ei)
    return s


def test_output_values_are_relative_to_the_drug_free_summary_where_declared():
    base = _summary(2.0, 10.0)
    out = output_values([base, _summary(3.0, 25.0, ei=2.5)], base)
    assert out["rate_pyramidal"].tolist() == [2.0, 3.0]  # Hz, as measured
    assert out["glutamate_release"].tolist() == pytest.approx([1.0, 1.5])  # relative
    assert out["gamma_power"].tolist() == pytest.approx([1.0, 2.5])
    assert out["ei_ratio"].tolist() == [2.0, 2.5]  # as measured


def test_log_rmse_of_a_uniform_10_percent_error():
    assert log_rmse(np.array([1.1, 2.2]), np.array([1.0, 2.0])) == pytest.approx(np.log(1.1))


def test_seed_noise_is_the_standard_error_of_a_points_mean_log():
    base = _summary(2.0, 10.0)
    # gamma of two seeds at one point: 10 and 40 -> logs differ by log 4; SD = log4/sqrt2; SE = SD/sqrt2
    point = PointRuns((_summary(2.0, 10.0), _summary(2.0, 40.0)))
    assert seed_noise([point], base)["gamma_power"] == pytest.approx(np.log(4.0) / 2.0)
    assert seed_noise([point], base)["rate_pyramidal"] == pytest.approx(0.0)


def _runs_from(points, coef_gamma, noise=0.0, seed=0):
    """Synthetic per-seed summaries whose log gamma ratio is exactly quadratic in the blocks (+ noise)."""
    rng = np.random.default_rng(seed)
    terms = feature_terms()
    runs = []
    for b in points:
        g = 10.0 * np.exp(features(b, terms) @ coef_gamma)[0]
        runs.append(PointRuns(tuple(_summary(2.0 * (1 + b[1]), g * np.exp(noise * rng.standard_normal()))
                                    for _ in range(3))))
    return runs


def test_build_recovers_an_exact_quadratic_and_reports_held_out_error():
    coef = np.array([0.2, 0.8, -0.3, 0.1, 0.0, 0.0, -0.4, 0.2, 0.0])
    pts, test = design(seed=0), held_out(seed=1)
    s, report = build(pts, _runs_from(pts, coef), test, _runs_from(test, coef), "synthetic")
    np.testing.assert_allclose(s.coefficients["gamma_power"], coef, atol=1e-9)
    assert report["error"]["gamma_power"]["held_out_log_rmse"] < 1e-9
    assert report["error"]["gamma_power"]["held_out_seed_noise"] == pytest.approx(0.0)
    # the pyramidal rate is 2 (1 + b_pv) Hz: not log-quadratic, so its held-out error is small but not zero
    assert 0.0 < report["error"]["rate_pyramidal"]["held_out_log_rmse"] < 0.05
    assert "held-out" in s.provenance["summary"]
    # the fit's own settings travel with the coefficients: a rebuild can tell a changed floor apart
    assert s.provenance["fit"] == {"degree": 2, "rate_floor_hz": RATE_FLOOR_HZ}


def test_build_error_grows_with_seed_noise_on_held_out_points():
    coef = np.zeros(9)
    pts, test = design(seed=0), held_out(seed=1)
    _, report = build(pts, _runs_from(pts, coef, noise=0.3, seed=1), test, _runs_from(test, coef, noise=0.3, seed=2),
                      "synthetic")
    e = report["error"]["gamma_power"]
    assert e["held_out_seed_noise"] > 0.05 and e["held_out_log_rmse"] > 0.05


def test_build_needs_the_drug_free_point_first():
    pts = design(seed=0)[1:]
    with pytest.raises(ValueError, match="zero block"):
        build(pts, _runs_from(pts, np.zeros(9)), pts, _runs_from(pts, np.zeros(9)), "synthetic")


def test_a_checkpoint_keeps_finished_seeds_and_refuses_other_settings(tmp_path, monkeypatch):
    import ketasim.circuit.build as cb

    calls = []

    def fake_runs(points, duration_ms, seed, n_scale, workers, engine, segment_ms):
        calls.append(seed)
        return [{"rate_pyramidal": float(seed + i)} for i in range(len(points))]

    monkeypatch.setattr(cb, "_design_runs", fake_runs)
    pts = np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]])
    first = cb.run_design(pts, 1000.0, seed=3, seeds=2, engine="runtime", checkpoint=tmp_path)
    assert calls == [3, 4] and sorted(p.name for p in tmp_path.iterdir()) == ["seed_3.json", "seed_4.json"]
    # a later build with the same points and settings simulates nothing and gives the same runs
    again = cb.run_design(pts, 1000.0, seed=3, seeds=3, engine="runtime", checkpoint=tmp_path)
    assert calls == [3, 4, 5]
    assert [r.per_seed[:2] for r in again] == [r.per_seed for r in first]
    assert again[1].per_seed[0] == {"rate_pyramidal": 4.0}
    with pytest.raises(ValueError, match="seed_3.json: saved for other points or settings"):
        cb.run_design(pts, 2000.0, seed=3, seeds=1, engine="runtime", checkpoint=tmp_path)
