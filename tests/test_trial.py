"""Virtual trials with the real chunk simulator (small n, a 7-day trial).

Both arms give ketamine (0.5 and 0.1 mg/kg IV over 40 min), so they share one compiled
model. The reference run is solved first, in this process, which exports the solve into the
test run's cache folder (KETASIM_JAX_CACHE, tests/conftest.py); the interrupted run's
subprocess, started after it, reads the solve back instead of compiling it again (on two
cores, compiling both at once cost a minute of the other test worker's time).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ketasim.experiments.loader import parse_experiment
from ketasim.trial.engine import run_trial
from ketasim.trial.spec import trial_spec
from ketasim.trial.tables import SINGLE_ARM, arm_summary, patient_table
from trial_helpers import MEAN_DIFFERENCE_MEASURE, assert_one_line_refusal, two_arm_trial

TRIAL = two_arm_trial() + MEAN_DIFFERENCE_MEASURE

DRIVER = """
import sys, time
from ketasim.experiments.loader import load_experiment
from ketasim.trial.chunk import simulate_chunk
from ketasim.trial.engine import run_trial
from ketasim.trial.spec import trial_spec

calls = 0

def stalls_after_three(*args, **kw):
    global calls
    calls += 1
    if calls > 3:
        time.sleep(3600)   # the 4th chunk never finishes: the test kills the process here
    return simulate_chunk(*args, **kw)

run_trial(trial_spec(load_experiment(sys.argv[1])), sys.argv[2], scheduler="sync", progress=False,
          simulate=stalls_after_three)
"""


def experiment(text=TRIAL):
    import tomllib

    return parse_experiment(tomllib.loads(text))


def with_seed(seed):
    return TRIAL.replace("seed = 1", f"seed = {seed}")


def endpoint_table(result):
    """Every single-arm endpoint at the end, and the per-patient table, as plain Python values."""
    summary = arm_summary(result.spec, result.arms, n_boot=0)
    def plain(x):
        return "nan" if isinstance(x, float) and np.isnan(x) else x

    values = {a: {e: plain(v.estimate) for e, v in vals.items()} for a, vals in summary.items()}
    table = {k: [plain(x) for x in col] for k, col in patient_table(result.spec, result.arms).to_pydict().items()}
    return values, table


def same_arrays(a, b):
    for name in a.arms:
        x, y = a.arms[name], b.arms[name]
        for f in ("madrs", "hamd", "baseline_madrs", "dropout_day", "dropout_side_effect", "cadss_peak", "patient"):
            np.testing.assert_array_equal(getattr(x, f), getattr(y, f), err_msg=f"{name}.{f}")
        for k in x.covariates:
            np.testing.assert_array_equal(x.covariates[k], y.covariates[k])
    return True


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted in-process run; it exports the solve into the test run's cache folder."""
    exp = experiment()
    return run_trial(trial_spec(exp), tmp_path_factory.mktemp("reference"), scheduler="sync", progress=False)


@pytest.fixture(scope="module")
def interrupted(reference, tmp_path_factory):
    """A trial process started after the reference run (so it reads the solve from the cache
    folder it inherits); it stalls for ever in its 4th chunk."""
    d = tmp_path_factory.mktemp("interrupted")
    (d / "trial.toml").write_text(TRIAL)
    (d / "driver.py").write_text(DRIVER)
    proc = subprocess.Popen([sys.executable, str(d / "driver.py"), str(d / "trial.toml"), str(d / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    yield proc, d / "out"
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_same_seed_same_table_other_seed_other_table(reference, tmp_path):
    spec = reference.spec
    assert spec.visits == (0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0)     # daily, plus the measure at 36 h
    again = run_trial(trial_spec(experiment()), tmp_path / "again", scheduler="sync", progress=False)
    first, second = endpoint_table(reference), endpoint_table(again)
    assert first == second
    other = run_trial(trial_spec(experiment(with_seed(2))), tmp_path / "other", scheduler="sync", progress=False)
    third = endpoint_table(other)
    assert third[1]["baseline_madrs"] != first[1]["baseline_madrs"]
    assert third[0] != first[0]
    # the stored values are scores on the MADRS scale, NaN only after a dropout
    for a in reference.arms.values():
        assert a.madrs.shape == (40, len(spec.visits))
        finite = np.isfinite(a.madrs)
        assert np.all((a.madrs[finite] >= 0) & (a.madrs[finite] <= 60))
        after = np.asarray(spec.visits)[None, :] > a.dropout_day[:, None]
        assert not np.any(finite & after)
        assert np.all(finite[:, 0])
    assert set(SINGLE_ARM) <= set(first[0]["ketamine"])


def test_killed_trial_resumes_to_the_uninterrupted_result(interrupted, reference):
    import zarr

    from ketasim.trial.store import done_flags

    proc, out = interrupted
    spec = reference.spec
    deadline = time.monotonic() + 400
    done = 0
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        if (out / "trial.zarr").exists():
            flags = done_flags(zarr.open_group(str(out / "trial.zarr"), mode="r"), spec)
            done = sum(int(f.sum()) for f in flags.values())
            if done >= 3:
                break
        time.sleep(0.2)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)     # SIGKILL mid-run, while the 4th chunk is being simulated
    proc.wait()
    flags = done_flags(zarr.open_group(str(out / "trial.zarr"), mode="r"), spec)
    assert [f.tolist() for f in flags.values()] == [[True, True, True, False], [False] * 4]
    resumed = run_trial(spec, out, scheduler="sync", progress=False)
    assert (resumed.chunks_run, resumed.chunks_skipped) == (5, 3)
    assert same_arrays(resumed, reference)
    for a in resumed.arms.values():
        assert sorted(a.patient.tolist()) == list(range(40))             # each patient exactly once
    flags = done_flags(zarr.open_group(str(out / "trial.zarr"), mode="r"), spec)
    assert all(f.all() for f in flags.values())
    assert endpoint_table(resumed) == endpoint_table(reference)


@pytest.mark.slow
def test_two_worker_local_cluster_equals_in_process(reference, tmp_path):
    dask = run_trial(reference.spec, tmp_path, workers=2, progress=False)
    assert dask.executor == "local:2" and dask.chunks_run == 8
    assert same_arrays(dask, reference)


def test_experiment_runner_scores_trial_measures(reference):
    from ketasim.experiments.run import run_experiment
    from ketasim.trial.endpoints import evaluate

    r = run_experiment(experiment(), keep_series=True)
    assert [m.name for m in r.measures] == ["ketamine response_rate at 1 d",
                                            "ketamine mean_difference vs low_dose at 36 h"]
    arms = reference.arms
    assert r.measures[0].simulated == evaluate("response_rate", "ketamine", arms["ketamine"], 1.0).estimate
    assert r.measures[1].simulated == evaluate("mean_difference", "ketamine", arms["ketamine"], 1.5, "low_dose",
                                               arms["low_dose"]).estimate
    assert r.passed
    t, y = r.measures[0].series
    assert t[0] == 0.0 and t[-1] == 7 * 1440.0 and len(y) == len(reference.spec.visits)
    # every arm, the comparator too, with its mean course and 95% band; the measure's curve is its arm's mean
    assert [c.arm for c in r.courses] == list(arms)
    ketamine = r.courses[0]
    assert ketamine.mean == y and ketamine.x == t and ketamine.n == arms["ketamine"].n
    assert all(lo <= m <= hi for c in r.courses for lo, m, hi in zip(c.low, c.mean, c.high))
    assert any(hi > lo for lo, hi in zip(ketamine.low, ketamine.high))


def test_outputs_parquet_summary_and_report(reference, tmp_path):
    import pyarrow.parquet as pq

    from ketasim.trial.summary import trial_outputs
    from ketasim.trial.tables import write_parquet

    out = trial_outputs(experiment(), reference, n_boot=200)
    write_parquet(out.patients, tmp_path / "endpoints.parquet")
    table = pq.read_table(tmp_path / "endpoints.parquet").to_pydict()
    assert len(table["patient"]) == 80 and table["arm"].count("ketamine") == 40
    k = reference.arms["ketamine"]
    rate = out.summary["arms"]["ketamine"]["response_rate"]
    resp = [r for a, r in zip(table["arm"], table["response_end"]) if a == "ketamine"]
    assert rate["estimate"] == pytest.approx(np.mean(resp))
    assert rate["ci"][0] <= rate["estimate"] <= rate["ci"][1]
    assert set(table["cyp2b6"]) <= {"*1/*1", "*1/*6", "*6/*6"}
    np.testing.assert_allclose([w for a, w in zip(table["arm"], table["weight"]) if a == "ketamine"],
                               k.covariates["weight"])
    json.dumps(out.summary)     # valid JSON (no NaN or inf objects)
    assert out.summary["experiment"]["passed"] is True
    assert "<svg" in out.html and "low_dose" in out.html and "CADSS peak mean" in out.html


# ------------------------------------------------------------------ bad input: one line, exit 2
def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ketasim", "trial", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env={**os.environ, "KETASIM_JAX_CACHE": "off"})


@pytest.mark.parametrize("old, new, extra, words", [
    ('cohort = "trd"', 'cohort = "trdd"', [], ["protocol.population.cohort", "unknown cohort 'trdd'"]),
    ('versus = "low_dose"', 'versus = "placebo"', [], ["measure[1].versus", "unknown arm 'placebo'"]),
    ("[protocol.arms.low_dose]\ndoses", "[protocol.arms.low_dose]\ndose", [], ["protocol.arms.low_dose.dose",
                                                                                "unknown key"]),
    ("", "", ["--patients", "0"], ["--patients"]),
    # the protocol's endpoint definitions: a remission line off the scale, a visit after the
    # trial, an unknown relapse rule
    ("[[measure]]", "[protocol.endpoints]\nremission_at_most = 70\n\n[[measure]]", [],
     ["protocol.endpoints.remission_at_most", "outside the MADRS scale"]),
    ("[[measure]]", '[protocol.endpoints]\nvisits = ["1 d", "8 d"]\n\n[[measure]]', [],
     ["protocol.endpoints.visits[1]", "outside the trial"]),
    ("[[measure]]", '[protocol.endpoints]\nrelapse = "two_visits"\n\n[[measure]]', [],
     ["protocol.endpoints.relapse", "unknown value 'two_visits'"]),
])
def test_malformed_trial_is_one_line_exit_2_nothing_written(tmp_path, old, new, extra, words):
    f = tmp_path / "bad.toml"
    f.write_text(TRIAL.replace(old, new, 1) if old else TRIAL)
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("precious")
    r = cli(str(f), "--out", str(out), *extra)
    assert_one_line_refusal(r, out, words)


@pytest.mark.parametrize("old, new, words", [
    ("n = 40", "n = 0", ["protocol.population.n"]),
    ('endpoint = "response_rate"', 'endpoint = "response"', ["measure[0].endpoint"]),
    ('versus = "low_dose"\n', "", ["measure[1]", "mean_difference needs 'versus'"]),
    ('endpoint = "response_rate"', 'endpoint = "response_rate"\nstatistic = "max"', ["measure[0]", "not both"]),
    ("[protocol.population]", "[protocol.populatio]", ["protocol.populatio", "unknown key"]),
    ('chunk = 10\n', 'chunk = 10\n[protocol.arms."a b"]\n', ["arms.a b"]),
    ('[[measure]]\narm = "ketamine"\nendpoint = "response_rate"',
     '[[measure]]\nobservable = "madrs"\nstatistic = "max"', ["measure[0]", "scored by endpoints"]),
])
def test_schema_errors_name_the_field(old, new, words):
    from ketasim.errors import InputError

    assert old in TRIAL
    with pytest.raises(InputError) as exc:
        experiment(TRIAL.replace(old, new, 1))
    for w in words:
        assert w in str(exc.value), str(exc.value)


def test_an_existing_store_of_another_trial_is_refused(tmp_path):
    from test_trial_store import fake_simulate

    f = tmp_path / "trial.toml"
    f.write_text(TRIAL)
    run_trial(trial_spec(experiment(), patients=20, check_models=False), tmp_path / "out", scheduler="sync",
              progress=False, simulate=fake_simulate)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in (tmp_path / "out").rglob("*"))
    r = cli(str(f), "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "differs in n" in r.stderr and "--out" in r.stderr
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (tmp_path / "out").rglob("*")) == before
