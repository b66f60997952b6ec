"""Ketamine disposition models (mechanisms/pk_disposition.py) and the PK module built on them.

Expected values are computed here by hand from the published numbers (micro-constants,
clearances, fractions), not read from the model: AUC(0-inf) = F * D / CL for a linear
model, the terminal half-life ln2/|lambda_min| of the micro-constant matrix, an intranasal
bioavailability of (1 - f_swallowed) + f_swallowed * F_swallowed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ketasim.engine.assembler import assemble
from ketasim.engine.dosing import DoseEvent
from ketasim.engine.solve import solve
from ketasim.errors import InputError
from ketasim.mechanisms.patient import PATIENT
from ketasim.mechanisms.pk_disposition import DISPOSITIONS, check_sampling, disposition_for
from ketasim.mechanisms.pk_ketamine import ketamine_module
from ketasim.simulate import schedule_for
from cli_helpers import run_cli

DOMINO = {"v1_per_kg": 0.063, "k10": 0.4381, "k12": 0.5921, "k21": 0.2470, "k13": 0.5900, "k31": 0.0146}


def _values(name: str, enantiomer: str = "s") -> dict[str, float]:
    return {p.name: p.value for p in DISPOSITIONS[name].parameters(enantiomer)}


def _s_model(name: str):
    return assemble((PATIENT, ketamine_module("s", DISPOSITIONS[name])))


def _plasma(model, regimen, duration_min: float, ts: np.ndarray) -> np.ndarray:
    sched = schedule_for(model, regimen, 70.0, duration_min)
    ys = solve(model, model.param_vector, sched, ts, solver="scipy", rtol=1e-10, atol=1e-14)
    v1 = _values_of(model, "v1")
    return ys[:, model.state_index["ketamine_s__A_central"]] / v1 * 1000.0   # mg/L -> ng/mL


def _values_of(model, short: str) -> float:
    return float(model.parameters[f"ketamine_s.{short}"].value)


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0)


def test_domino_clearances_and_volumes_are_the_published_micro_constants():
    v = _values("domino1982")
    v1 = DOMINO["v1_per_kg"] * 70.0
    assert v["v1"] == pytest.approx(v1)
    assert v["cl"] / 60.0 / v1 == pytest.approx(DOMINO["k10"], rel=1e-4)
    assert v["q2"] / 60.0 / v1 == pytest.approx(DOMINO["k12"], rel=1e-4)
    assert v["q2"] / 60.0 / v["v2"] == pytest.approx(DOMINO["k21"], rel=1e-4)
    assert v["q3"] / 60.0 / v1 == pytest.approx(DOMINO["k13"], rel=1e-4)
    assert v["q3"] / 60.0 / v["v3"] == pytest.approx(DOMINO["k31"], rel=1e-4)


def test_domino_terminal_half_life_is_the_slowest_eigenvalue_of_the_micro_constants():
    k = DOMINO
    a = np.array([[-(k["k10"] + k["k12"] + k["k13"]), k["k21"], k["k31"]],
                  [k["k12"], -k["k21"], 0.0],
                  [k["k13"], 0.0, -k["k31"]]])
    slowest = min(abs(np.linalg.eigvals(a)))
    expected = math.log(2) / slowest                                   # about 115 min
    model = _s_model("domino1982")
    ts = np.arange(0.0, 12 * 60.0 + 1)
    c = _plasma(model, (DoseEvent("esketamine", "iv", 10.0, duration=1.0),), 12 * 60.0, ts)
    late = ts >= 8 * 60
    slope = np.polyfit(ts[late], np.log(c[late]), 1)[0]
    assert math.log(2) / -slope == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("name", ["population", "domino1982", "herd2007"])
def test_iv_auc_to_infinity_is_dose_over_clearance(name):
    model = _s_model(name)
    ts = np.concatenate([np.arange(0.0, 600.0, 1.0), np.arange(600.0, 400 * 60.0 + 1, 10.0)])
    c = _plasma(model, (DoseEvent("esketamine", "iv", 10.0, duration=30.0),), 400 * 60.0, ts)
    auc = _trapezoid(c, ts / 60.0)                                     # ng/mL*h
    assert auc == pytest.approx(10.0 / _values(name)["cl"] * 1000.0, rel=2e-3)


def test_population_clearances_are_fanta_for_s_and_the_persson_ratio_for_r():
    assert _values("population", "s")["cl"] == 95.0
    assert _values("population", "r")["cl"] == pytest.approx(95.0 * 0.020 / 0.024, abs=0.01)


def test_oral_and_intranasal_bioavailability_follow_their_fractions():
    model = _s_model("population")
    ts = np.concatenate([np.arange(0.0, 600.0, 1.0), np.arange(600.0, 200 * 60.0 + 1, 10.0)])
    iv = _trapezoid(_plasma(model, (DoseEvent("esketamine", "iv", 28.0, duration=10.0),), 200 * 60.0, ts), ts)
    oral = _trapezoid(_plasma(model, (DoseEvent("esketamine", "oral", 28.0),), 200 * 60.0, ts), ts)
    nasal = _trapezoid(_plasma(model, (DoseEvent("esketamine", "intranasal", 28.0),), 200 * 60.0, ts), ts)
    assert oral / iv == pytest.approx(0.08, rel=3e-3)                           # Fanta 2015
    assert nasal / iv == pytest.approx((1 - 0.5625) + 0.5625 * 0.186, rel=3e-3)  # Perez-Ruixo 2021


def test_rodents_use_the_scaled_domino_constants_whatever_the_human_choice():
    for name in DISPOSITIONS:
        assert disposition_for("mouse", name).name == "domino1982"
        assert disposition_for("rat", name).name == "domino1982"
        assert disposition_for("human", name).name == name


def test_sampling_site_is_checked_against_the_model_in_use():
    """Arterial plasma ketamine is predicted under every disposition (arterial_*); venous only
    by a model fitted to venous samples."""
    assert check_sampling("venous", "human", "population") == "venous"
    assert check_sampling("arterial", "human", "domino1982") == "arterial"
    assert check_sampling("arterial", "human", "population") == "arterial"
    with pytest.raises(InputError) as e:
        check_sampling("venous", "human", "domino1982")
    assert str(e.value).startswith("protocol.sampling: ketamine_pk 'domino1982' predicts arterial plasma")
    assert "population" in str(e.value)
    with pytest.raises(InputError) as e:
        check_sampling("venus", "human", "population")
    assert "protocol.sampling" in str(e.value) and "did you mean 'venous'" in str(e.value)


EXPERIMENT = """
id = "t"
title = "t"
source = "test"
species = "human"
tags = ["pk"]
[protocol]
duration = "2 h"
sampling = "venous"
[[protocol.doses]]
drug = "ketamine"
route = "iv"
dose = "0.5 mg/kg"
duration = "40 min"
[[measure]]
observable = "plasma_ketamine"
statistic = "max"
unit = "ng/mL"
range = [100, 400]
"""


def test_an_arterial_sample_reads_arterial_plasma_under_every_disposition(tmp_path):
    """protocol.sampling = "arterial": a plasma ketamine measure reads arterial_ketamine, the
    venous level plus the front end (about 301 ng/mL at the end of the standard infusion under
    the venous model, against 186 venous); under Domino's arterial model the two are one."""
    from ketasim.experiments.loader import load_experiment
    from ketasim.experiments.run import run_experiment

    f = tmp_path / "e.toml"
    f.write_text(EXPERIMENT.replace('sampling = "venous"', 'sampling = "arterial"', 1))
    exp = load_experiment(f)
    assert exp.measure[0].observable == "arterial_ketamine"
    arterial = run_experiment(exp).measures[0].simulated
    venous = run_experiment(load_experiment(_written(tmp_path, EXPERIMENT))).measures[0].simulated
    assert arterial - venous == pytest.approx(0.5 * 70.0 / 40.0 / 7.59 * 1000.0, rel=0.02)   # rate / Q, ng/mL
    domino = EXPERIMENT.replace('sampling = "venous"', 'sampling = "arterial"\nhypotheses = { ketamine_pk = "domino1982" }', 1)
    dom = load_experiment(_written(tmp_path, domino))
    plain = load_experiment(_written(tmp_path, domino.replace('sampling = "arterial"\n', '', 1)))
    assert run_experiment(dom).measures[0].simulated == pytest.approx(run_experiment(plain).measures[0].simulated, rel=1e-9)


def test_an_arterial_metabolite_sample_is_refused_in_one_line(tmp_path, capsys):
    text = EXPERIMENT.replace('sampling = "venous"', 'sampling = "arterial"', 1).replace(
        'observable = "plasma_ketamine"', 'observable = "plasma_norketamine"', 1)
    code, err = run_cli(capsys, "experiment", "run", str(_written(tmp_path, text)))
    assert code == 2 and len(err) == 1, err
    assert "measure[0].observable: 'plasma_norketamine' has no arterial prediction" in err[0]


def _written(tmp_path, text: str):
    f = tmp_path / f"e{abs(hash(text))}.toml"
    f.write_text(text)
    return f


@pytest.mark.parametrize("old, new, line", [
    ('sampling = "venous"', 'sampling = "venus"',
     "protocol.sampling: unknown sampling site 'venus'; did you mean 'venous'?"),
    ('sampling = "venous"', 'sampling = "venous"\nhypotheses = { ketamine_pk = "domino1982" }',
     "protocol.sampling: ketamine_pk 'domino1982' predicts arterial plasma in humans, not venous"),
    ('sampling = "venous"', 'hypotheses = { ketamine_pk = "domino" }',
     "hypotheses.ketamine_pk: unknown value 'domino'; did you mean 'domino1982'?"),
])
def test_an_experiment_naming_a_site_or_model_ketasim_lacks_is_refused_in_one_line(tmp_path, capsys, old, new, line):
    f = tmp_path / "e.toml"
    f.write_text(EXPERIMENT.replace(old, new, 1))
    code, err = run_cli(capsys, "experiment", "run", str(f))
    assert code == 2 and len(err) == 1 and line in err[0], err


def test_run_refuses_an_unknown_ketamine_pk_in_one_line(tmp_path, capsys):
    out = tmp_path / "r.nc"
    code, err = run_cli(capsys, "run", "--hypothesis", "ketamine_pk=domino", "--out", str(out))
    assert code == 2 and len(err) == 1 and not out.exists()
    assert "--hypothesis ketamine_pk: unknown value 'domino'; did you mean 'domino1982'?" in err[0]


def test_at_most_a_tenth_of_the_pk_parameters_lack_data():
    """Issue 20's bar: assumed values, and values fitted without a named dataset, are at most
    10% of the PK layer's parameter records (each one is listed, so a rise shows which)."""
    from ketasim.validation.unsourced import unsourced_share

    got = unsourced_share()
    assert got.total > 100
    assert got.share <= 0.10, got.unsourced
    assert ("ketamine_s", "v1", "fitted") not in got.unsourced      # fitted to a named dataset (zarate2006)


def test_a_result_says_which_site_its_plasma_ketamine_stands_for():
    from ketasim.engine.model import AssembledModel
    from ketasim.mechanisms.registry import build_model
    from ketasim.simulate import sampling_site

    assert sampling_site(build_model("human")) == "venous"
    assert sampling_site(build_model("human", {"ketamine_pk": "domino1982"})) == "arterial"
    assert sampling_site(build_model("mouse")) == "arterial"          # rodents: the scaled Domino constants
    assert isinstance(build_model("human"), AssembledModel)
