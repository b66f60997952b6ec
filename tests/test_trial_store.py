"""Trial store, resume and Dask plumbing with a fake (instant) chunk simulator.

The fake is deterministic per patient, like `simulate_chunk`: patient i's values depend
only on (seed, arm, cohort, i). The real simulator is exercised in test_trial.py.
"""

import zlib

import numpy as np
import pytest

from ketasim.clinical.chunk import ChunkResult, TrialArm
from ketasim.engine.dosing import DoseEvent
from ketasim.errors import InputError
from ketasim.trial.engine import run_trial
from ketasim.trial.spec import TrialSpec, visit_days
from ketasim.trial.store import TrialStoreError, done_flags, open_store

GENOTYPES = np.array(["*1/*1", "*1/*6", "*6/*6"])


def fake_simulate(arm, cohort, start, n, seed, visits, species="human", batch=None):
    """Instant stand-in for simulate_chunk with the same per-patient determinism."""
    rows = []
    for i in range(start, start + n):
        rng = np.random.default_rng([seed, zlib.crc32(f"{arm.name}/{cohort}".encode()), i])
        base = 25 + 10 * rng.random()
        m = base * np.exp(-rng.random() * np.asarray(visits) / 3)
        drop = 1.0 + 5 * rng.random() if rng.random() < 0.2 else np.inf
        m[np.asarray(visits) > drop] = np.nan
        rows.append((m, base, drop, bool(rng.random() < 0.5), 5 * rng.random(), 50 + 40 * rng.random(),
                     GENOTYPES[rng.integers(3)], "val/met" if rng.random() < 0.3 else "val/val"))
    col = list(zip(*rows))
    madrs = np.stack(col[0])
    return ChunkResult(patient=np.arange(start, start + n), visits=np.asarray(visits, float), madrs=madrs,
                       hamd=0.8 * madrs, baseline_madrs=np.array(col[1]), dropout_day=np.array(col[2]),
                       dropout_side_effect=np.array(col[3]) & np.isfinite(col[2]), cadss_peak=np.array(col[4]),
                       covariates={"weight": np.array(col[5]), "cyp2b6": np.array(col[6]),
                                   "bdnf": np.array(col[7])})


class Failing:
    """The fake, raising on its k-th call (a crash mid-trial)."""

    def __init__(self, k):
        self.k, self.calls = k, []

    def __call__(self, arm, cohort, start, n, *args, **kw):
        self.calls.append((arm.name, start))
        if len(self.calls) == self.k:
            raise KeyboardInterrupt("simulated crash")
        return fake_simulate(arm, cohort, start, n, *args, **kw)


def spec(n=23, chunk=7, seed=5):
    arms = (TrialArm("placebo", (DoseEvent("saline", "iv", 0.0, duration=40.0),)),
            TrialArm("ketamine", (DoseEvent("ketamine", "iv", 0.5, True, 0.0, 40.0),), (("opioid_gate", "none"),),
                     blinded=False))
    return TrialSpec("fake", "fake trial", "human", "trd", n, seed, chunk, 5.0, visit_days(5.0, (2.5,)), arms)


def same(r1, r2):
    for name in r1.arms:
        a, b = r1.arms[name], r2.arms[name]
        for f in ("madrs", "hamd", "baseline_madrs", "dropout_day", "dropout_side_effect", "cadss_peak", "patient"):
            np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f"{name}.{f}")
        assert a.covariates.keys() == b.covariates.keys()
        for k in a.covariates:
            np.testing.assert_array_equal(a.covariates[k], b.covariates[k])
    return True


def test_results_do_not_depend_on_chunking_and_round_trip_through_the_store(tmp_path):
    s = spec()
    r = run_trial(s, tmp_path / "a", scheduler="sync", progress=False, simulate=fake_simulate)
    assert r.chunks_run == 2 * 4 and r.chunks_skipped == 0          # 23 patients in chunks of 7: 7, 7, 7, 2
    one = run_trial(spec(chunk=23), tmp_path / "b", scheduler="sync", progress=False, simulate=fake_simulate)
    assert same(r, one)
    direct = fake_simulate(s.arms[1], "trd", 0, 23, 5, s.visits)
    k = r.arms["ketamine"]
    np.testing.assert_array_equal(k.madrs, direct.madrs)            # NaN after dropout kept
    np.testing.assert_array_equal(k.covariates["cyp2b6"], direct.covariates["cyp2b6"])   # codes decoded
    np.testing.assert_array_equal(k.covariates["weight"], direct.covariates["weight"])
    np.testing.assert_array_equal(k.visits, [0, 1, 2, 2.5, 3, 4, 5])
    assert not np.array_equal(r.arms["placebo"].madrs, k.madrs)


def test_a_crash_mid_run_resumes_without_losing_or_repeating_patients(tmp_path):
    s = spec()
    crash = Failing(k=4)
    with pytest.raises(KeyboardInterrupt):
        run_trial(s, tmp_path, scheduler="sync", progress=False, simulate=crash)
    import zarr

    flags = done_flags(zarr.open_group(str(tmp_path / "trial.zarr"), mode="r"), s)
    assert flags["placebo"].tolist() == [True, True, True, False] and not flags["ketamine"].any()
    resumed = Failing(k=0)
    r = run_trial(s, tmp_path, scheduler="sync", progress=False, simulate=resumed)
    assert resumed.calls == [("placebo", 21), ("ketamine", 0), ("ketamine", 7), ("ketamine", 14), ("ketamine", 21)]
    assert (r.chunks_run, r.chunks_skipped) == (5, 3)
    ref = run_trial(s, tmp_path / "ref", scheduler="sync", progress=False, simulate=fake_simulate)
    assert same(r, ref)
    again = Failing(k=0)
    run_trial(s, tmp_path, scheduler="sync", progress=False, simulate=again)
    assert again.calls == []                                          # all done: nothing re-run


def test_a_store_of_another_trial_is_refused_and_left_alone(tmp_path):
    run_trial(spec(), tmp_path, scheduler="sync", progress=False, simulate=fake_simulate)
    before = sorted(p.stat().st_mtime_ns for p in (tmp_path / "trial.zarr").rglob("*"))
    with pytest.raises(TrialStoreError, match="differs in seed"):
        open_store(tmp_path / "trial.zarr", spec(seed=6))
    with pytest.raises(TrialStoreError, match="differs in n"):
        run_trial(spec(n=30), tmp_path, scheduler="sync", progress=False, simulate=fake_simulate)
    assert sorted(p.stat().st_mtime_ns for p in (tmp_path / "trial.zarr").rglob("*")) == before
    (tmp_path / "other.zarr").mkdir()
    (tmp_path / "other.zarr" / "x").write_text("not a store")
    with pytest.raises(InputError, match="not a ketasim trial store"):
        open_store(tmp_path / "other.zarr", spec())


def test_local_cluster_equals_in_process(tmp_path):
    s = spec(n=40, chunk=10)
    sync = run_trial(s, tmp_path / "sync", scheduler="sync", progress=False, simulate=fake_simulate)
    dask = run_trial(s, tmp_path / "dask", workers=2, progress=False, simulate=fake_simulate)
    assert dask.executor == "local:2" and dask.chunks_run == 8
    assert same(sync, dask)
