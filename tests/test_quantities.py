"""The one quantity parser (`ketasim.units`) and the work limits (`ketasim.limits`) at every entry point.

Issue 18's reproducers: each silent misread (a decimal comma, NaN/inf, percent or rad as a
dose) and each unbounded request is now one line naming the field, exit status 2, and
nothing overwritten; the schema refuses non-finite numbers and bad quantity strings at load.
"""

import math

import pytest

from ketasim.cli import main
from ketasim.dashboard.inputs import RegimenForm, TrialForm, build_request, build_trial
from ketasim.errors import InputError
from ketasim.experiments.loader import load_experiment, parse_experiment
from ketasim.experiments.plan import experiment_plan, one_dose_regimen, simulated_duration
from ketasim.limits import (MAX_ARMS, MAX_DOSE_EVENTS, MAX_DURATION_MIN, MAX_PATIENTS_PER_ARM, MAX_QUANTITY_CHARS,
                            MAX_REPEAT_COUNT, SHOWN_CHARS)
from ketasim.units import parse_dose, parse_quantity
from cli_helpers import run_cli


# ------------------------------------------------------------------------------ the parser
@pytest.mark.parametrize("text, expected", [
    ("0.5 mg/kg", (0.5, True)), ("56 mg", (56.0, False)), ("0.0125mg/kg", (0.0125, True)),
    ("2 ug", (0.002, False)), ("1 g/kg", (1000.0, True)), (" 1e2 mg ", (100.0, False)), (".5 mg", (0.5, False)),
])
def test_a_dose_is_a_mass_or_a_mass_per_body_mass(text, expected):
    amount, per_kg = parse_dose(text, "dose")
    assert per_kg == expected[1] and amount == pytest.approx(expected[0], rel=1e-12)


@pytest.mark.parametrize("text, expected_min", [
    ("40 min", 40.0), ("1.5 h", 90.0), ("7 d", 10080.0), ("1e3 s", 1000 / 60), ("+5 min", 5.0), ("3hr", 180.0),
])
def test_a_time_is_read_in_minutes(text, expected_min):
    assert parse_quantity(text, "min", "t") == pytest.approx(expected_min, rel=1e-12)


@pytest.mark.parametrize("text, words", [
    ("1,5 mg/kg", ["decimal", "point", "not a comma"]),      # was 15 mg/kg
    ("0,5 mg/kg", ["not a comma"]),                          # was a zero dose
    ("1,000 mg", ["not a comma"]),                           # never a thousands separator
    ("50 percent", ["not a dose in mg or mg/kg"]),           # was 500,000 mg/kg
    ("0.5 rad", ["not a dose in mg or mg/kg"]),              # was 500,000 mg/kg
    ("0.5 deg", ["not a dose"]), ("1 pct", ["not a dose"]), ("1 rel", ["not a dose"]),
    ("5", ["has no unit"]), ("1 mg/mg", ["has no unit"]), ("1 mg**2/kg", ["not a dose"]),
    ("nan mg", ["finite"]), ("inf mg/kg", ["finite"]), ("1e400 mg", ["finite"]), ("-1 mg", ["negative"]),
    ("2 * 3 mg", ["a number, then a unit"]),
])
def test_a_bad_dose_is_refused_naming_the_field(text, words):
    with pytest.raises(InputError) as info:
        parse_dose(text, "protocol.doses[0].dose")
    msg = str(info.value)
    assert msg.startswith("protocol.doses[0].dose: ") and "\n" not in msg
    for w in words:
        assert w in msg, msg


@pytest.mark.parametrize("text, words", [
    ("1,5 h", ["not a comma"]),                              # was 15 h
    ("nan h", ["finite"]), ("NaN min", ["finite"]), ("inf h", ["finite"]), ("-inf h", ["finite"]),
    ("1e400 h", ["finite"]), ("1e308 d", ["finite"]),        # overflow when read, or in minutes
    ("5 percent", ["percent is not a unit of min"]), ("1 h*rad", ["radian is not a unit of min"]),
    ("5", ["has no unit"]), ("5 mg", ["not in a unit of min"]), ("1 d + 1 h", ["a number, then a unit"]),
    ("1 h / 2", ["unknown unit"]),
])
def test_a_bad_time_is_refused_naming_the_field(text, words):
    with pytest.raises(InputError) as info:
        parse_quantity(text, "min", "--duration")
    msg = str(info.value)
    assert msg.startswith("--duration: ") and "\n" not in msg
    for w in words:
        assert w in msg, msg


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_number_is_refused(value):
    with pytest.raises(InputError, match=r"^x: must be a finite number"):
        parse_quantity(value, "1", "x")


def test_a_long_text_is_refused_before_parsing_and_never_echoed_in_full(monkeypatch):
    import ketasim.units as units

    text = "1" * 100_000 + " h"          # pint once took 113 s on this, then printed it whole

    def pint_reached(*args, **kwargs):
        raise AssertionError("the unit parser was reached")

    with monkeypatch.context() as m:     # refused by length before pint sees the text
        m.setattr(units, "unit", pint_reached)
        m.setattr(units, "Q_", pint_reached)
        with pytest.raises(InputError) as info:
            parse_quantity(text, "min", "--duration")
    msg = str(info.value)
    assert f"longer than {MAX_QUANTITY_CHARS} characters" in msg and "100002 characters" in msg
    assert len(msg) < 2 * SHOWN_CHARS + 80
    # the longest quantity the limit lets through is still read
    assert parse_quantity("0." + "0" * (MAX_QUANTITY_CHARS - 7) + "1 h", "min", "t") > 0


# ---------------------------------------------------------------------- the command line
@pytest.fixture
def sentinel(tmp_path):
    out, report = tmp_path / "sentinel.nc", tmp_path / "sentinel.html"
    out.write_text("precious")
    report.write_text("precious")
    return out, report


@pytest.mark.parametrize("args, words", [
    (["--dose", "1,5 mg/kg"], ["--dose", "not a comma"]),
    (["--dose", "0,5 mg/kg"], ["--dose", "not a comma"]),
    (["--infusion", "1,5 h"], ["--infusion", "not a comma"]),
    (["--dose", "50 percent"], ["--dose", "not a dose in mg or mg/kg"]),
    (["--dose", "0.5 rad"], ["--dose", "not a dose in mg or mg/kg"]),
    (["--infusion", "nan min"], ["--infusion", "finite"]),
    (["--repeat-every", "nan d", "--repeat-count", "3"], ["--repeat-every", "finite"]),
    (["--duration", "nan h"], ["--duration", "finite"]),
    (["--duration", "inf h"], ["--duration", "finite"]),
    (["--duration", "100000 d"], ["--duration", "at most 2 years"]),
    (["--duration", "0 h"], ["--duration", "positive"]),
    (["--repeat-count", "1000000000", "--repeat-every", "1 d"], ["--repeat-count", f"at most {MAX_REPEAT_COUNT:,}"]),
    (["--repeat-count", "0"], ["--repeat-count", "at least 1"]),
    (["--repeat-count", "3"], ["--repeat-every", "positive interval"]),
    (["--repeat-count", "1e9"], ["--repeat-count", "valid integer", "ketasim run --help"]),
    (["--bogus", "1"], ["No such option: --bogus"]),
    (["--dose", "9" * 100_000 + " mg"], ["--dose", f"longer than {MAX_QUANTITY_CHARS} characters"]),
    (["--weight", "70,5 kg"], ["--weight", "not a comma"]),
])
def test_bad_run_options_are_one_line_exit_2_and_nothing_is_overwritten(capsys, monkeypatch, sentinel, args, words):
    import importlib

    simulate_module = importlib.import_module("ketasim.simulate")   # the module (ketasim.simulate is also a function)

    def simulation_reached(*a, **k):
        raise AssertionError("a model was built or simulated before the input was checked")

    monkeypatch.setattr(simulate_module, "simulate", simulation_reached)   # refused before any simulation
    monkeypatch.setattr(simulate_module, "model_for", simulation_reached)
    out, report = sentinel
    code, lines = run_cli(capsys, "run", *args, "--out", str(out), "--report", str(report))
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: ") and len(lines[0]) < 300
    for w in words:
        assert w in lines[0], lines[0]
    assert out.read_text() == "precious" and report.read_text() == "precious"


def test_a_bad_integer_option_of_another_command_is_one_line(capsys):
    code, lines = run_cli(capsys, "serve", "--port", "abc")
    assert code == 2 and len(lines) == 1 and "'--port'" in lines[0] and "ketasim serve --help" in lines[0]


def test_help_is_unchanged_by_the_usage_error_wrapper(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0 and "Usage: ketasim run [OPTIONS]" in out and "--repeat-count" in out


# ------------------------------------------------------------------- experiment files
GOOD = """
id = "t"
title = "t"
source = "test"
tags = ["pk"]
[protocol]
duration = "2 h"
[[protocol.doses]]
drug = "ketamine"
route = "iv"
dose = "0.5 mg/kg"
duration = "40 min"
[[measure]]
observable = "plasma_ketamine"
statistic = "value_at"
at = "1 h"
unit = "ng/mL"
expected = 200.0
rel_tol = 0.5
"""


def _file(tmp_path, text):
    path = tmp_path / "exp.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("old, new, field, words", [
    ('at = "1 h"', 'at = "nan h"', "measure[0].at", ["finite"]),
    ("expected = 200.0", "expected = nan", "measure[0].expected", ["finite"]),
    ("rel_tol = 0.5", "rel_tol = inf", "measure[0].rel_tol", ["finite"]),
    ("expected = 200.0\nrel_tol = 0.5", "range = [nan, 1.0]", "measure[0].range[0]", ["finite"]),
    ('dose = "0.5 mg/kg"', 'dose = "0,5 mg/kg"', "protocol.doses[0].dose", ["not a comma"]),
    ('dose = "0.5 mg/kg"', 'dose = "50 percent"', "protocol.doses[0].dose", ["not a dose"]),
    ('duration = "40 min"', 'duration = "nan min"', "protocol.doses[0].duration", ["finite"]),
    ('duration = "2 h"', 'duration = "1e9 d"', "protocol.duration", ["at most 2 years"]),
    ('duration = "40 min"', 'duration = "40 min"\nrepeat = { every = "nan d", count = 3 }',
     "protocol.doses[0].repeat.every", ["finite"]),
    ('duration = "40 min"', 'duration = "40 min"\nrepeat = { every = "1 d", count = 1000000000 }',
     "protocol.doses[0].repeat.count", [f"{MAX_REPEAT_COUNT}"]),
])
def test_a_bad_file_is_refused_at_load_naming_the_field(tmp_path, old, new, field, words):
    assert old in GOOD
    path = _file(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        load_experiment(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: {field}: ") and "\n" not in msg, msg
    for w in words:
        assert w in msg, msg


def test_the_good_file_loads_and_plans(tmp_path):
    plan = experiment_plan(load_experiment(_file(tmp_path, GOOD)))
    (ev,) = plan.regimen
    assert (ev.amount, ev.per_kg, ev.duration, plan.duration) == (0.5, True, 40.0, 120.0)


def test_experiment_run_refuses_a_nan_time_in_one_line_not_a_nan_in_json(capsys, tmp_path):
    path = _file(tmp_path, GOOD.replace('at = "1 h"', 'at = "nan h"'))
    code, lines = run_cli(capsys, "experiment", "run", str(path), "--json")
    assert code == 2 and len(lines) == 1 and "measure[0].at" in lines[0] and "finite" in lines[0]
    assert "NaN" not in capsys.readouterr().out


def _trial(n=10, arms=2, chunk=None):
    population = {"n": n, "seed": 0, "cohort": "trd", **({"chunk": chunk} if chunk else {})}
    dose = {"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "duration": "40 min"}
    return {"id": "t", "title": "t", "source": "test", "tags": ["clinical"],
            "protocol": {"duration": "7 d", "population": population,
                         "arms": {f"a{i}": {"doses": [dose]} for i in range(arms)}},
            "measure": [{"arm": "a0", "endpoint": "response_rate", "at": "7 d", "range": [0.0, 1.0]}]}


@pytest.mark.parametrize("doc, field, words", [
    (_trial(n=10**18), "protocol.population.n", [f"{MAX_PATIENTS_PER_ARM}"]),
    (_trial(arms=200), "protocol.arms", [f"at most {MAX_ARMS} arms", "got 200"]),
    (_trial(chunk=10**9), "protocol.population.chunk", ["less than or equal"]),
])
def test_a_trial_beyond_the_limits_is_refused_at_load(doc, field, words):
    with pytest.raises(InputError) as info:
        parse_experiment(doc, "trial.toml")
    msg = str(info.value)
    assert msg.startswith(f"trial.toml: {field}: "), msg
    for w in words:
        assert w in msg, msg
    parse_experiment(_trial(n=MAX_PATIENTS_PER_ARM, arms=MAX_ARMS), "trial.toml")  # the limits themselves pass


def test_dose_events_are_counted_before_any_is_expanded():
    entry = {"drug": "ketamine", "route": "iv", "dose": "1 mg", "repeat": {"every": "1 h", "count": MAX_REPEAT_COUNT}}
    doc = parse_experiment({"id": "t", "title": "t", "source": "test", "tags": ["pk"],
                            "protocol": {"duration": "1 d", "doses": [entry, entry]},
                            "measure": [{"observable": "plasma_ketamine", "statistic": "max", "range": [0, 1]}]})
    assert len(experiment_plan(doc).regimen) == 2 == MAX_DOSE_EVENTS // MAX_REPEAT_COUNT
    with pytest.raises(InputError, match=rf"^<data>: protocol\.doses: at most {MAX_DOSE_EVENTS:,} dose events"):
        parse_experiment({**doc.model_dump(exclude_defaults=True),
                          "protocol": {"duration": "1 d", "doses": [entry, entry, entry]}})


def test_the_duration_limit_is_two_years_and_the_library_fits():
    assert simulated_duration("730 d", "d") == 730 * 1440.0
    assert MAX_DURATION_MIN == pytest.approx(2 * 365.25 * 1440)
    with pytest.raises(InputError, match="^protocol.duration: at most 2 years"):
        simulated_duration("732 d", "protocol.duration")


def test_the_command_line_regimen_checks_its_count_before_expanding():
    with pytest.raises(InputError, match=r"^--repeat-count: at most 1,000 doses"):
        one_dose_regimen("ketamine", "iv", "1 mg", None, "1 d", 10**9)


# ------------------------------------------------------------------------------ explorer
@pytest.mark.parametrize("changes, words", [
    ({"dose": "1,5 mg/kg"}, ["regimen.dose", "not a comma"]),
    ({"dose": "50 percent"}, ["regimen.dose", "not a dose"]),
    ({"every": "nan d", "count": 3}, ["regimen.repeat.every", "finite"]),
    ({"infusion": "nan min"}, ["regimen.duration", "finite"]),
    ({"duration": "1,5 h"}, ["duration", "not a comma"]),
    ({"weight": "70,5 kg"}, ["patient.weight", "not a comma"]),
    ({"duration": "1" * 100_000 + " h"}, ["duration", f"at most {MAX_QUANTITY_CHARS} characters"]),
    ({"drug": "k" * 100_000}, ["regimen.drug", "at most 200 characters"]),
    ({"cyp2b6": "*1" * 50_000}, ["patient.cyp2b6", "at most 200 characters"]),
    ({"madrs_baseline": float("nan")}, ["patient.madrs_baseline"]),
])
def test_the_explorer_refuses_what_the_files_refuse_in_one_short_line(changes, words):
    with pytest.raises(InputError) as info:
        build_request(RegimenForm(**changes))
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 200, msg
    for w in words:
        assert w in msg, msg


def test_the_explorer_trial_duration_is_bounded_before_parsing():
    arm = build_request(RegimenForm())
    assert math.isclose(arm.duration_min, 1440.0)
    with pytest.raises(InputError, match=r"^trial\.duration: a quantity of at most 64 characters"):
        build_trial(TrialForm(duration="7" * 100_000 + " d"), {"a": arm})


def test_the_trial_command_line_overrides_are_bounded_too():
    from ketasim.trial.spec import trial_spec

    exp = parse_experiment(_trial())
    with pytest.raises(InputError, match=rf"^--patients: at most {MAX_PATIENTS_PER_ARM:,} patients per arm"):
        trial_spec(exp, patients=10**18, check_models=False)
    with pytest.raises(InputError, match=r"^chunk: at most 10,000 patients per chunk"):
        trial_spec(exp, chunk=10**9, check_models=False)
    assert trial_spec(exp, patients=MAX_PATIENTS_PER_ARM, check_models=False).n == MAX_PATIENTS_PER_ARM


@pytest.mark.parametrize("duration, words", [
    (float("nan"), "finite"), (float("inf"), "finite"), ("nan h", "finite"), ("1,5 h", "not a comma"),
    ("1e9 d", "at most 2 years"), (1e12, "at most 2 years"),
])
def test_the_python_api_reads_durations_by_the_same_rules(duration, words):
    from ketasim.population import simulate_population
    from ketasim.simulate import simulate

    with pytest.raises(InputError, match=rf"^duration: .*{words}"):
        simulate([], duration=duration)
    with pytest.raises(InputError, match=rf"^duration: .*{words}"):
        simulate_population([], 2, duration=duration)


def test_the_python_api_bounds_the_population():
    from ketasim.population import simulate_population

    with pytest.raises(InputError, match=rf"^n: at most {MAX_PATIENTS_PER_ARM:,} patients"):
        simulate_population([], 10**12, duration="1 d")


def test_the_installed_entry_point_refuses_a_decimal_comma_in_one_line(sentinel):
    import subprocess
    import sys

    out, report = sentinel
    r = subprocess.run([sys.executable, "-m", "ketasim.cli", "run", "--dose", "1,5 mg/kg", "--out", str(out),
                        "--report", str(report)], capture_output=True, text=True, timeout=300)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0] == ("error: --dose: '1,5 mg/kg': write decimals with a point, not a comma "
                        "(e.g. '1.5 mg/kg')")
    assert out.read_text() == "precious" and report.read_text() == "precious"


def test_an_in_vitro_protocol_is_bounded_at_load():
    from ketasim.limits import MAX_CLAMP_SAMPLES, MAX_SWEEP_POINTS

    def doc(**in_vitro):
        return {"id": "t", "title": "t", "source": "test", "tags": ["receptor"],
                "protocol": {"in_vitro": {"drug": "ketamine", **in_vitro}},
                "measure": [{"observable": "block", "statistic": "max", "range": [0.0, 1.0]}]}

    with pytest.raises(InputError, match=rf"^v\.toml: protocol\.in_vitro\.concentrations: at most "
                                         rf"{MAX_SWEEP_POINTS:,} points \(got 5,000\)"):
        parse_experiment(doc(concentrations=["1 uM"] * 5000), "v.toml")
    steps = [{"start": "0 s", "concentration": "10 uM"}]
    with pytest.raises(InputError, match=rf"^v\.toml: protocol\.in_vitro: duration / sample: at most "
                                         rf"{MAX_CLAMP_SAMPLES:,} samples \(got 10,000,000\)"):
        parse_experiment(doc(steps=steps, duration="10 s", sample="1 us"), "v.toml")
    assert parse_experiment(doc(steps=steps, duration="10 s", sample="0.1 ms"), "v.toml")  # 100,000: the limit


def test_a_long_hypothesis_option_is_refused_without_echoing_it(capsys, sentinel):
    out, report = sentinel
    code, lines = run_cli(capsys, "run", "--hypothesis", "opioid_gate=" + "x" * 100_000, "--out", str(out),
                          "--report", str(report))
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: --hypothesis: at most 64 characters")
    assert len(lines[0]) < 200 and out.read_text() == "precious"


def test_a_circuit_run_longer_than_the_limit_is_refused_before_it_runs(tmp_path):
    """`ketasim circuit --duration` is bounded (limits.MAX_CIRCUIT_MS): one line, exit 2, no folder made."""
    from typer.testing import CliRunner

    from ketasim.cli import app
    from ketasim.limits import MAX_CIRCUIT_MS

    out = tmp_path / "figs"
    too_long = f"{MAX_CIRCUIT_MS / 1000 * 10:g} s"
    res = CliRunner().invoke(app, ["circuit", "--duration", too_long, "--out", str(out)])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--duration" in lines[0] and "at most" in lines[0]
    assert not out.exists()


def test_an_experiment_with_more_measures_than_the_limit_is_refused_at_load(tmp_path):
    """`[[measure]]` entries are bounded (limits.MAX_MEASURES): the loader names the field."""
    from ketasim.errors import InputError
    from ketasim.experiments.loader import load_experiment
    from ketasim.limits import MAX_MEASURES

    measure = ('[[measure]]\nobservable = "plasma_ketamine"\nstatistic = "max"\nunit = "ng/mL"\n'
               'expected = 185\nrel_tol = 0.25\n')
    text = ('id = "x"\ntitle = "x"\nsource = "x"\ntags = ["pk"]\n[protocol]\nduration = "3 h"\n'
            '[[protocol.doses]]\ndrug = "ketamine"\nroute = "iv"\ndose = "0.5 mg/kg"\nduration = "40 min"\n'
            + measure * (MAX_MEASURES + 1))
    path = tmp_path / "many.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="measure"):
        load_experiment(path)
