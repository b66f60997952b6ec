"""`ketasim fit`: recovery of known parameters from noisy synthetic data, gradients, bounds,
parameter files, and fitted values reaching `run_experiment`, trials and `ketasim run`.

The synthetic experiments dose midazolam IV (a one-compartment model, `pk_midazolam`),
whose plasma course has a closed form, so the data and the model path can both be
checked against it.
"""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from ketasim.analysis.fit import fit, fit_problem, loss_and_grad, start_point
from ketasim.analysis.fit_parameters import FitParameter, from_unconstrained, parse_bounds, to_unconstrained
from ketasim.analysis.fit_problem import SUPPORTED, MeasurePlan
from ketasim.analysis.parameter_file import (FitProvenance, ParameterFile, check_against, load_parameter_file,
                                             save_parameter_file)
from ketasim.errors import InputError
from ketasim.experiments.loader import parse_experiment
from ketasim.measures import measure_call

CL_TRUE, V_TRUE = 19.4, 50.0          # L/h and L: pk_midazolam's declared cl_70 and v_70 (70 kg)
DOSE_MG, INFUSION_MIN = 5.0, 10.0
TIMES = (15.0, 30.0, 60.0, 120.0, 240.0, 480.0)   # min
NOISE = 0.03                          # relative SD of the synthetic measurement error
CL, V = "pk_midazolam.cl_70", "pk_midazolam.v_70"


def one_compartment(t, cl_l_per_h, v_l):
    """Plasma ng/mL after DOSE_MG infused over INFUSION_MIN into one compartment (closed form)."""
    t = np.asarray(t, dtype=float)
    k = cl_l_per_h / 60.0 / v_l
    rate = DOSE_MG / INFUSION_MIN
    plateau = rate / (k * v_l) * 1000.0
    end = plateau * (1 - np.exp(-k * INFUSION_MIN))
    return np.where(t <= INFUSION_MIN, plateau * (1 - np.exp(-k * t)), end * np.exp(-k * (t - INFUSION_MIN)))


def synthetic(values, rel_tol=NOISE, exp_id="synthetic-midazolam"):
    """An experiment whose measures are plasma midazolam at TIMES with these expected values."""
    return parse_experiment({
        "id": exp_id, "title": "synthetic", "source": "test", "tags": ["pk"],
        "protocol": {"duration": "9 h", "patient": {"weight": "70 kg"},
                     "doses": [{"drug": "midazolam", "route": "iv", "dose": f"{DOSE_MG} mg",
                                "duration": f"{INFUSION_MIN} min"}]},
        "measure": [{"observable": "plasma_midazolam", "statistic": "value_at", "at": f"{t} min", "unit": "ng/mL",
                     "expected": float(v), "rel_tol": rel_tol} for t, v in zip(TIMES, values)]})


def standard_errors(cl, v):
    """SE of log CL and log V from TIMES at NOISE relative error (Fisher information of the design)."""
    h = 1e-6
    base = np.log(one_compartment(TIMES, cl, v))
    jac = np.stack([(np.log(one_compartment(TIMES, cl * math.exp(h), v)) - base) / h,
                    (np.log(one_compartment(TIMES, cl, v * math.exp(h))) - base) / h], axis=1)
    return np.sqrt(np.diag(NOISE ** 2 * np.linalg.inv(jac.T @ jac)))


@pytest.fixture(scope="module")
def noisy_problem():
    rng = np.random.default_rng(20240611)
    data = one_compartment(TIMES, CL_TRUE, V_TRUE) * (1 + NOISE * rng.standard_normal(len(TIMES)))
    # start 1.8x off in opposite directions
    return fit_problem([synthetic(data)], [CL, V], initial={CL: CL_TRUE * 1.8, V: V_TRUE / 1.8})


def test_fit_recovers_clearance_and_volume_from_noisy_data(noisy_problem):
    r = fit(noisy_problem)
    # the differentiable path (submodel, diffrax, traceable value_at) reproduces the closed form
    before = np.array([m.before for m in r.measures])
    assert before == pytest.approx(one_compartment(TIMES, CL_TRUE * 1.8, V_TRUE / 1.8), rel=1e-6)
    # Tolerance: with 6 samples at 3% error the least-squares SE of log CL is 1.2% and of
    # log V 1.7% (standard_errors); the estimates must lie within 3 SE of the truth.
    se = standard_errors(CL_TRUE, V_TRUE)
    assert abs(math.log(r.values[CL] / CL_TRUE)) < 3 * se[0]
    assert abs(math.log(r.values[V] / V_TRUE)) < 3 * se[1]
    assert r.converged and r.iterations < 100
    # residuals are in units of the noise SD: the loss is chi^2/n, ~ (6-2)/6 in expectation;
    # 3 is chi^2_4 = 18, exceeded with probability 0.1%
    assert r.loss_initial > 100 and r.loss_final < 3.0


def test_bounds_hold_and_an_optimum_outside_them_ends_on_the_bound():
    exact = one_compartment(TIMES, CL_TRUE, V_TRUE)
    problem = fit_problem([synthetic(exact)], [CL, V], bounds={CL: (25.0, 60.0)}, initial={CL: 40.0, V: 30.0})
    r = fit(problem)
    assert 25.0 <= r.values[CL] < 25.0 * (1 + 1e-3) and r.at_bound(CL)
    assert not r.at_bound(V) and r.loss_final < r.loss_initial
    fp = FitParameter("p", ("m.p",), "1", 1.0, 0.5, 2.0)
    assert [from_unconstrained(fp, x) for x in (-60.0, 60.0)] == [pytest.approx(0.5), pytest.approx(2.0)]
    assert from_unconstrained(fp, to_unconstrained(fp, 1.3)) == pytest.approx(1.3, rel=1e-12)
    lin = FitParameter("q", ("m.q",), "1", 0.0, -1.0, 3.0)   # bounds through zero: logistic, not log
    assert from_unconstrained(lin, to_unconstrained(lin, 0.0)) == pytest.approx(0.0, abs=1e-12)


def test_loss_gradient_matches_central_differences(noisy_problem):
    vg = loss_and_grad(noisy_problem)
    x = start_point(noisy_problem) + np.array([0.3, -0.2])
    _, grad = vg(x)
    h = 1e-5
    for k in range(len(x)):
        e = np.zeros_like(x)
        e[k] = h
        fd = (float(vg(x + e)[0]) - float(vg(x - e)[0])) / (2 * h)
        assert float(grad[k]) == pytest.approx(fd, rel=1e-3)


@pytest.mark.parametrize("statistic, extra", [
    ("value_at", {"at": "37.5 min"}), ("max", {"window": ["20 min", "90 min"]}), ("mean", {}),
    ("auc", {"window": ["10 min", "100 min"]}), ("ratio_to_baseline", {"at": "50 min", "baseline_at": "5 min"}),
    ("change_from_baseline", {"at": "50 min", "baseline_at": "5 min"}),
])
def test_traceable_statistics_equal_the_runner_statistics(statistic, extra):
    from ketasim.experiments.schema import Measure

    t = np.arange(0.0, 121.0)
    y = 5 + np.sin(t / 9.0) ** 2 * 40 + t / 7
    unit = {"auc": "ng/mL*h", "ratio_to_baseline": "%"}.get(statistic, "ug/L")
    m = Measure(observable="x", statistic=statistic, unit=unit, expected=1.0, rel_tol=0.1, **extra)
    canonical = 1e-3   # canonical magnitude per ng/mL (mg/L)
    plan = MeasurePlan(0, canonical, measure_call(m, t, "ng/mL", "measure[0]"))
    assert float(plan.value(t, (y * canonical)[:, None])) == pytest.approx(
        measure_call(m, t, "ng/mL", "m").value(t, y), rel=1e-12)
    assert statistic in SUPPORTED


def test_unsupported_experiments_measures_and_parameters_are_refused():
    from ketasim.experiments.loader import library

    lib = {e.id: e for e in library()}
    with pytest.raises(InputError, match=r"measure\[1\]\.statistic: 'time_of_max'"):
        fit_problem([lib["pk-end-of-infusion-cmax"]], ["ketamine_?.cl"])
    in_vitro = next(e for e in lib.values() if e.protocol.in_vitro is not None)
    with pytest.raises(InputError, match="in-vitro"):
        fit_problem([in_vitro], ["nmda.koff_apparent"])
    exp = synthetic(np.ones(len(TIMES)))
    with pytest.raises(InputError, match="--parameter: unknown parameter 'pk_midazolam.nope'"):
        fit_problem([exp], ["pk_midazolam.nope"])
    with pytest.raises(InputError, match="does not influence"):
        fit_problem([exp], [CL, "ketamine_s.cl"])
    with pytest.raises(InputError, match="--bounds: expected NAME=LO:HI"):
        parse_bounds(["pk_midazolam.cl_70=1"])


def _provenance():
    return FitProvenance(experiments=("pk-kamp-clearance",), loss_initial=3.78, loss_final=0.01,
                         date="2025-01-02T03:04:05+00:00", ketasim_version="0.1.0", method="levenberg_marquardt",
                         iterations=9, bounds={"ketamine_s.cl": (30.0, 300.0)}, measures=("pk-kamp-clearance: auc",))


def test_parameter_file_round_trip_and_malformed_files(tmp_path):
    pf = ParameterFile({"ketamine_s.cl": 61.51940075461646, 'weird."name.x': 1e-7}, _provenance())
    path = tmp_path / "fitted.toml"
    save_parameter_file(pf, path)
    back = load_parameter_file(path)
    assert dict(back.values) == dict(pf.values) and back.provenance == pf.provenance
    assert back.calibration_experiments == {"pk-kamp-clearance"}
    assert json.loads(back.to_attr(path))["values"]["ketamine_s.cl"] == 61.51940075461646
    with pytest.raises(InputError, match=r"--parameters: values\.weird"):
        check_against(back, ["ketamine_s.cl"])
    cases = [
        ('[values]\n"ketamine_s.cl" = "fast"\n', r"values\.ketamine_s\.cl: must be a finite number"),
        ('[values]\n"ketamine_s.cl" = nan\n', r"values\.ketamine_s\.cl: must be a finite number"),
        ('[values]\n"ketamine_s.cl" = 60.0\n[extra]\na = 1\n', r"extra: unknown key"),
        ('[values]\n"cl" = 60.0\n', r"values\.cl: not a qualified name"),
        ('[values]\n"ketamine_s.cl" = 60.0\n[provenance]\nexperiments = []\n',
         r"provenance\.loss_initial: required key missing"),
        ('[values\n', r"not valid TOML"),
    ]
    for text, words in cases:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(InputError, match=r"^--parameters: .*bad\.toml: .*" + words):
            load_parameter_file(bad)


def test_run_experiment_uses_overrides_and_ignores_names_the_model_lacks():
    from ketasim.experiments.run import run_experiment

    exp = parse_experiment({
        "id": "m", "title": "m", "source": "test", "tags": ["pk"],
        "protocol": {"duration": "24 h", "patient": {"weight": "70 kg"}, "parameters": {V: 40.0},
                     "doses": [{"drug": "midazolam", "route": "iv", "dose": "5 mg", "duration": "10 min"}]},
        "measure": [{"observable": "plasma_midazolam", "statistic": "auc", "unit": "ng/mL*h", "expected": 258,
                     "rel_tol": 0.1},
                    {"observable": "plasma_midazolam", "statistic": "max", "unit": "ng/mL", "expected": 90,
                     "rel_tol": 0.5}]})
    base = run_experiment(exp, solver="scipy", keep_series=False)
    doubled = run_experiment(exp, solver="scipy", keep_series=False,
                             parameters={CL: 2 * CL_TRUE, "pk_naltrexone.cl_70": 1.0, V: 25.0})
    # AUC(0-inf) = D / CL (24 h is 13 half-lives): 5 mg / 19.4 L/h = 257.7 ng/mL*h, halved by 2 x CL
    assert base.measures[0].simulated == pytest.approx(1000 * DOSE_MG / CL_TRUE, rel=1e-3)
    assert doubled.measures[0].simulated == pytest.approx(1000 * DOSE_MG / (2 * CL_TRUE), rel=1e-3)
    # the override of V (25 L) wins over protocol.parameters (40 L): peak after 10 min infusion
    assert base.measures[1].simulated == pytest.approx(float(one_compartment(10.0, CL_TRUE, 40.0)), rel=1e-3)
    assert doubled.measures[1].simulated == pytest.approx(float(one_compartment(10.0, 2 * CL_TRUE, 25.0)), rel=1e-3)


def test_in_vitro_overrides_keep_only_receptor_and_offtarget_names():
    from ketasim.experiments.in_vitro import known_overrides

    kept = known_overrides({"nmda.koff_apparent": 0.5, "offtargets.ki_mor_s_ketamine": 9.0, "ketamine_s.cl": 60.0,
                            "nmda.no_such": 1.0}, {})
    from ketasim.mechanisms.offtargets import offtarget_module

    names = {q.name for q in offtarget_module().parameters}
    assert ("nmda.koff_apparent" in kept) and "ketamine_s.cl" not in kept and "nmda.no_such" not in kept
    assert ("offtargets.ki_mor_s_ketamine" in kept) == ("ki_mor_s_ketamine" in names)


def test_trial_spec_merges_overrides_and_the_engine_passes_them_to_chunks(tmp_path):
    from ketasim.trial.engine import run_trial
    from ketasim.trial.spec import TrialSpecError, trial_spec

    def trial(parameters):
        return parse_experiment({
            "id": "t", "title": "t", "source": "test", "tags": ["clinical"],
            "protocol": {"duration": "2 d", "population": {"n": 3, "seed": 1, "cohort": "trd"},
                         "parameters": parameters,
                         "arms": {"placebo": {"doses": [{"drug": "saline", "route": "iv", "dose": "0 mg",
                                                         "duration": "40 min"}]},
                                  "ketamine": {"doses": [{"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg",
                                                          "duration": "40 min"}]}}},
            "measure": [{"arm": "ketamine", "endpoint": "response_rate", "range": [0, 1]}]})

    spec = trial_spec(trial({"ketamine_s.cl": 60.0}), parameters={"ketamine_s.cl": 120.0, CL: 3.0})
    assert spec.parameters == (("ketamine_s.cl", 120.0),)   # override wins; a name the model lacks is left out
    assert trial_spec(trial({"ketamine_s.cl": 60.0})).parameters == (("ketamine_s.cl", 60.0),)
    assert spec.digest != trial_spec(trial({})).digest
    with pytest.raises(TrialSpecError, match=r"protocol\.parameters\.ketamine_s\.nope"):
        trial_spec(trial({"ketamine_s.nope": 1.0}))
    seen = []

    def record(arm, cohort, start, n, seed, visits, species="human", batch=None, parameters=None):
        from test_trial_store import fake_simulate

        seen.append(parameters)
        return fake_simulate(arm, cohort, start, n, seed, visits, species, batch)

    run_trial(spec, tmp_path, scheduler="sync", progress=False, simulate=record)
    assert seen and all(p == {"ketamine_s.cl": 120.0} for p in seen)


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ketasim.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.mark.parametrize("args, words", [
    (["--parameter", "ketamine_s.nope", "--experiment", "pk-kamp-clearance"], ["--parameter", "ketamine_s.nope"]),
    (["--parameter", "ketamine_s.cl", "--experiment", "pk-no-such"], ["--experiment", "pk-no-such"]),
    (["--parameter", "ketamine_s.cl", "--experiment", "pk-kamp-clearance", "--bounds", "ketamine_s.cl=30"],
     ["--bounds", "NAME=LO:HI"]),
    (["--parameter", "ketamine_s.cl", "--experiment", "pk-end-of-infusion-cmax"], ["time_of_max"]),
])
def test_fit_command_bad_input_is_one_line_exit_2(tmp_path, args, words):
    from typer.testing import CliRunner

    from ketasim.cli import app

    out = tmp_path / "fitted.toml"
    out.write_text("precious")
    r = CliRunner().invoke(app, ["fit", *args, "--out", str(out)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.output and all(w in lines[0] for w in words), r.stderr
    assert out.read_text() == "precious"


@pytest.mark.slow
def test_fit_command_writes_a_file_that_run_uses(tmp_path):
    exp = tmp_path / "syn.toml"
    data = one_compartment(TIMES, CL_TRUE, V_TRUE)
    lines = ['id = "syn"', 'title = "syn"', 'source = "test"', 'tags = ["pk"]', "[protocol]", 'duration = "9 h"',
             'patient = { weight = "70 kg" }', "[[protocol.doses]]", 'drug = "midazolam"', 'route = "iv"',
             'dose = "5 mg"', 'duration = "10 min"']
    for t, v in zip(TIMES, data):
        lines += ["[[measure]]", 'observable = "plasma_midazolam"', 'statistic = "value_at"', f'at = "{t} min"',
                  'unit = "ng/mL"', f"expected = {v}", "rel_tol = 0.03"]
    exp.write_text("\n".join(lines) + "\n")
    r = _cli("fit", "--parameter", CL, "--experiment", str(exp), "--bounds", f"{CL}=5:80", "--json",
             "--out", "fitted.toml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["parameters"][0]["fitted"] == pytest.approx(CL_TRUE, rel=1e-3)
    pf = load_parameter_file(tmp_path / "fitted.toml")
    assert pf.provenance.experiments == ("syn",) and pf.provenance.bounds[CL] == (5.0, 80.0)
    # run with a doubled clearance from a parameter file: the provenance attrs show the value
    from dataclasses import replace

    prov = replace(pf.provenance, bounds={"ketamine_s.cl": (30.0, 300.0)})
    save_parameter_file(ParameterFile({"ketamine_s.cl": 190.0}, prov), tmp_path / "double.toml")   # 2 x 95 L/h
    r = _cli("run", "--json", "--duration", "3 h", "--parameters", "double.toml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    import xarray as xr

    with xr.open_dataset(tmp_path / "results.nc", engine="h5netcdf") as ds:
        params = json.loads(ds.attrs["parameters"])
        assert params["ketamine_s.cl"][0] == 190.0 and params["ketamine_r.cl"][0] == pytest.approx(79.17)
        assert json.loads(ds.attrs["parameter_file"])["provenance"]["experiments"] == ["syn"]
    bad = tmp_path / "bad.toml"
    save_parameter_file(ParameterFile({"pk_midazolam.cl_70": 3.0}), bad)
    r = _cli("run", "--parameters", "bad.toml", cwd=tmp_path)
    assert r.returncode == 2 and "values.pk_midazolam.cl_70" in r.stderr
