"""Global sensitivity: SALib wrappers against analytic indices, output specs, parameter ranges,
a small real-model screening, and the command's bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest

from ketasim.analysis import sensitivity as sa
from ketasim.analysis.outputs import DEFAULT_OUTPUTS, OutputSpec, check_outputs, compute_outputs, parse_output
from ketasim.analysis.space import Problem, parameter_range, parameter_space, parse_parameter
from ketasim.errors import InputError
from ketasim.parameters import Parameter

# ---------------------------------------------------------------------------------------------
# Sobol indices of the Ishigami function (Ishigami & Homma 1990), x_i ~ U(-pi, pi):
# f = sin x1 + a sin^2 x2 + b x3^4 sin x1. Variances (Sobol' & Levitan 1999):
# V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V13 = b^2 pi^8 (1/18 - 1/50), V3 = 0,
# V = V1 + V2 + V13.


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a=7.0, b=0.1):
    v1 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


PI_CUBE = Problem(("x1", "x2", "x3"), ((-np.pi, np.pi),) * 3)


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values():
    s1, st = ishigami_indices()
    assert np.allclose(s1, [0.3139, 0.4424, 0.0], atol=5e-4)   # the formula is the textbook one
    res = sa.sobol(PI_CUBE, ishigami, n=4096, seed=1)
    (out,) = res.outputs
    assert res.evaluations == 4096 * 5
    assert np.allclose([i.S1 for i in out.indices], s1, atol=0.05)
    assert np.allclose([i.ST for i in out.indices], st, atol=0.05)
    # the bootstrap intervals are honest: narrow, and covering the truth within ~3 half-widths
    for i, a, b in zip(out.indices, s1, st):
        assert 0 < i.S1_conf < 0.05 and 0 < i.ST_conf < 0.05
        assert abs(i.S1 - a) < 3 * i.S1_conf + 0.01 and abs(i.ST - b) < 3 * i.ST_conf + 0.01


def test_sobol_is_reproducible_from_its_seed_and_refuses_a_non_power_of_two():
    a = sa.sobol(PI_CUBE, ishigami, n=256, seed=7).outputs[0].indices
    b = sa.sobol(PI_CUBE, ishigami, n=256, seed=7).outputs[0].indices
    c = sa.sobol(PI_CUBE, ishigami, n=256, seed=8).outputs[0].indices
    assert a == b and a != c
    with pytest.raises(InputError, match="--samples.*power of two"):
        sa.sobol(PI_CUBE, ishigami, n=100)


def test_an_output_without_variance_has_zero_sobol_indices():
    res = sa.sobol(PI_CUBE, lambda x: np.column_stack([ishigami(x), np.full(len(x), 3.0)]), n=64,
                   output_names=["f", "const"])
    assert [o.output for o in res.outputs] == ["f", "const"]
    assert all(i.S1 == 0 and i.ST == 0 for i in res.outputs[1].indices)


def test_morris_finds_the_inert_input_and_orders_linear_coefficients():
    # f = 3 x0 + 1 x1 + 0 x2 + 0.3 x3 on [0, 1]^4: the elementary effect of x_i is its coefficient
    coef = np.array([3.0, 1.0, 0.0, 0.3])
    problem = Problem(("a", "b", "inert", "c"), ((0.0, 1.0),) * 4)
    res = sa.morris(problem, lambda x: x @ coef, trajectories=20, levels=4, seed=3)
    (out,) = res.outputs
    assert res.evaluations == 20 * 5
    assert [i.parameter for i in out.ranked()] == ["a", "b", "c", "inert"]
    assert np.allclose([i.mu_star for i in out.indices], coef, atol=1e-9)   # linear: exact
    assert np.allclose([i.sigma for i in out.indices], 0.0, atol=1e-9)       # no interaction
    # a wider range scales the effect per full range: x0 on [0, 2] doubles it
    wide = Problem(problem.names, ((0.0, 2.0),) + problem.bounds[1:])
    assert sa.morris(wide, lambda x: x @ coef, 20, 4, 3).outputs[0].indices[0].mu_star == pytest.approx(6.0)


# ---------------------------------------------------------------------------------------------
# output specs


@pytest.mark.parametrize("text, expected", [
    ("bdnf:max", ("bdnf", "max", None)),
    ("spine_density:value_at@3 d", ("spine_density", "value_at", 4320.0)),
    ("madrs:ratio_to_baseline@24 h", ("madrs", "ratio_to_baseline", 1440.0)),
    (" plasma_ketamine : auc @ 90 min ", ("plasma_ketamine", "auc", 90.0)),
])
def test_output_specs_parse(text, expected):
    s = parse_output(text)
    assert (s.observable, s.statistic, s.at) == expected


@pytest.mark.parametrize("text, words", [
    ("bdnf", ["--output", "OBSERVABLE:STATISTIC"]),
    ("bdnf:maximum", ["--output", "unknown statistic 'maximum'"]),
    ("madrs:relief", ["--output", "relief needs a time"]),
    ("madrs:relief@tomorrow", ["--output", "tomorrow"]),
    ("madrs:relief@3 kg", ["--output", "not in a unit of min"]),
    (":max", ["--output", "no observable"]),
    ("bdnf:max@-1 h", ["--output", "positive"]),
])
def test_bad_output_specs_name_the_field(text, words):
    with pytest.raises(InputError) as err:
        parse_output(text)
    for w in words:
        assert w in str(err.value)


def test_output_checks_refuse_unknown_observables_and_times_past_the_end():
    check_outputs([parse_output("bdnf:max")], ["bdnf"], 60.0)
    with pytest.raises(InputError, match="--output: unknown observable 'bdfn'"):
        check_outputs([parse_output("bdfn:max")], ["bdnf"], 60.0)
    with pytest.raises(InputError, match="past the simulated"):
        check_outputs([parse_output("bdnf:value_at@2 h")], ["bdnf"], 60.0)


def test_output_statistics_on_a_batch():
    ts = np.linspace(0.0, 10.0, 101)                        # min
    y = np.stack([10.0 - ts, 4.0 + 2.0 * np.sin(ts)])       # two patients
    specs = [parse_output(t) for t in ("m:relief@5 min", "m:ratio_to_baseline@2.5 min", "m:auc",
                                       "m:max@3 min", "m:time_of_max", "m:mean@10 min",
                                       "m:change_from_baseline@10 min", "m:value_at@0.05 min")]
    got = compute_outputs(specs, ts, {"m": y})
    assert got.shape == (2, len(specs))
    assert got[0] == pytest.approx([0.5, 0.75, 50.0, 10.0, 0.0, 5.0, -10.0, 9.95], rel=1e-12)
    assert got[1, 0] == pytest.approx(1 - (4 + 2 * np.sin(5.0)) / 4.0, rel=1e-12)
    assert got[1, 3] == pytest.approx(4.0 + 2.0 * np.sin(np.pi / 2), abs=5e-3)   # max of sin on [0, 3]
    assert got[1, 4] == pytest.approx(np.pi / 2, abs=0.06)    # peaks at pi/2 and 5 pi/2 are equal: the first
    assert OutputSpec("m", "auc", None, "m:auc").unit("ng/mL") == "(ng/mL)*min"


def test_default_outputs_are_the_issues():
    specs = [parse_output(t) for t in DEFAULT_OUTPUTS]
    assert [(s.observable, s.statistic, s.at) for s in specs] == [
        ("madrs", "relief", 1440.0), ("madrs", "relief", 7 * 1440.0), ("bdnf", "max", None),
        ("spine_density", "value_at", 3 * 1440.0), ("plasma_ketamine", "max", None)]


# ---------------------------------------------------------------------------------------------
# parameter ranges


def _rec(**kw):
    base = dict(name="x", value=2.0, unit="1/min", source="assumed", note="test")
    return Parameter(**{**base, **kw})


def test_parameter_range_rules():
    both = parameter_range("m.x", _rec(lower=1.0, upper=3.0, cv=0.3))
    assert (both.lower, both.upper, both.scale, both.rule) == (1.0, 3.0, "linear", "bounds")
    wide = parameter_range("m.x", _rec(lower=0.1, upper=5.0))
    assert (wide.scale, wide.sampling_bounds) == ("log", pytest.approx((np.log(0.1), np.log(5.0))))
    cv = parameter_range("m.x", _rec(cv=0.5))
    half = 2 * np.sqrt(np.log(1 + 0.25))
    assert (cv.lower, cv.upper) == (pytest.approx(2 * np.exp(-half)), pytest.approx(2 * np.exp(half)))
    assert cv.scale == "log" and cv.rule == "cv"
    clipped = parameter_range("m.x", _rec(cv=0.5, upper=3.0))
    assert clipped.upper == 3.0 and clipped.lower == pytest.approx(cv.lower)
    given = parameter_range("m.x", _rec(), (1.5, 2.5))
    assert (given.lower, given.upper, given.rule) == (1.5, 2.5, "given")
    with pytest.raises(InputError, match="--parameter: m.x has no range"):
        parameter_range("m.x", _rec())
    with pytest.raises(InputError, match="empty"):
        parameter_range("m.x", _rec(), (3.0, 1.0))


def test_parameter_space_defaults_to_the_cv_parameters_and_maps_samples_back():
    from ketasim.mechanisms.registry import build_model

    model = build_model()
    space = parameter_space(model)
    assert set(space.names) == {k for k, r in model.parameters.items.items() if r.cv > 0}
    assert "ketamine_s.cl" in space.names and "nmda.magnesium" not in space.names
    x = np.array([b for b in space.problem().bounds]).T           # (2, k): all lower, all upper
    values = space.to_values(x)
    assert np.allclose(values[0], [r.lower for r in space.ranges])
    assert np.allclose(values[1], [r.upper for r in space.ranges])
    with pytest.raises(InputError, match="--parameter: unknown parameter 'ketamine_s.c1'"):
        parameter_space(model, ["ketamine_s.c1"])
    assert parse_parameter("a.b=0.1:2") == ("a.b", (0.1, 2.0))
    with pytest.raises(InputError, match="NAME=LO:HI"):
        parse_parameter("a.b=0.1")


# ---------------------------------------------------------------------------------------------
# a real model: esketamine PK (one enantiomer, linear, solved exactly in vmap batches)


def test_morris_on_the_pk_model_ranks_clearance_and_volume_above_the_inert_parameters():
    from ketasim.analysis.course import course_evaluator
    from ketasim.engine.assembler import assemble
    from ketasim.engine.dosing import DoseEvent
    from ketasim.mechanisms.patient import PATIENT
    from ketasim.mechanisms.pk_ketamine import ketamine_module

    model = assemble((PATIENT, ketamine_module("s")))
    regimen = (DoseEvent("esketamine", "iv", 0.5, per_kg=True, duration=40.0),)
    # cl (clearance) and v1 (central volume) set the peak; ke0 (the brain effect site)
    # and ka_oral (an oral dose) cannot touch plasma after an IV infusion
    space = parameter_space(model, ["ketamine_s.cl", "ketamine_s.ke0"],
                            {"ketamine_s.v1": (60.0, 200.0), "ketamine_s.ka_oral": (0.5, 2.0)})
    outputs = [parse_output("plasma_s_ketamine:max"), parse_output("brain_s_ketamine:max")]
    seen = []
    evaluate = course_evaluator(model, regimen, space, outputs, 180.0, batch_size=16, progress=seen.append)
    res = sa.morris(space.problem(), evaluate, trajectories=6, levels=4, seed=0,
                    output_names=[o.text for o in outputs])
    assert sum(seen) == res.evaluations == 6 * 5 and max(seen) <= 16      # batched, all samples
    plasma = {i.parameter: i for i in res.outputs[0].indices}
    assert [i.parameter for i in res.outputs[0].ranked()[:2]] in (
        ["ketamine_s.cl", "ketamine_s.v1"], ["ketamine_s.v1", "ketamine_s.cl"])
    assert plasma["ketamine_s.cl"].mu < -10 and plasma["ketamine_s.v1"].mu < -10   # ng/mL, both lower it
    assert plasma["ketamine_s.ke0"].mu_star < 1e-6 * plasma["ketamine_s.cl"].mu_star
    assert plasma["ketamine_s.ka_oral"].mu_star < 1e-6 * plasma["ketamine_s.cl"].mu_star
    brain = {i.parameter: i for i in res.outputs[1].indices}
    assert brain["ketamine_s.ke0"].mu > 0                       # a faster effect site peaks higher
    # the base subject is the standard patient: at the typical values the evaluator's peak is the
    # one SciPy's LSODA finds for the same model, regimen and 70 kg
    from ketasim.engine.solve import solve
    from ketasim.simulate import schedule_for

    # columns in the space's order and sampling coordinates: cl (bounds 30-300 L/h, log) and
    # ke0 (bounds 0.06-1 /min, log), then v1 and ka_oral (given ranges under 10-fold, linear)
    one = evaluate(np.array([[np.log(95.0), np.log(0.114), 110.0, 0.97]]))
    sched = schedule_for(model, regimen, 70.0, 180.0)
    ts = np.arange(0.0, 181.0)
    ys = solve(model, model.param_vector, sched, ts, solver="scipy")
    _, observe, _ = model.functions("numpy")
    j = model.observable_names.index("plasma_s_ketamine")
    peak = observe(ts, ys, model.param_vector)[:, j].max() / model.observables[j].factor
    assert one[0, 0] == pytest.approx(peak, rel=1e-5)


# ---------------------------------------------------------------------------------------------
# the command


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ketasim.cli", "sensitivity", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


@pytest.mark.parametrize("args, words", [
    (["--method", "fast"], ["--method", "unknown method 'fast'"]),
    (["--samples", "0"], ["--samples", "at least 1"]),
    (["--out", "taken"], ["--out", "not a folder"]),
    (["--output", "bdnf:peak"], ["--output", "unknown statistic 'peak'"]),
    (["--parameter", "ketamine_s.cl=30"], ["--parameter", "NAME=LO:HI"]),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, args, words):
    from typer.testing import CliRunner

    from ketasim.cli import app

    (tmp_path / "taken").write_text("precious")
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["sensitivity", *args])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    assert all(w in lines[0] for w in words), lines[0]
    assert (tmp_path / "taken").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.mark.slow
def test_the_command_writes_indices_and_figures(tmp_path):
    r = cli("--output", "plasma_ketamine:max", "--output", "madrs:relief@24 h", "--samples", "4",
            "--out", "s", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc == json.loads((tmp_path / "s" / "sensitivity.json").read_text())
    k = len(doc["parameters"])
    assert doc["evaluations"] == 4 * (k + 1) and doc["duration_min"] == 2 * 1440.0
    top = [i["parameter"] for i in doc["indices"]["plasma_ketamine:max"][:2]]
    assert sorted(top) == ["ketamine_r.cl", "ketamine_s.cl"]
    assert doc["indices"]["plasma_ketamine:max"][0]["mu"] < 0
    assert len(doc["figures"]) == 2 and all((tmp_path / "s").joinpath(f.split("/")[-1]).stat().st_size > 5000
                                            for f in doc["figures"])
