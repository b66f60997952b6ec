"""Issue 18, part 2: every bad-input path is one InputError line naming the field, output
paths are checked before any work and written as a group, and a numerical failure names
the module, state and time that first went wrong, without warnings.

Each case below was a traceback, a wrong message or a half-written pair before.
"""

import tomllib
import warnings
from pathlib import Path

import numpy as np
import pytest

from ketasim.engine.dosing import DoseEvent
from ketasim.engine.solve import SolverError, solve
from ketasim.errors import InputError
from ketasim.experiments import runner
from ketasim.experiments.loader import parse_experiment
from ketasim.experiments.run import run_experiment
from ketasim.files import atomic_group, check_output, read_toml
from ketasim.parameters import ParameterError
from ketasim.patient import Patient, weight_bounds
from ketasim.engine.output_grid import base_grid
from ketasim.simulate import model_for, schedule_for
from cli_helpers import run_cli

LIBRARY = Path(__file__).parents[1] / "src" / "ketasim" / "experiments" / "library"
SENTINEL = "sentinel: must survive\n"
REGIMEN = (DoseEvent("ketamine", "iv", 0.5, True, 0.0, 40.0),)


def sentinels(tmp_path, *names):
    paths = [tmp_path / n for n in names]
    for p in paths:
        p.write_text(SENTINEL)
    return paths


def experiment(name: str, **protocol) -> dict:
    """A library experiment's document with `protocol` keys replaced."""
    data = tomllib.loads((LIBRARY / name).read_text(encoding="utf-8"))
    data["protocol"].update(protocol)
    return data


# ------------------------------------------------------------------------------ parameters
def test_parameter_set_refuses_unknown_names_and_out_of_bounds_values_naming_the_key():
    pset = model_for(REGIMEN, "human", {}).parameters
    with pytest.raises(ParameterError, match=r"^protocol\.parameters\.ketamine_s\.nope: the model has no such"):
        pset.with_mapping({"ketamine_s.nope": 1.0}, "protocol.parameters")
    cl = pset["ketamine_s.cl"]
    assert cl.lower is not None and cl.lower > 0  # so 0.0 is outside
    with pytest.raises(ParameterError, match=r"^parameters\.ketamine_s\.cl: 0 .* outside the parameter's bounds"):
        pset.with_mapping({"ketamine_s.cl": 0.0})
    with pytest.raises(ParameterError, match="finite"):
        pset.with_mapping({"ketamine_s.cl": float("nan")})
    inside = 0.5 * (cl.lower + cl.upper)
    assert pset.with_mapping({"ketamine_s.cl": inside})["ketamine_s.cl"].value == inside


@pytest.mark.parametrize("values, words", [
    ({"ketamine_s.nope": 1.0}, "protocol.parameters.ketamine_s.nope: the model has no such parameter"),
    ({"ketamine_s.cl": 0.0}, "protocol.parameters.ketamine_s.cl: 0 "),
])
def test_protocol_parameters_are_checked_before_the_solve(monkeypatch, values, words):
    monkeypatch.setattr(runner, "_simulate", lambda *a, **k: pytest.fail("solved before checking"))
    exp = parse_experiment(experiment("pk_oral_bioavailability.toml", parameters=values))
    with pytest.raises(InputError) as info:
        run_experiment(exp)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_parameter_file_out_of_bounds_is_one_line_before_the_run(tmp_path, capsys):
    pf = tmp_path / "p.toml"
    pf.write_text('[values]\n"ketamine_s.cl" = 0.0\n')
    out, report = sentinels(tmp_path, "r.nc", "r.html")
    code, err = run_cli(capsys, "run", "--duration", "1 h", "--parameters", str(pf), "--out", str(out),
                        "--report", str(report))
    assert code == 2 and len(err) == 1 and "--parameters: values.ketamine_s.cl" in err[0]
    assert out.read_text() == SENTINEL and report.read_text() == SENTINEL


# ------------------------------------------------------------------------------ patient weight
@pytest.mark.parametrize("species, kg", [("mouse", 70.0), ("rat", 70.0), ("human", 0.025), ("human", 400.0)])
def test_weight_is_bounded_per_species(species, kg):
    lo, hi = weight_bounds(species)
    assert not lo <= kg <= hi
    with pytest.raises(InputError, match=rf"^patient\.weight: a {species} weighs"):
        Patient(species=species, weight_kg=kg)
    Patient(species=species, weight_kg=0.5 * (lo + hi))  # inside: accepted


def test_weight_bounds_are_the_species_parameter_bounds():
    assert weight_bounds("human") == (30.0, 200.0)
    lo, hi = weight_bounds("mouse")
    assert lo == pytest.approx(0.015) and hi == pytest.approx(0.045)


def test_cli_refuses_a_70_kg_mouse(tmp_path, capsys):
    out, report = sentinels(tmp_path, "r.nc", "r.html")
    code, err = run_cli(capsys, "run", "--species", "mouse", "--route", "ip", "--dose", "10 mg/kg",
                        "--weight", "70 kg", "--out", str(out), "--report", str(report))
    assert code == 2 and len(err) == 1 and err[0].startswith("error: --weight: a mouse weighs")
    assert out.read_text() == SENTINEL and report.read_text() == SENTINEL


# ------------------------------------------------------------------------------ non-UTF-8 files
def test_read_toml_refuses_non_utf8_in_one_line(tmp_path):
    f = tmp_path / "latin1.toml"
    f.write_bytes('id = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InputError, match=r"^where: not a UTF-8 text file \(byte 0xe9 at offset 9\)$"):
        read_toml(f, "where")


@pytest.mark.parametrize("args", [["experiment", "run", "{f}"], ["trial", "{f}", "--out", "{d}"],
                                  ["run", "--parameters", "{f}", "--out", "{d}/r.nc", "--report", "{d}/r.html"]])
def test_non_utf8_files_are_one_line_exit_2(tmp_path, capsys, args):
    f = tmp_path / "bad.toml"
    f.write_bytes(b'[values]\n"ketamine_s.cl" = 60.0 # \xff\xfe\n')
    code, err = run_cli(capsys, *[a.format(f=f, d=tmp_path / "o") for a in args])
    assert code == 2 and len(err) == 1 and str(f) in err[0] and "not a UTF-8 text file" in err[0]


# ------------------------------------------------------------------------------ output paths
def test_check_output_refuses_folders_and_paths_below_files(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError, match=r"^--out: .* is a folder"):
        check_output(tmp_path, "--out")
    with pytest.raises(InputError, match=r"^--out: cannot write .*afile.* is a file, not a folder"):
        check_output(tmp_path / "afile" / "x.nc", "--out")
    with pytest.raises(InputError, match=r"is a file, not a folder"):
        check_output(tmp_path / "afile" / "sub" / "x.nc", "--out")
    assert check_output(tmp_path / "new" / "deeper" / "x.nc", "--out") == tmp_path / "new" / "deeper" / "x.nc"
    assert not (tmp_path / "new").exists()  # nothing is created by the check


@pytest.mark.parametrize("bad, flag", [("dir", "--out"), ("afile/x.nc", "--out"), ("dir", "--report")])
def test_run_checks_its_outputs_before_any_work(tmp_path, capsys, bad, flag):
    (tmp_path / "dir").mkdir()
    (tmp_path / "afile").write_text(SENTINEL)
    out, report = sentinels(tmp_path, "r.nc", "r.html")
    paths = {"--out": str(out), "--report": str(report), flag: str(tmp_path / bad)}
    code, err = run_cli(capsys, "run", "--duration", "1 h", "--out", paths["--out"], "--report", paths["--report"])
    assert code == 2 and len(err) == 1 and err[0].startswith(f"error: {flag}: ")
    assert out.read_text() == SENTINEL and report.read_text() == SENTINEL
    assert (tmp_path / "afile").read_text() == SENTINEL


def test_trial_and_export_check_their_outputs_before_any_work(tmp_path, capsys):
    (tmp_path / "afile").write_text(SENTINEL)
    code, err = run_cli(capsys, "export", "sbml", "--out", str(tmp_path / "afile" / "m.xml"))
    assert code == 2 and len(err) == 1 and err[0].startswith("error: --out: ")
    trial_out = tmp_path / "t"
    (trial_out / "summary.json").mkdir(parents=True)
    code, err = run_cli(capsys, "trial", str(LIBRARY / "pk_oral_bioavailability.toml"), "--out", str(trial_out))
    assert code == 2 and len(err) == 1 and "summary.json" in err[0] and "is a folder" in err[0]


def test_a_group_is_written_whole_or_not_at_all(tmp_path):
    a, b = sentinels(tmp_path, "a.nc", "b.html")

    def broken(p):
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_group({a: lambda p: p.write_text("new a"), b: broken})
    assert a.read_text() == SENTINEL and b.read_text() == SENTINEL
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.nc", "b.html"]  # no temporaries left
    atomic_group({a: lambda p: p.write_text("new a"), b: lambda p: p.write_text("new b")})
    assert (a.read_text(), b.read_text()) == ("new a", "new b")


# ------------------------------------------------------------------------------ in-vitro protocols
IN_VITRO = "receptor_kotermanski_glun2a_mg.toml"


def in_vitro(measure: dict | None = None, **protocol) -> dict:
    data = experiment(IN_VITRO, **protocol)
    if measure is not None:
        data["measure"] = [{**data["measure"][0], **measure}]
    return data


@pytest.mark.parametrize("doc, words", [
    (in_vitro({"statistic": "mean"}), "measure[0].statistic: 'mean' is not an in-vitro statistic"),
    (in_vitro({"statistic": "value_at", "unit": "1"}), "value_at needs 'at'"),
    (in_vitro({"statistic": "relaxation_rate", "unit": "1/s"}), "relaxation_rate needs"),
    (in_vitro({"observable": "plasma_ketamine"}), "measure[0].observable: 'plasma_ketamine' is not an in-vitro"),
    (in_vitro(hypotheses={"ketamine_d2": "kinetic"}), "hypotheses.ketamine_d2: unknown value 'kinetic'"),
])
def test_in_vitro_protocols_are_validated(doc, words):
    with pytest.raises(InputError) as info:
        run_experiment(parse_experiment(doc))
    assert words in str(info.value) and "\n" not in str(info.value)


# ------------------------------------------------------------------------------ in-vivo measures, before the solve
def test_a_zero_test_dose_in_a_bioavailability_measure_is_refused(monkeypatch):
    monkeypatch.setattr(runner, "_simulate", lambda *a, **k: pytest.fail("solved before checking"))
    data = experiment("pk_oral_bioavailability.toml")
    data["protocol"]["doses"][0]["dose"] = "0 mg"
    with pytest.raises(InputError, match=r"^protocol\.doses: the total dose is zero; measure\[0\] \(bioavailability\)"):
        run_experiment(parse_experiment(data))
    data = experiment("pk_oral_bioavailability.toml")
    data["protocol"]["reference_doses"][0]["dose"] = "0 mg"
    with pytest.raises(InputError, match=r"^protocol\.reference_doses: the total dose is zero"):
        run_experiment(parse_experiment(data))


@pytest.mark.parametrize("key", ["observable", "versus"])
def test_an_unknown_observable_is_refused_before_the_solve(monkeypatch, key):
    monkeypatch.setattr(runner, "_simulate", lambda *a, **k: pytest.fail("solved before checking"))
    data = experiment("pk_oral_bioavailability.toml")
    data["measure"][0][key] = "plasma_nothing"
    with pytest.raises(InputError, match=rf"^measure\[0\]\.{key}: unknown observable 'plasma_nothing'"):
        run_experiment(parse_experiment(data))


# ------------------------------------------------------------------------------ numerical failures
@pytest.mark.parametrize("solver", ["tsit5", "scipy"])
def test_a_blow_up_names_its_module_state_and_a_time_in_the_run_without_warnings(solver, capfd):
    """A negative clearance (outside its bounds, set in the parameter vector directly) giving
    an elimination rate cl/V1 of -5 /min (-33000 L/h with V1 110 L, at 70 kg) makes the
    central amount of S-ketamine grow as exp(+5 t) until it overflows, within minutes."""
    model = model_for(REGIMEN, "human", {})
    p = np.array(model.param_vector_of(model.parameters.with_mapping(Patient().overrides())), dtype=float)
    _negative_elimination(model, p)
    duration = 180.0
    ts = base_grid(duration)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        with pytest.raises(SolverError) as info:
            solve(model, p, schedule_for(model, REGIMEN, 70.0, duration), ts, solver=solver)
    msg = str(info.value)
    assert "\n" not in msg and "state ketamine_s.A_central (module ketamine_s)" in msg
    assert "growing by itself" in msg
    times = [float(w) for w in msg.replace(",", " ").replace(";", " ").split() if _number(w)]
    assert times and all(0.0 <= t <= duration for t in times[:2])
    if solver == "scipy":
        assert "SciPy LSODA solver failed in the segment starting at t = 0 min" in msg
    captured = capfd.readouterr()
    assert "Warning" not in captured.err and "Warning" not in captured.out


def _negative_elimination(model, p: np.ndarray, rate: float = -5.0) -> None:
    """Set ketamine_s.cl in the (canonical) parameter vector `p` (last axis) so that the
    elimination rate constant k_el = cl * scale_cl / V1 is `rate` per min at 70 kg (scales 1):
    cl in L/min (its canonical unit) = rate x V1 in L."""
    p[..., model.param_index["ketamine_s.cl"]] = rate * p[..., model.param_index["ketamine_s.v1"]]


def _number(word: str) -> bool:
    try:
        float(word)
        return True
    except ValueError:
        return False


TRIAL = """
id = "t"
title = "t"
source = "test"
tags = ["clinical"]

[protocol]
duration = "7 d"
parameters = { "ketamine_s.cl" = 0.0 }

[protocol.population]
n = 4
seed = 1
cohort = "trd"

[protocol.arms.ketamine]
doses = [{ drug = "ketamine", route = "iv", dose = "0.5 mg/kg", duration = "40 min" }]

[[measure]]
arm = "ketamine"
endpoint = "response_rate"
at = "1 d"
range = [0.0, 1.0]
"""


def test_a_trial_refuses_out_of_bounds_parameters_before_any_patient(tmp_path, capsys):
    f = tmp_path / "trial.toml"
    f.write_text(TRIAL)
    code, err = run_cli(capsys, "trial", str(f), "--out", str(tmp_path / "out"), "--workers", "0")
    assert code == 2 and len(err) == 1 and "protocol.parameters.ketamine_s.cl: 0 " in err[0]
    assert not (tmp_path / "out" / "trial.zarr").exists()
    pf = tmp_path / "p.toml"
    pf.write_text('[values]\n"ketamine_s.cl" = 0.0\n')
    f.write_text(TRIAL.replace('parameters = { "ketamine_s.cl" = 0.0 }\n', ""))
    code, err = run_cli(capsys, "trial", str(f), "--out", str(tmp_path / "out"), "--workers", "0",
                        "--parameters", str(pf))
    assert code == 2 and len(err) == 1 and "--parameters: values.ketamine_s.cl: 0 " in err[0]
    assert not (tmp_path / "out" / "trial.zarr").exists()


@pytest.mark.parametrize("args", [
    ["fit", "--out", "{f}/x.toml"], ["sensitivity", "--out", "{f}"], ["hypotheses", "--json", "{f}/x.json"],
    ["receptor", "--out", "{f}/sub"], ["circuit", "--out", "{f}"], ["validate", "--html", "{f}/x.html"],
])
def test_every_command_checks_its_output_path_first(tmp_path, capsys, args):
    afile = tmp_path / "afile"
    afile.write_text(SENTINEL)
    code, err = run_cli(capsys, *[a.format(f=afile) for a in args])
    assert code == 2 and len(err) == 1 and "afile is a file, not a folder" in err[0]
    assert afile.read_text() == SENTINEL


def _blown_up_batch(duration: float):
    """Two subjects, the second with an elimination rate cl/V1 of -5 /min (a negative clearance:
    its central S-ketamine grows as exp(+5 t))."""
    from ketasim.population import weight_scaled_schedule

    model = model_for(REGIMEN, "human", {})
    p = np.array(model.param_vector_of(model.parameters.with_mapping(Patient().overrides())), dtype=float)
    p = np.stack([p, p])
    _negative_elimination(model, p[1])
    return model, p, weight_scaled_schedule(model, REGIMEN, np.array([70.0, 70.0]), duration)


def test_a_batch_names_the_subject_module_state_and_time(capfd):
    model, p, schedule = _blown_up_batch(60.0)
    ts = base_grid(60.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SolverError) as info:
            solve(model, p, schedule, ts, solver="scipy")
    msg = str(info.value)
    assert msg.startswith("numerical failure: subject 1 of the batch: the SciPy LSODA solver failed")
    assert "state ketamine_s.A_central (module ketamine_s)" in msg and "\n" not in msg
    assert "Warning" not in capfd.readouterr().err


def test_diagnose_finds_the_first_subject_and_time_that_went_non_finite():
    """What diffrax leaves after an early stop: every state inf from the stop on (subject 1,
    from the 8th output time); the last finite state of the blown-up subject names the culprit."""
    from ketasim.engine.failure import diagnose
    from ketasim.engine.solve import solve as solve_states

    model, p, schedule = _blown_up_batch(10.0)
    ts = np.arange(0.0, 11.0)
    ys = np.stack([solve_states(model, p[0], schedule.subject(0), ts, solver="scipy")] * 2)
    good = solve_states(model, p[0], schedule.subject(0), ts, solver="scipy")
    ys[1, :7] = good[:7]
    ys[1, 6, [s.symbol for s in model.states].index("ketamine_s__A_central")] = 1e6  # growing
    ys[1, 7:] = np.inf
    msg = diagnose(model, p, schedule, ts, ys, "tsit5")
    assert msg.startswith("numerical failure: subject 1 of the batch: the tsit5 solver stopped between "
                          "t = 6 and 7 min")
    head = "state ketamine_s.A_central (module ketamine_s) is growing by itself (rate +"
    assert head in msg and msg.endswith(" per min)")
    rate = float(msg.split(head)[1].split()[0])
    assert 0 < rate < 5.0  # -k_el = +5 /min, less the other first-order outflows of the central compartment


@pytest.mark.parametrize("change, words", [
    (lambda d: d["protocol"].update(parameters={"nmda.mg_k0_glun2a": 0.0}),
     "protocol.parameters.nmda.mg_k0_glun2a: 0 mM is outside the parameter's bounds"),
    (lambda d: d["protocol"].update(parameters={"offtargets.nope": 1.0}),
     "protocol.parameters.offtargets.nope: not a parameter of the receptor scheme"),
    (lambda d: d["measure"][0].update(statistic="max", window=["1e6 uM", "2e6 uM"]),
     "measure[0].window: no concentration of the protocol lies in the window"),
])
def test_in_vitro_parameters_and_windows_are_one_line(change, words):
    """Were a ZeroDivisionError in the clamp and a ValueError from an empty maximum."""
    data = in_vitro()
    change(data)
    with pytest.raises(InputError) as info:
        run_experiment(parse_experiment(data))
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_library_style_trial_run_refuses_out_of_bounds_parameters_before_any_patient(monkeypatch):
    """`run_trial_experiment` (the path of `validate` and `experiment run`) checks bounds in the
    trial spec, like `ketasim trial`: one ParameterError naming the key, no patient solved."""
    import tomllib

    import ketasim.trial.engine as engine
    from ketasim.experiments.loader import parse_experiment
    from ketasim.parameters import ParameterError
    from ketasim.trial.score import run_trial_experiment

    def solved(*a, **k):
        raise AssertionError("a patient was solved before the parameters were checked")

    monkeypatch.setattr(engine, "run_trial", solved)
    exp = parse_experiment(tomllib.loads(TRIAL), "trial.toml")
    with pytest.raises(ParameterError, match=r"^protocol\.parameters\.ketamine_s\.cl: 0 "):
        run_trial_experiment(exp)
    fine = parse_experiment(tomllib.loads(TRIAL.replace('parameters = { "ketamine_s.cl" = 0.0 }\n', "")),
                            "trial.toml")
    with pytest.raises(ParameterError, match=r"^parameters\.ketamine_s\.cl: 0 "):
        run_trial_experiment(fine, parameters={"ketamine_s.cl": 0.0})


# ------------------------------------------------------------------------------ names: 'did you mean'
IN_VIVO = """
id = "t"
title = "t"
source = "test"
species = "human"
tags = ["pk"]
[protocol]
duration = "2 h"
[[protocol.doses]]
drug = "ketamine"
route = "iv"
dose = "0.5 mg/kg"
[[measure]]
observable = "plasma_ketamine"
statistic = "max"
unit = "ng/mL"
range = [100, 400]
"""


@pytest.mark.parametrize("old, new, line", [
    ('drug = "ketamine"', 'drug = "ketamin"',
     "protocol.doses[0].drug: unknown drug 'ketamin'; did you mean 'ketamine'?"),
    ('route = "iv"', 'route = "icv"', "protocol.doses[0].route: 'icv' is a rodent-only route (rat, mouse); "
                                      "for ketamine in a human choose one of iv, oral, intranasal, sublingual, im"),
    ('species = "human"', 'species = "humna"', "species: unknown value 'humna'; did you mean 'human'? "
                                               "(one of human, rat, mouse)"),
    ('statistic = "max"', 'statistic = "mx"', "measure[0].statistic: unknown value 'mx'; did you mean 'max'?"),
    ('observable = "plasma_ketamine"', 'observable = "plasma_ketamin"',
     "measure[0].observable: unknown observable 'plasma_ketamin' (the model has no such output); "
     "did you mean 'plasma_ketamine'?"),
    ("[protocol]", '[protocol]\nhypotheses = { opioid_gat = "none" }',
     "hypotheses.opioid_gat: unknown hypothesis; did you mean 'opioid_gate'?"),
])
def test_experiment_files_name_the_field_and_the_name_meant(tmp_path, capsys, old, new, line):
    f = tmp_path / "e.toml"
    assert old in IN_VIVO
    f.write_text(IN_VIVO.replace(old, new, 1))
    code, err = run_cli(capsys, "experiment", "run", str(f))
    assert code == 2 and len(err) == 1 and line in err[0], err


def test_a_trial_file_cohort_typo_names_the_cohort_meant(tmp_path, capsys):
    f = tmp_path / "trial.toml"
    f.write_text(TRIAL.replace('cohort = "trd"', 'cohort = "inpatients"'))
    code, err = run_cli(capsys, "trial", str(f), "--out", str(tmp_path / "out"), "--workers", "0")
    assert code == 2 and len(err) == 1
    assert "protocol.population.cohort: unknown cohort 'inpatients'; did you mean 'inpatient'?" in err[0]
    assert not (tmp_path / "out" / "trial.zarr").exists()


@pytest.mark.parametrize("args, line", [
    (["validate", "--id", "pk-oral-bioavailabilty"],
     "--id: no experiment 'pk-oral-bioavailabilty' in the library; did you mean 'pk-oral-bioavailability'?"),
    (["validate", "--tags", "pkk"], "--tags: unknown layer 'pkk'; did you mean 'pk'?"),
    (["hypotheses", "--switch", "opioid_gat"], "--switch: unknown hypothesis 'opioid_gat'; did you mean 'opioid_gate'?"),
    (["sensitivity", "--method", "sobl"], "--method: unknown method 'sobl'; did you mean 'sobol'?"),
    (["circuit", "--block", "uniformm"], "--block: unknown hypothesis value 'uniformm'; did you mean 'uniform'?"),
])
def test_command_options_name_the_value_meant(tmp_path, capsys, monkeypatch, args, line):
    monkeypatch.chdir(tmp_path)
    code, err = run_cli(capsys, *args)
    assert code == 2 and len(err) == 1 and line in err[0], err
    assert list(tmp_path.iterdir()) == []
