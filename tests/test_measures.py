"""The statistics registry (ketasim.measures): every statistic's batched NumPy face against a
per-row reference computed here independently (np.interp, np.trapezoid, np.polyfit, loops),
its JAX face against its NumPy face, unit rules, measure calls and their refusals."""

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.experiments.loader import ExperimentFileError, parse_experiment
from ketasim.experiments.schema import STATISTICS as SCHEMA_STATISTICS
from ketasim.experiments.schema import Measure
from ketasim.measures import STATISTICS, Curve, MeasureError, Options, call_of, measure_call

IN_VITRO_ONLY = ("ic50", "relaxation_rate", "on_rate", "rate_ratio")

# ---------------------------------------------------------------------------------------------
# random courses: an irregular grid (min), noisy decays, and two arbitrary walks (negative values,
# rises), so NaN paths (no decay, non-positive values) are exercised too


def _courses(seed=7, n=6, size=80):
    rng = np.random.default_rng(seed)
    t = np.concatenate([[0.0], np.cumsum(rng.uniform(0.4, 2.0, size - 1))])
    k = rng.uniform(0.01, 0.08, n - 2)[:, None]
    decays = rng.uniform(1.0, 50.0, (n - 2, 1)) * np.exp(-k * t) * (1 + 0.05 * rng.standard_normal((n - 2, size)))
    walks = np.cumsum(rng.standard_normal((2, size)), axis=1)
    return t, np.vstack([decays, walks]), rng


T, Y, RNG = _courses()
VERSUS = 2.0 + RNG.uniform(0.5, 3.0, Y.shape)                          # same grid (auc_ratio)
REF_T = np.linspace(0.0, 90.0, 51)                                     # reference regimen's grid
REF_Y = 3.0 * np.exp(-0.04 * REF_T) * (1 + RNG.uniform(0.0, 0.2, (Y.shape[0], REF_T.size)))

WINDOWED = Options(at=17.3, baseline_at=4.2, window=(10.0, 70.0), dose=50.0, reference_dose=35.0)
WHOLE = Options(at=float(T[11]), baseline_at=0.0, dose=20.0, reference_dose=40.0)   # `at` on a grid point


def _part(t, y, window):
    keep = [i for i in range(t.size) if window is None or window[0] - 1e-9 <= t[i] <= window[1] + 1e-9]
    return t[keep], y[keep]


def _fit_half_life(t, y):
    slope = np.polyfit(t, np.log(y), 1)[0]
    return np.log(2) / -slope if slope < 0 else np.nan


def _half_life(t, y, o, other):
    tw, yw = _part(t, y, o.window)
    return _fit_half_life(tw, yw) if np.all(yw > 0) else np.nan


def _terminal_half_life(t, y, o, other):
    tw, yw = _part(t, y, o.window)
    start = tw[-1] - 0.3 * (tw[-1] - tw[0])
    keep = [i for i in range(1, tw.size) if tw[i] >= start and yw[i] > 0 and yw[i] < yw[i - 1]]
    return _fit_half_life(tw[keep], yw[keep]) if len(keep) >= 3 else np.nan


def _first(t, y, o, pick):
    tw, yw = _part(t, y, o.window)
    best = 0
    for i in range(1, yw.size):
        if pick(yw[i], yw[best]):
            best = i
    return tw[best]


REFERENCE = {   # statistic -> (t, y row, options, other row as (t, y) or None) -> float
    "value_at": lambda t, y, o, _: np.interp(o.at, t, y),
    "change_from_baseline": lambda t, y, o, _: np.interp(o.at, t, y) - np.interp(o.baseline_at, t, y),
    "ratio_to_baseline": lambda t, y, o, _: np.interp(o.at, t, y) / np.interp(o.baseline_at, t, y),
    "relief": lambda t, y, o, _: 1.0 - np.interp(o.at, t, y) / np.interp(o.baseline_at, t, y),
    "max": lambda t, y, o, _: max(_part(t, y, o.window)[1]),
    "min": lambda t, y, o, _: min(_part(t, y, o.window)[1]),
    "mean": lambda t, y, o, _: np.trapezoid(_part(t, y, o.window)[1], _part(t, y, o.window)[0])
    / np.ptp(_part(t, y, o.window)[0]),
    "auc": lambda t, y, o, _: np.trapezoid(_part(t, y, o.window)[1], _part(t, y, o.window)[0]),
    "time_of_max": lambda t, y, o, _: _first(t, y, o, lambda a, b: a > b),
    "time_of_min": lambda t, y, o, _: _first(t, y, o, lambda a, b: a < b),
    "half_life": _half_life,
    "terminal_half_life": _terminal_half_life,
    "auc_ratio": lambda t, y, o, v: np.trapezoid(_part(t, y, o.window)[1], _part(t, y, o.window)[0])
    / np.trapezoid(_part(t, v[1], o.window)[1], _part(t, v[1], o.window)[0]),
    "bioavailability": lambda t, y, o, r: (np.trapezoid(y, t) / o.dose) / (np.trapezoid(r[1], r[0]) / o.reference_dose),
}


def _other(name, rows=slice(None)):
    if "versus" in STATISTICS[name].needs:
        return Curve(T, VERSUS[rows])
    if "reference" in STATISTICS[name].needs:
        return Curve(REF_T, REF_Y[rows])
    return None


def test_every_registered_statistic_has_a_reference_here():
    assert set(REFERENCE) == set(STATISTICS)


@pytest.mark.parametrize("options", [WINDOWED, WHOLE], ids=["windowed", "whole"])
@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_numpy_face_equals_the_per_row_reference(name, options):
    other = _other(name)
    got = STATISTICS[name].numpy(T, Y, options, other)
    assert got.shape == (Y.shape[0],)
    want = np.array([REFERENCE[name](T, Y[i], options, None if other is None else (other.t, other.y[i]))
                     for i in range(Y.shape[0])])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0.0, equal_nan=True)
    if name in ("half_life", "terminal_half_life"):
        assert np.isfinite(got[:4]).all() and np.isnan(got).any()   # the decays fit, some walk does not


@pytest.mark.parametrize("options", [WINDOWED, WHOLE], ids=["windowed", "whole"])
@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_jax_face_equals_the_numpy_face(name, options):
    import jax

    from ketasim.engine import jaxconfig  # noqa: F401  (float64)

    s = STATISTICS[name]
    assert s.traceable
    other = _other(name)
    want = s.numpy(T, Y, options, other)
    if other is None:
        got = jax.jit(lambda y: s.jax(T, y, options))(Y)
    else:
        got = jax.jit(lambda y, oy: s.jax(T, y, options, Curve(other.t, oy)))(Y, other.y)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=0.0, equal_nan=True)


@pytest.mark.parametrize("name", ["value_at", "max", "min", "mean", "auc", "ratio_to_baseline",
                                  "change_from_baseline"])
def test_fittable_statistics_have_jax_gradients_equal_to_finite_differences(name):
    import jax

    from ketasim.engine import jaxconfig  # noqa: F401  (float64)

    s = STATISTICS[name]
    assert s.fittable
    y = Y[0]
    grad = np.asarray(jax.grad(lambda v: s.jax(T, v, WINDOWED))(y))
    h = 1e-6
    for j in (0, 5, 12, 30, 45):
        e = np.zeros_like(y)
        e[j] = h
        fd = (s.numpy(T, (y + e)[None], WINDOWED)[0] - s.numpy(T, (y - e)[None], WINDOWED)[0]) / (2 * h)
        assert grad[j] == pytest.approx(fd, rel=1e-5, abs=1e-7)


# ---------------------------------------------------------------------------------------------
# the registry's names and unit rules


def test_the_registry_holds_every_schema_statistic_but_the_in_vitro_ones():
    from ketasim.analysis.outputs import STATISTICS as GRAMMAR

    assert set(SCHEMA_STATISTICS) - set(IN_VITRO_ONLY) <= set(STATISTICS)
    assert set(GRAMMAR) <= set(STATISTICS)
    assert not set(IN_VITRO_ONLY) & set(STATISTICS)


@pytest.mark.parametrize("name, observable_unit, unit", [
    ("max", "ng/mL", "ng/mL"), ("value_at", "uM", "uM"), ("change_from_baseline", "1", "1"),
    ("auc", "ng/mL", "(ng/mL)*min"), ("auc", "1", "min"), ("time_of_max", "ng/mL", "min"),
    ("time_of_min", "uM", "min"), ("half_life", "ng/mL", "min"), ("terminal_half_life", "ng/mL", "min"),
    ("ratio_to_baseline", "ng/mL", "1"), ("relief", "1", "1"), ("auc_ratio", "ng/mL", "1"),
    ("bioavailability", "ng/mL", "1"), ("mean", "pg/mL", "pg/mL"),
])
def test_unit_rules(name, observable_unit, unit):
    assert STATISTICS[name].unit(observable_unit) == unit


# ---------------------------------------------------------------------------------------------
# measure calls: parsing once, unit conversion once, refusals naming the field


def _measure(statistic, unit="1", **extra):
    return Measure(observable="x", statistic=statistic, unit=unit, range=(-1e9, 1e9), **extra)


def test_measure_call_parses_times_and_converts_units_once():
    t = np.arange(0.0, 241.0)
    y = 100.0 * np.exp(-t / 60.0)            # ng/mL
    auc = measure_call(_measure("auc", "ng/mL*h", window=("1 h", "2 h")), t, "ng/mL", "measure[0]")
    assert auc.options.window == (60.0, 120.0) and auc.factor == pytest.approx(1 / 60.0, rel=1e-15)
    assert auc.value(t, y) == pytest.approx(np.trapezoid(y[60:121], t[60:121]) / 60.0, rel=1e-12)
    tmax = measure_call(_measure("time_of_max", "h", window=("30 min", "3 h")), t, "ng/mL", "m")
    assert tmax.value(t, y) == pytest.approx(0.5, rel=1e-12)
    ratio = measure_call(_measure("ratio_to_baseline", "%", at="90 min", baseline_at="0.5 h"), t, "ng/mL", "m")
    assert ratio.options == Options(at=90.0, baseline_at=30.0)
    assert ratio.value(t, y) == pytest.approx(100.0 * np.exp(-1.0), rel=1e-12)
    ug = measure_call(_measure("value_at", "ug/L", at="1 h"), t, "ng/mL", "m")
    assert ug.value(t, y) == pytest.approx(100.0 * np.exp(-1.0), rel=1e-12)
    hl = measure_call(_measure("half_life", "h"), t, "ng/mL", "m")
    assert hl.value(t, y) == pytest.approx(np.log(2), rel=1e-10)


def test_auc_ratio_of_two_exponentials():
    # AUC(a e^{-k1 t}) / AUC(b e^{-k2 t}) over [0, inf) = (a/k1) / (b/k2); 2000 min ~ infinity here
    t = np.linspace(0.0, 2000.0, 200001)
    y1, y2 = 3.0 * np.exp(-0.05 * t), 1000.0 * 2.0 * np.exp(-0.2 * t)   # ng/mL and pg/mL
    m = Measure(observable="a", statistic="auc_ratio", versus="b", unit="1", range=(0, 100))
    call = measure_call(m, t, "ng/mL", "measure[0]", other_unit="pg/mL")
    assert call.value(t, y1, Curve(t, y2)) == pytest.approx((3.0 / 0.05) / (2.0 / 0.2), rel=1e-6)


def test_bioavailability_is_the_dose_normalised_auc_ratio():
    t, rt = np.arange(0.0, 601.0), np.arange(0.0, 301.0)
    y, ry = 2.0 * np.exp(-t / 50.0), 8.0 * np.exp(-rt / 50.0)
    call = measure_call(_measure("bioavailability"), t, "ng/mL", "m", dose=100.0, reference_dose=50.0)
    want = (np.trapezoid(y, t) / 100.0) / (np.trapezoid(ry, rt) / 50.0)
    assert call.value(t, y, Curve(rt, ry)) == pytest.approx(want, rel=1e-12)
    exact = (100.0 * (1 - np.exp(-12.0)) / 100.0) / (400.0 * (1 - np.exp(-6.0)) / 50.0)   # the integrals
    assert want == pytest.approx(exact, rel=1e-4)                                           # 1-min trapezoid


def test_auc_ratio_needs_versus():
    data = {"id": "x", "title": "x", "source": "x", "tags": ["pk"], "protocol": {"duration": "1 h"},
            "measure": [{"observable": "plasma_ketamine", "statistic": "auc_ratio", "range": [0, 1]}]}
    with pytest.raises(ExperimentFileError, match="needs 'versus'"):
        parse_experiment(data)


T60 = np.arange(0.0, 61.0)


@pytest.mark.parametrize("statistic, extra, unit, field", [
    ("max", {"window": ("10 min", "10.5 min")}, "1", r"measure\[2\]\.window: fewer than two"),
    ("auc", {"window": ("2 h", "3 h")}, "min", r"measure\[2\]\.window"),
    ("value_at", {"at": "2 h"}, "1", r"measure\[2\]\.at: 120 min is outside"),
    ("ratio_to_baseline", {"at": "10 min", "baseline_at": "-5 min"}, "1", r"measure\[2\]\.baseline_at"),
    ("max", {}, "ng/mL", r"measure\[2\]\.unit: 'ng/mL' cannot express"),
    ("time_of_max", {}, "ng/mL", r"measure\[2\]\.unit"),
    ("bioavailability", {}, "1", r"measure\[2\]: bioavailability needs protocol.reference_doses"),
])
def test_bad_measures_raise_a_measure_error_naming_the_field(statistic, extra, unit, field):
    with pytest.raises(MeasureError, match=field):
        measure_call(_measure(statistic, unit, **extra), T60, "1", "measure[2]")


@pytest.mark.parametrize("extra, field", [
    ({"at": "3 kg"}, r"measure\[2\]\.at"), ({"window": ("0 min", "5 mL")}, r"measure\[2\]\.window")])
def test_times_in_the_wrong_unit_are_input_errors_naming_the_field(extra, field):
    with pytest.raises(InputError, match=field):
        measure_call(_measure("value_at" if "at" in extra else "max", **extra), T60, "1", "measure[2]")


def test_unknown_statistic_and_missing_versus_are_refused():
    with pytest.raises(MeasureError, match=r"m\.statistic: unknown statistic 'peak'"):
        call_of("peak", T60, "1", field="m")
    with pytest.raises(MeasureError, match=r"m\.versus: auc_ratio needs 'versus'"):
        call_of("auc_ratio", T60, "1", field="m")
    with pytest.raises(MeasureError, match=r"m\.versus: 'ng/mL' cannot express"):
        call_of("auc_ratio", T60, "ng/mL", field="m", other_unit="min")


def test_undefined_values_are_refused_for_one_curve_and_nan_in_a_batch():
    ratio = call_of("ratio_to_baseline", T60, "1", Options(at=30.0, baseline_at=0.0), field="measure[1]")
    with pytest.raises(MeasureError, match=r"measure\[1\]: ratio_to_baseline: the baseline value is zero"):
        ratio.value(T60, T60)
    batch = ratio.numpy(T60, np.vstack([T60, T60 + 1.0]))
    assert np.isnan(batch[0]) and batch[1] == pytest.approx(31.0)
    rising = call_of("half_life", T60, "ng/mL", field="measure[3]")
    with pytest.raises(MeasureError, match=r"measure\[3\]: half_life: .*not all positive and declining"):
        rising.value(T60, 1.0 + T60)
    assert np.isnan(call_of("max", T60, "1").value(T60, np.full(T60.size, np.nan)))   # NaN in, NaN out
