"""The explorer's pure parts: request validation and limits, presets, the cascade, the small trial, `serve`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from ketasim.dashboard.cascade import Cascade, Panel, Series, headline, pick_cascade, simulate_request
from ketasim.dashboard.figure import cascade_figure
from ketasim.report.time_axis import time_axis
from ketasim.dashboard.inputs import (LIMITS, RegimenForm, TrialForm, build_request, build_trial,
                                      form_of_preset)
from ketasim.dashboard.presets import PRESETS
from ketasim.engine.dosing import expand_repeats
from ketasim.errors import InputError
from ketasim.mechanisms.drugs import expand

H, D = 60.0, 1440.0  # minutes per hour, per day


def refusal(form: RegimenForm) -> str:
    """The InputError message building the request raises (the test fails if none is raised)."""
    with pytest.raises(InputError) as exc:
        build_request(form)
    return str(exc.value)


@pytest.mark.parametrize("changes, words", [
    ({"dose": "-1 mg/kg"}, ["regimen.dose", "negative"]),
    ({"dose": "abc"}, ["regimen.dose", "'abc'"]),
    ({"dose": "-1"}, ["regimen.dose", "no unit"]),
    ({"dose": "20 mg/kg"}, ["regimen.dose", "at most 10 mg/kg"]),
    ({"dose": "5 g"}, ["regimen.dose", "at most 1000 mg"]),
    ({"drug": "ketamin"}, ["regimen.drug", "unknown drug 'ketamin'"]),
    ({"drug": "anti_bdnf", "route": "intracerebral"}, ["regimen.drug", "unknown drug"]),  # rodent-only
    ({"route": "icv"}, ["regimen.route", "'icv'"]),
    ({"route": "oral"}, ["regimen.duration", "only IV"]),
    ({"infusion": "0 min"}, ["regimen.duration", "more than 0"]),
    ({"duration": "13 week"}, ["duration", "at most 12 weeks"]),
    ({"duration": "0 h"}, ["duration", "positive"]),
    ({"duration": "24 kg"}, ["duration", "not in a unit of min"]),
    ({"count": 500, "every": "1 d"}, ["regimen.repeat.count", "between 1 and 100"]),
    ({"count": 3, "every": ""}, ["regimen.repeat.every", "interval"]),
    ({"count": 3, "every": "5 min"}, ["regimen.repeat.every", "at least 30 min"]),
    ({"weight": "500 kg"}, ["patient.weight", "between 30 and 250 kg"]),
    ({"weight": "70"}, ["patient.weight", "not in a unit of kg"]),
    ({"bdnf": "met/val"}, ["patient.bdnf", "met/val"]),
    ({"cyp2b6": "*2/*2"}, ["patient.cyp2b6"]),
    ({"madrs_baseline": 75.0}, ["patient.madrs_baseline", "between 0 and 60"]),
    ({"hypotheses": (("opioid_gate", "maybe"),)}, ["hypotheses.opioid_gate", "'maybe'"]),
    ({"hypotheses": (("telepathy", "on"),)}, ["hypotheses.telepathy", "unknown hypothesis"]),
    ({"preset": "homeopathy"}, ["schedule", "unknown schedule"]),
])
def test_bad_regimen_is_refused_with_the_field_named(changes, words):
    msg = refusal(RegimenForm(**changes))
    assert "\n" not in msg
    assert all(w in msg for w in words), msg


def test_esketamine_doses_must_fill_whole_nasal_devices():
    msg = refusal(form_of_preset("esketamine", dose="60 mg"))
    assert "regimen.dose" in msg and "28 mg devices" in msg, msg
    assert build_request(form_of_preset("esketamine", dose="84 mg")).regimen[0].amount == 84.0


def test_request_key_follows_what_changes_the_simulation():
    base = build_request(RegimenForm())
    assert build_request(RegimenForm()).key() == base.key()
    for changed in (RegimenForm(dose="1.0 mg/kg"), RegimenForm(weight="80 kg"), RegimenForm(madrs_baseline=40.0),
                    RegimenForm(hypotheses=(("opioid_gate", "none"),)), RegimenForm(duration="12 h")):
        assert build_request(changed).key() != base.key()
    # the same hypotheses spelled with the defaults given explicitly are the same request
    explicit = build_request(RegimenForm(hypotheses=(("opioid_gate", "permissive"),)))
    assert explicit.key() == base.key()


def sessions(key: str):
    """The preset's validated regimen, expanded to single administrations (devices, repeats)."""
    req = build_request(form_of_preset(key))
    return req, [dev for ev in req.regimen for one in expand_repeats(ev) for dev in expand(one)]


def test_single_infusion_preset_is_the_standard_antidepressant_infusion():
    req, doses = sessions("single_infusion")
    assert len(doses) == 1
    d = doses[0]
    assert (d.drug, d.route, d.amount, d.per_kg, d.start, d.duration) == ("ketamine", "iv", 0.5, True, 0.0, 40.0)
    assert req.duration_min == 24 * H


def test_repeated_course_is_six_infusions_three_a_week_for_two_weeks():
    _, doses = sessions("repeated_course")
    starts = np.array([d.start for d in doses])
    assert len(doses) == 6 and all(d.duration == 40.0 and d.amount == 0.5 and d.per_kg for d in doses)
    assert np.sum(starts < 7 * D) == 3 and np.sum((starts >= 7 * D) & (starts < 14 * D)) == 3


def test_esketamine_preset_is_twice_weekly_intranasal_in_28_mg_devices():
    req, doses = sessions("esketamine")
    assert all(d.drug == "esketamine" and d.route == "intranasal" and d.amount == 28.0 for d in doses)
    days = np.array([d.start for d in doses]) / D
    session_days = np.unique(np.floor(days * 10) / 10)
    assert len(doses) == 2 * len(session_days)          # 56 mg = two devices per session
    assert np.sum(session_days < 7) == 2                 # twice weekly
    assert np.allclose(np.diff(session_days), 3.5)


def test_ssri_preset_is_daily_oral_citalopram_in_the_licensed_range():
    req, doses = sessions("ssri")
    assert all(d.drug == "citalopram" and d.route == "oral" and 20 <= d.amount <= 40 and not d.per_kg
               for d in doses)
    assert np.allclose(np.diff([d.start for d in doses]), D)
    assert len(doses) * D >= req.duration_min - D      # dosed every day of the simulated time


def test_ect_preset_is_procedure_sessions_three_a_week():
    _, doses = sessions("ect")
    assert len(doses) == 8 and all(d.procedure == "ect" for d in doses)
    starts = np.array([d.start for d in doses])
    assert np.sum(starts < 7 * D) == 3


def test_every_preset_validates_and_fits_the_limits():
    for key in PRESETS:
        req = build_request(form_of_preset(key))
        assert 0 < req.duration_min <= LIMITS.max_duration_min


# ----------------------------------------------------------------------------------- trials
def test_trial_limits_name_the_field():
    a = build_request(RegimenForm())
    for form, arms, words in [
        (TrialForm(patients=500), {"A": a}, ["trial.patients", "between 1 and 200"]),
        (TrialForm(patients=0), {"A": a}, ["trial.patients"]),
        (TrialForm(), {"A": a, "B": a, "C": a}, ["trial.arms", "at most 2"]),
        (TrialForm(), {}, ["trial.arms"]),
        (TrialForm(cohort="martians"), {"A": a}, ["trial.cohort", "'martians'"]),
        (TrialForm(duration="20 week"), {"A": a}, ["trial.duration", "at most 12 weeks"]),
        (TrialForm(duration="6 h"), {"A": a}, ["trial.duration", "at least 1 d"]),
        (TrialForm(seed=-1), {"A": a}, ["trial.seed"]),
    ]:
        with pytest.raises(InputError) as exc:
            build_trial(form, arms)
        for w in words:
            assert w in str(exc.value), str(exc.value)


def test_trial_request_is_an_experiment_the_trial_engine_reads():
    from ketasim.trial.spec import trial_spec

    arms = {"A": build_request(RegimenForm()), "B": build_request(form_of_preset("ect"))}
    req = build_trial(TrialForm(cohort="inpatient", patients=30, seed=4, duration="10 d"), arms)
    spec = trial_spec(req.experiment, check_models=False)
    assert spec.arm_names == ("A", "B") and spec.n == 30 and spec.cohort == "inpatient" and spec.seed == 4
    assert spec.duration_days == 10.0
    assert spec.arm("B").regimen[0].procedure == "ect" and spec.arm("A").regimen[0].amount == 0.5


def fake_chunks(arm, cohort, start, n, seed, visits, species="human", batch=None):
    """Arm A: even patients fall from 30 to 12 MADRS (responders, not remitters); arm B: nobody changes."""
    from ketasim.trial.chunk import ChunkResult, visit_grid

    days = visit_grid(visits)
    idx = np.arange(start, start + n)
    end = np.where((idx % 2 == 0) & (arm.name == "A"), 12.0, 30.0)
    madrs = 30.0 + (end - 30.0)[:, None] * (days / days[-1])[None, :]
    return ChunkResult(patient=idx, visits=days, madrs=madrs, hamd=0.77 * madrs, baseline_madrs=np.full(n, 30.0),
                       dropout_day=np.full(n, np.inf), dropout_side_effect=np.zeros(n, bool),
                       cadss_peak=np.zeros(n), covariates={"weight": np.full(n, 70.0),
                                                           "cyp2b6": np.array(["*1/*1"] * n),
                                                           "bdnf": np.array(["val/val"] * n)})


def test_small_trial_reports_progress_and_endpoints():
    from ketasim.dashboard.trial import run_small_trial

    arms = {"A": build_request(RegimenForm()), "B": build_request(RegimenForm(dose="0 mg/kg"))}
    req = build_trial(TrialForm(patients=60, duration="4 d"), arms)
    calls = []
    view = run_small_trial(req, lambda done, total: calls.append((done, total)), simulate=fake_chunks, n_boot=50)
    assert calls[0] == (0, 120) and calls[-1] == (120, 120)
    done = [c[0] for c in calls]
    assert done == sorted(done) and len(calls) == 1 + 2 * 3          # 60 patients in chunks of 25: 3 per arm
    rows = {r["arm"]: r for r in view.rows}
    assert rows["A"]["response_rate"].startswith("0.5 ") and rows["B"]["response_rate"].startswith("0 ")
    assert view.mean_madrs["A"][-1] == pytest.approx(21.0) and view.mean_madrs["B"][-1] == pytest.approx(30.0)
    assert view.visits[0] == 0.0 and view.visits[-1] == 4.0


# ---------------------------------------------------------------------------------- cascade
def synthetic_dataset() -> xr.Dataset:
    t = np.array([0.0, 30.0, 60.0, 120.0])

    def var(values, units, long_name):
        return xr.Variable(("time",), np.asarray(values, float), attrs={"units": units, "long_name": long_name})

    return xr.Dataset({
        "plasma_ketamine": var([0, 100, 240, 80], "ng/mL", "plasma ketamine"),
        "plasma_citalopram": var([0, 5, 9, 12], "ng/mL", "plasma citalopram"),
        "nmda_block_interneuron": var([0, 0.1, 0.22, 0.05], "1", "NMDA block, interneurons"),
        "bdnf": var([1, 1.1, 1.15, 1.0], "1", "BDNF"),
        "spine_density": var([1, 1, 1.01, 1.02], "1", "spines"),
        "madrs": var([32, 30, 26, 28], "1", "MADRS"),
        "brain_ketamine": var([0, 1, 2, 1], "uM", "brain ketamine"),
    }, coords={"time": ("time", t)})


def test_pick_cascade_keeps_each_layers_observables_in_order():
    c = pick_cascade(synthetic_dataset(), drugs=("citalopram",))
    layers = [p.layer for p in c.panels]
    assert layers == ["Pharmacokinetics", "NMDA receptor block", "Signalling", "Structure", "Symptoms"]
    assert [s.name for s in c.panels[0].series] == ["plasma_ketamine", "plasma_citalopram"]
    assert c.series("brain_ketamine") is None               # not a cascade observable
    assert c.panels[0].unit == "ng/mL" and c.panels[-1].ylabel.startswith("MADRS")
    without = pick_cascade(synthetic_dataset())
    assert [s.name for s in without.panels[0].series] == ["plasma_ketamine"]


def test_headline_reads_peaks_and_the_madrs_course():
    h = headline(pick_cascade(synthetic_dataset()))
    assert (h.peak_plasma, h.peak_block, h.peak_spines) == (240.0, 0.22, 1.02)
    assert (h.madrs_start, h.madrs_end, h.madrs_min) == (32.0, 28.0, 26.0)
    empty = headline(Cascade(np.array([0.0, 1.0]), ()))
    assert empty.peak_plasma is None and empty.madrs_end is None


def test_cascade_figure_has_one_panel_per_layer_on_a_shared_axis():
    a = pick_cascade(synthetic_dataset())
    b = Cascade(np.array([0.0, 3 * D]), (Panel("Symptoms", (Series("madrs", "MADRS", "1", np.array([30.0, 20.0])),),
                                               "MADRS (points)"),))
    fig = cascade_figure({"A": a, "B": b})
    axes = fig.get_axes()
    assert [ax.get_title(loc="left") for ax in axes] == [p.layer for p in a.panels]
    assert axes[-1].get_xlabel() == "time (d)" and axes[-1].get_xlim()[1] == pytest.approx(3.0)
    assert len(axes[-1].get_lines()) == 2                  # MADRS of A and of B
    assert time_axis(24 * H) == (H, "h") and time_axis(3 * D) == (D, "d")


def test_doubling_the_dose_doubles_peak_plasma_ketamine():
    """Linear PK: 1.0 mg/kg gives about twice the peak of 0.5 mg/kg over the same infusion."""
    lo = headline(simulate_request(build_request(RegimenForm(dose="0.5 mg/kg", duration="3 h"))))
    hi = headline(simulate_request(build_request(RegimenForm(dose="1.0 mg/kg", duration="3 h"))))
    assert 100.0 < lo.peak_plasma < 400.0                   # end-of-infusion levels of ~185 ng/mL (Zanos 2018)
    assert 1.8 <= hi.peak_plasma / lo.peak_plasma <= 2.2


# ------------------------------------------------------------------------------------ serve
def test_serve_command_runs_streamlit_headless_on_loopback_without_a_shell():
    from ketasim.commands.serve import APP, is_loopback, streamlit_command

    cmd = streamlit_command("127.0.0.1", 8765, python="py")
    assert cmd[:5] == ["py", "-m", "ketasim.dashboard.launch", "run", str(APP)] and APP.is_file()
    opts = dict(zip(cmd[5::2], cmd[6::2]))
    assert opts["--server.address"] == "127.0.0.1" and opts["--server.port"] == "8765"
    assert opts["--server.headless"] == "true" and opts["--browser.gatherUsageStats"] == "false"
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.4", "example.org"))


@pytest.mark.parametrize("args, words", [
    (["--port", "70000"], ["--port", "65535"]),
    (["--host", "127.0.0.1; rm -rf /"], ["--host", "not an IP address or host name"]),
])
def test_serve_bad_options_are_one_line_exit_2(args, words, monkeypatch):
    from typer.testing import CliRunner

    import ketasim.commands.serve as serve_mod
    from ketasim.cli import app

    started = []
    monkeypatch.setattr(serve_mod, "run_child", lambda cmd: started.append(cmd) or 0)
    r = CliRunner().invoke(app, ["serve", *args])
    assert r.exit_code == 2 and not started
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and all(w in lines[0] for w in words), r.output


def test_serve_warns_when_listening_beyond_loopback(monkeypatch):
    from typer.testing import CliRunner

    import ketasim.commands.serve as serve_mod
    from ketasim.cli import app

    started = []
    monkeypatch.setattr(serve_mod, "run_child", lambda cmd: started.append(cmd) or 0)
    r = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "9001"])
    assert r.exit_code == 0 and "warning" in r.output and "0.0.0.0" in r.output
    assert started and started[0][started[0].index("--server.address") + 1] == "0.0.0.0"
    r = CliRunner().invoke(app, ["serve"])
    assert "warning" not in r.output and started[1][started[1].index("--server.address") + 1] == "127.0.0.1"


@pytest.mark.slow
def test_small_trial_with_the_mechanistic_simulator():
    """The explorer's trial path end to end (compiles the batched model: a minute or two)."""
    from ketasim.trial.cohorts import COHORTS
    from ketasim.dashboard.trial import run_small_trial

    arms = {"A": build_request(RegimenForm()), "B": build_request(RegimenForm(drug="saline", dose="0 mg/kg"))}
    req = build_trial(TrialForm(patients=30, duration="2 d", seed=3), arms)
    calls = []
    view = run_small_trial(req, lambda done, total: calls.append(done), n_boot=100)
    assert calls[0] == 0 and calls[-1] == 60
    baseline = COHORTS["trd"].baseline_mean.value
    for arm in ("A", "B"):
        assert abs(view.mean_madrs[arm][0] - baseline) < 6.0     # day 0: the cohort's untreated severity
    # a day after the infusion ketamine lowers the MADRS more than saline (Han 2016: response 52% vs ~9%)
    day1 = int(np.argmin(np.abs(view.visits - 1.0)))
    assert view.mean_madrs["A"][day1] < view.mean_madrs["B"][day1] - 3.0


# ------------------------------------------------------------------ bad numbers on the page: one error line
APP_FILE = str(Path(__file__).resolve().parent.parent / "src" / "ketasim" / "dashboard" / "app.py")


def page(**state):
    """The explorer page run headless (Streamlit's AppTest, no browser) with widget values set
    before the first run, so that nothing is simulated when the regimen is refused."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP_FILE, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


K = "A-single_infusion-"   # widget keys of regimen A with the default preset


@pytest.mark.parametrize("state, words", [
    ({K + "count": 3, K + "every": "nan d"}, ["regimen.repeat.every", "'nan d'"]),
    ({K + "count": 3, K + "every": "inf d"}, ["regimen.repeat.every", "'inf d'"]),
    ({K + "count": 3, K + "every": "1,5 d"}, ["regimen.repeat.every", "'1,5 d'"]),
    ({K + "duration": "nan h"}, ["duration", "'nan h'"]),
    ({K + "dose": "nan mg/kg"}, ["regimen.dose", "'nan mg/kg'"]),
    ({K + "infusion": "nan min"}, ["regimen.duration", "'nan min'"]),
    ({"A-weight": "nan kg"}, ["patient.weight", "'nan kg'"]),
])
def test_a_bad_number_on_the_page_is_one_error_line_naming_the_field(state, words):
    at = page(**state)
    assert not at.exception                                        # no raw exception box
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "\n" not in errors[0], errors
    assert errors[0].startswith("Regimen A: ") and all(w in errors[0] for w in words), errors[0]


def test_a_nan_interval_is_refused_before_anything_is_simulated():
    for every in ("nan d", "NaN h", "inf d", "-inf d"):
        msg = refusal(RegimenForm(count=3, every=every))
        assert msg.startswith("regimen.repeat.every: ") and "\n" not in msg, msg


def test_a_nan_trial_duration_is_refused_naming_the_field():
    a = build_request(RegimenForm())
    for duration in ("nan d", "inf d"):
        with pytest.raises(InputError) as exc:
            build_trial(TrialForm(duration=duration), {"A": a})
        assert str(exc.value).startswith("trial.duration: ") and "\n" not in str(exc.value)


def test_an_unexpected_failure_while_simulating_is_one_error_line(monkeypatch):
    """Not a refusal of input (a bug, a failed solve): still one line on the page, never a traceback box."""
    import ketasim.dashboard.cascade as cascade_mod

    def broken(request):
        raise ValueError("solver blew up\nsecond line of detail")

    monkeypatch.setattr(cascade_mod, "simulate_request", broken)
    at = page(**{K + "duration": "5 h"})                          # a key no other test has cached
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == ["Regimen A: could not be computed (ValueError: solver blew up)"], errors


def test_the_launcher_warms_up_then_starts_streamlit_even_when_the_warm_up_fails(monkeypatch, capsys):
    from streamlit.web import cli as streamlit_cli

    import ketasim.dashboard.launch as launch

    started = []
    monkeypatch.setattr(streamlit_cli, "main", lambda **kw: started.append(kw) or 0)
    monkeypatch.setattr(launch, "warm", lambda: 1.25)
    assert launch.main(["run", "app.py", "--server.port", "1"]) == 0
    assert started[-1]["args"] == ["run", "app.py", "--server.port", "1"]
    assert "warmed up in 1.2 s" in capsys.readouterr().err

    def broken():
        raise RuntimeError("no model")

    monkeypatch.setattr(launch, "warm", broken)
    assert launch.main(["run", "app.py"]) == 0 and started[-1]["args"] == ["run", "app.py"]
