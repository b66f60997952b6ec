"""Trial store, resume and Dask plumbing with a fake (instant) chunk simulator.

The fake is deterministic per patient, like `simulate_chunk`: patient i's values depend
only on (seed, arm, cohort, i). The real simulator is exercised in test_trial.py.
"""

import tomllib
import zlib

import numpy as np
import pytest

from ketasim.engine.dosing import DoseEvent
from ketasim.errors import InputError
from ketasim.trial.chunk import ChunkResult, TrialArm
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


# ------------------------------------------------------------------ a resume that verifies what it trusts
def chunk_file(store, arm, array, chunk):
    """The file of one trial chunk of one array (zarr v3 layout: c/<i> or c/<i>/0)."""
    base = store / arm / array / "c" / str(chunk)
    return base / "0" if base.is_dir() else base


def delete_madrs_of_chunk(store):
    chunk_file(store, "ketamine", "madrs", 1).unlink()          # its done flag stays set
    chunk_file(store, "ketamine", "hamd", 1).unlink()


def delete_patient_chunk(store):
    chunk_file(store, "placebo", "patient", 1).unlink()


def garbage_done_flag(store):
    chunk_file(store, "placebo", "done", 2).write_bytes(b"\x00garbage\xff")


def wrong_checksum_in_done_flag(store):
    import zarr

    zarr.open_group(str(store), mode="r+")["ketamine"]["done"][0] = np.full(32, 7, np.uint8)


def truncated_array(store):
    f = chunk_file(store, "ketamine", "cadss_peak", 3)
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def changed_value(store):
    import zarr

    zarr.open_group(str(store), mode="r+")["placebo"]["baseline_madrs"][8] = 99.0   # chunk 1, a plausible value


def garbage_covariate_metadata(store):
    (store / "placebo" / "covariates" / "weight" / "zarr.json").write_text("garbage")


def whole_madrs_array_deleted(store):
    import shutil

    shutil.rmtree(store / "ketamine" / "madrs")


def garbage_arm_group(store):
    (store / "placebo" / "zarr.json").write_text("garbage")


def unreadable_visits(store):
    (store / "visits" / "c" / "0").write_bytes(b"xx")


TAMPER = {  # damage -> (chunks recomputed as (arm, first patient), words of the status lines)
    "madrs arrays of a done chunk deleted": (delete_madrs_of_chunk, [("ketamine", 7)],
                                             ["chunk 1 of arm ketamine (patients 7-13)", "checksum"]),
    "patient/c/1 deleted": (delete_patient_chunk, [("placebo", 7)],
                            ["chunk 1 of arm placebo (patients 7-13)", "checksum"]),
    "garbage in a done flag": (garbage_done_flag, [("placebo", 14)],
                               ["chunk 2 of arm placebo (patients 14-20)", "done flag cannot be read"]),
    "a done flag with another checksum": (wrong_checksum_in_done_flag, [("ketamine", 0)],
                                          ["chunk 0 of arm ketamine (patients 0-6)", "checksum"]),
    "truncated array": (truncated_array, [("ketamine", 21)],
                        ["chunk 3 of arm ketamine (patients 21-22)", "cadss_peak cannot be read"]),
    "a value changed": (changed_value, [("placebo", 7)], ["chunk 1 of arm placebo", "checksum"]),
    "covariate metadata garbage": (garbage_covariate_metadata, [("placebo", s) for s in (0, 7, 14, 21)],
                                   ["arm placebo: array covariates/weight is unreadable", "chunk 3 of arm placebo"]),
    "a whole array deleted": (whole_madrs_array_deleted, [("ketamine", s) for s in (0, 7, 14, 21)],
                              ["arm ketamine: array madrs is missing; recreated", "chunk 0 of arm ketamine"]),
    "an arm's group metadata garbage": (garbage_arm_group, [("placebo", s) for s in (0, 7, 14, 21)],
                                        ["arm placebo: its group is unreadable", "recomputed"]),
    "visits unreadable": (unreadable_visits, [], ["visits: unreadable", "rewritten"]),   # the spec's: no recompute
}


@pytest.mark.parametrize("damage", list(TAMPER))
def test_a_damaged_chunk_is_recomputed_to_the_fresh_result(tmp_path, damage):
    tamper, expected_calls, words = TAMPER[damage]
    s = spec()
    run_trial(s, tmp_path / "run", scheduler="sync", progress=False, simulate=fake_simulate)
    tamper(tmp_path / "run" / "trial.zarr")
    lines, resumed = [], Failing(k=0)
    r = run_trial(s, tmp_path / "run", scheduler="sync", progress=False, simulate=resumed, notify=lines.append)
    assert resumed.calls == expected_calls                         # exactly the damaged chunks, nothing else
    assert (r.chunks_run, r.chunks_skipped) == (len(expected_calls), 8 - len(expected_calls))
    assert lines and all("\n" not in line for line in lines) and list(r.recomputed) == [
        line.split(": ", 1)[1] for line in lines]
    assert all(any(w in line for line in lines) for w in words), lines
    fresh = run_trial(s, tmp_path / "fresh", scheduler="sync", progress=False, simulate=fake_simulate)
    assert same(r, fresh)
    again, quiet = Failing(k=0), []
    run_trial(s, tmp_path / "run", scheduler="sync", progress=False, simulate=again, notify=quiet.append)
    assert again.calls == [] and quiet == []                      # repaired: trusted from now on


def test_a_deleted_madrs_chunk_no_longer_changes_the_response_rate(tmp_path):
    """The issue's reproducer: with the flag still set, the old store read NaN (dropouts) for
    the deleted chunk and the response rate fell; now the chunk is recomputed."""
    from ketasim.trial.endpoints import evaluate

    s = spec(n=40, chunk=10)
    fresh = run_trial(s, tmp_path / "fresh", scheduler="sync", progress=False, simulate=fake_simulate)
    run_trial(s, tmp_path / "run", scheduler="sync", progress=False, simulate=fake_simulate)
    store = tmp_path / "run" / "trial.zarr"
    chunk_file(store, "ketamine", "madrs", 2).unlink()
    import zarr

    damaged = zarr.open_group(str(store), mode="r")["ketamine"]["madrs"][20:30]
    assert np.isnan(damaged).all()                                 # what the old resume would have trusted
    r = run_trial(s, tmp_path / "run", scheduler="sync", progress=False, simulate=fake_simulate,
                  notify=lambda line: None)
    rate = evaluate("response_rate", "ketamine", r.arms["ketamine"], s.duration_days, n_boot=0, seed=s.seed)
    ref = evaluate("response_rate", "ketamine", fresh.arms["ketamine"], s.duration_days, n_boot=0, seed=s.seed)
    assert rate.estimate == ref.estimate and r.chunks_run == 1


def test_an_old_format_store_is_refused_in_one_line(tmp_path):
    import zarr

    run_trial(spec(), tmp_path, scheduler="sync", progress=False, simulate=fake_simulate)
    zarr.open_group(str(tmp_path / "trial.zarr"), mode="r+").attrs["format_version"] = 1
    with pytest.raises(TrialStoreError, match="format 1") as exc:
        open_store(tmp_path / "trial.zarr", spec())
    assert "\n" not in str(exc.value)


# ------------------------------------------------------------------ same seed, same bytes, resumed or not
TRIAL = """
id = "store-trial"
title = "Ketamine versus saline (a fake simulator)"
source = "test"
tags = ["clinical"]

[protocol]
duration = "5 d"

[protocol.population]
n = 17
seed = 3
cohort = "trd"
chunk = 5

[protocol.arms.ketamine]
doses = [{ drug = "ketamine", route = "iv", dose = "0.5 mg/kg", duration = "40 min" }]

[protocol.arms.low]
doses = [{ drug = "ketamine", route = "iv", dose = "0.1 mg/kg", duration = "40 min" }]

[[measure]]
arm = "ketamine"
endpoint = "response_rate"
at = "2 d"
range = [0.0, 1.0]
"""


def written(exp, result, folder):
    """What `ketasim trial` writes from a result: endpoints.parquet, summary.json, report.html (bytes)."""
    import json

    from ketasim.trial.summary import trial_outputs
    from ketasim.trial.tables import write_parquet

    out = trial_outputs(exp, result, n_boot=50)
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet(out.patients, folder / "endpoints.parquet")
    (folder / "summary.json").write_text(json.dumps(out.summary, indent=1))
    return {"endpoints.parquet": (folder / "endpoints.parquet").read_bytes(),
            "summary.json": (folder / "summary.json").read_bytes(), "report.html": out.html, "run": out.run}


def test_fresh_and_resumed_runs_write_byte_identical_outputs(tmp_path):
    """One seed: the same endpoints.parquet and summary.json bytes whether the trial ran at
    once, was killed and resumed, or had a chunk damaged and recomputed, and the same report
    (it carries no generation time). Sitting details are in `run`, not in the files."""
    import pyarrow.parquet as pq

    from ketasim.experiments.loader import parse_experiment
    from ketasim.trial.spec import trial_spec

    exp = parse_experiment(tomllib.loads(TRIAL), "store-trial.toml")
    s = trial_spec(exp, check_models=False)
    fresh = run_trial(s, tmp_path / "fresh", scheduler="sync", progress=False, simulate=fake_simulate)
    with pytest.raises(KeyboardInterrupt):
        run_trial(s, tmp_path / "killed", scheduler="sync", progress=False, simulate=Failing(k=5))
    resumed = run_trial(s, tmp_path / "killed", scheduler="sync", progress=False, simulate=fake_simulate)
    assert (resumed.chunks_run, resumed.chunks_skipped) == (4, 4)
    chunk_file(tmp_path / "killed" / "trial.zarr", "low", "madrs", 0).unlink()
    repaired = run_trial(s, tmp_path / "killed", scheduler="sync", progress=False, simulate=fake_simulate,
                         notify=lambda line: None)
    assert repaired.chunks_run == 1
    a = written(exp, fresh, tmp_path / "out-fresh")
    for result, name in ((resumed, "resumed"), (repaired, "repaired")):
        b = written(exp, result, tmp_path / f"out-{name}")
        assert a["endpoints.parquet"] == b["endpoints.parquet"], name
        assert a["summary.json"] == b["summary.json"], name
        assert a["report.html"] == b["report.html"], name
        assert a["run"]["chunks_run"] == 8 and b["run"]["chunks_run"] < 8     # the sitting, kept apart
    columns = pq.read_table(tmp_path / "out-fresh" / "endpoints.parquet").column_names
    assert columns[-3:] == ["bdnf", "cyp2b6", "weight"]                        # covariates in name order
    assert columns[:2] == ["arm", "patient"]


def test_the_checksum_covers_names_values_types_and_shapes_not_mapping_order():
    from ketasim.trial.checksum import chunk_checksum

    base = {"madrs": np.array([[30.0, 20.0], [28.0, np.nan]]), "patient": np.array([0, 1]),
            "covariates/cyp2b6": np.array(["*1/*1", "*1/*6"])}
    ref = chunk_checksum(base)
    assert len(ref) == 32 and chunk_checksum(dict(reversed(list(base.items())))) == ref
    assert chunk_checksum({**base, "covariates/cyp2b6": np.array(["*1/*1", "*1/*6"], dtype=object)}) == ref
    changed = [
        {**base, "madrs": np.array([[30.0, 20.0], [28.0, 11.0]])},            # a value (NaN -> number)
        {**base, "patient": np.array([0, 1], dtype=np.int32)},                # a type
        {**base, "madrs": base["madrs"].reshape(1, 4)},                       # a shape
        {k if k != "patient" else "patients": v for k, v in base.items()},    # a name
        {k: v for k, v in base.items() if k != "covariates/cyp2b6"},          # an array missing
        {**base, "covariates/cyp2b6": np.array(["*1/*1*", "1/*6"])},          # strings split elsewhere
    ]
    assert len({chunk_checksum(c) for c in changed} | {ref}) == len(changed) + 1
