"""Trial shards (`--shard I/N`, HPC array jobs) and their merge, with the fake (instant) chunk simulator.

The fake is deterministic per patient like `simulate_chunk` (test_trial_store.py), so a
sharded and merged trial must equal the unsharded one array for array and byte for byte.
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.trial.engine import run_trial
from ketasim.trial.merge import MergeError, merge_shards
from ketasim.trial.shard import Shard, parse_shard, store_shard
from trial_helpers import assert_one_line_refusal
from test_trial_store import TRIAL, Failing, chunk_file, fake_simulate, same, spec, written


def run(s, folder, shard=None, simulate=fake_simulate, **kw):
    return run_trial(s, folder, scheduler="sync", progress=False, simulate=simulate, shard=shard, **kw)


def store_arrays(path):
    """Every array of a trial store (path -> values; text covariates with their code table)."""
    import zarr

    root = zarr.open_group(str(path), mode="r")
    out = {}

    def walk(group, prefix):
        for name, a in group.arrays():
            out[prefix + name] = (a[:], list(a.attrs.get("codes", [])))
        for name, g in group.groups():
            walk(g, f"{prefix}{name}/")

    walk(root, "")
    return out


def assert_same_store(a, b):
    x, y = store_arrays(a), store_arrays(b)
    assert sorted(x) == sorted(y)
    for name in x:
        np.testing.assert_array_equal(x[name][0], y[name][0], err_msg=name)
        assert x[name][1] == y[name][1], name


# ------------------------------------------------------------------ which chunks a shard runs
def test_shards_number_from_one_and_partition_every_chunk_over_all_arms():
    s = spec()                                           # 2 arms x 4 chunks: global numbers 0..7
    assert Shard(1, 3).chunks(s) == ((0, 0), (0, 3), (1, 2))
    assert Shard(2, 3).chunks(s) == ((0, 1), (1, 0), (1, 3))
    assert Shard(3, 3).chunks(s) == ((0, 2), (1, 1))
    assert Shard(1, 1).chunks(s) == tuple((a, c) for a in range(2) for c in range(4))
    for n in range(1, 11):
        parts = [set(Shard(i, n).chunks(s)) for i in range(1, n + 1)]
        assert set().union(*parts) == {(a, c) for a in range(2) for c in range(4)}
        assert sum(len(p) for p in parts) == 8                              # disjoint
        assert max(map(len, parts)) - min(map(len, parts)) <= 1            # balanced
    assert Shard(2, 4).store_name == "trial.shard-2-of-4.zarr" and store_shard("trial.shard-2-of-4.zarr") == Shard(2, 4)
    assert store_shard("trial.zarr") is None and store_shard("trial.shard-5-of-4.zarr") is None


@pytest.mark.parametrize("text, words", [
    ("abc", ["is not I/N"]), ("", ["is not I/N"]), ("1/", ["is not I/N"]), ("1/2/3", ["is not I/N"]),
    ("-1/2", ["is not I/N"]), ("1.5/2", ["is not I/N"]), ("0/2", ["between 1 and N (2)", "numbered from 1"]),
    ("3/2", ["between 1 and N (2)"]), ("1/0", ["N must be at least 1"]), ("x" * 500, ["is not I/N", "500 characters"]),
])
def test_bad_shard_text_is_one_line_naming_the_option(text, words):
    with pytest.raises(InputError) as exc:
        parse_shard(text, "--shard")
    msg = str(exc.value)
    assert msg.startswith("--shard: ") and "\n" not in msg and len(msg) < 200, msg
    assert all(w in msg for w in words), msg


def test_good_shard_text():
    assert parse_shard("2/4") == Shard(2, 4) and parse_shard(" 1 / 1 ") == Shard(1, 1)
    assert parse_shard("4/4").text == "4/4"


# ------------------------------------------------------------------ shards + merge = the unsharded run
def test_two_shards_merged_equal_the_unsharded_run_array_for_array_and_byte_for_byte(tmp_path):
    from ketasim.experiments.loader import parse_experiment
    from ketasim.trial.spec import trial_spec

    exp = parse_experiment(tomllib.loads(TRIAL), "store-trial.toml")
    s = trial_spec(exp, check_models=False)                 # 2 arms x 17 patients in chunks of 5: 8 chunks
    full = run(s, tmp_path / "full")
    first = run(s, tmp_path / "shards", Shard(1, 2))
    second = run(s, tmp_path / "shards", Shard(2, 2))
    assert (first.chunks_run, second.chunks_run) == (4, 4) and first.arms == {} and first.shard == Shard(1, 2)
    assert first.store == tmp_path / "shards" / "trial.shard-1-of-2.zarr"
    assert not (tmp_path / "shards" / "trial.zarr").exists()
    merged = merge_shards(s, [tmp_path / "shards"], tmp_path / "merged")
    assert (merged.chunks_run, merged.chunks_merged, merged.executor) == (0, 8, "merge:2 shards")
    assert same(merged, full)
    assert_same_store(tmp_path / "merged" / "trial.zarr", tmp_path / "full" / "trial.zarr")   # done flags too
    a, b = written(exp, full, tmp_path / "out-full"), written(exp, merged, tmp_path / "out-merged")
    assert a["endpoints.parquet"] == b["endpoints.parquet"]
    assert a["summary.json"] == b["summary.json"] and a["report.html"] == b["report.html"]
    assert json.loads(b["summary.json"])["arms"]["ketamine"]["response_rate"]["estimate"] == pytest.approx(
        json.loads(a["summary.json"])["arms"]["ketamine"]["response_rate"]["estimate"])
    again = merge_shards(s, [tmp_path / "shards" / "trial.shard-2-of-2.zarr",   # stores named one by one
                             tmp_path / "shards" / "trial.shard-1-of-2.zarr"], tmp_path / "merged")
    assert same(again, full)                                                      # merging again: the same


def test_a_killed_shard_resumes_its_own_chunks_only(tmp_path):
    s = spec()
    with pytest.raises(KeyboardInterrupt):
        run(s, tmp_path, Shard(2, 3), simulate=Failing(k=2))
    resumed = Failing(k=0)
    r = run(s, tmp_path, Shard(2, 3), simulate=resumed)
    assert resumed.calls == [("ketamine", 0), ("ketamine", 21)]     # (0,1) done before the kill; (1,0), (1,3) left
    assert (r.chunks_run, r.chunks_skipped) == (2, 1)
    for i in (1, 3):
        run(s, tmp_path, Shard(i, 3))
    assert same(merge_shards(s, [tmp_path], tmp_path / "merged"), run(s, tmp_path / "full"))


# ------------------------------------------------------------------ refusals: one line, nothing written
def shards_of(s, folder, n, which=None):
    for i in which or range(1, n + 1):
        run(s, folder, Shard(i, n))
    return folder


def assert_refused(s, paths, out, *words):
    with pytest.raises(MergeError) as exc:
        merge_shards(s, paths, out, "--merge")
    msg = str(exc.value)
    assert msg.startswith("--merge: ") and "\n" not in msg, msg
    assert all(w in msg for w in words), msg
    assert not out.exists()                                            # checked before anything is written
    return msg


def test_overlapping_shards_are_refused(tmp_path):
    s = spec()
    shards_of(s, tmp_path / "a", 2)
    shutil.copytree(tmp_path / "a" / "trial.shard-1-of-2.zarr", tmp_path / "copy" / "trial.shard-1-of-2.zarr")
    assert_refused(s, [tmp_path / "a", tmp_path / "copy"], tmp_path / "out", "shard 1/2 is given twice")
    assert_refused(s, [tmp_path / "a", tmp_path / "a" / "trial.shard-2-of-2.zarr"], tmp_path / "out", "given twice")
    shards_of(s, tmp_path / "b", 3, [1])                            # chunks (0,0), (0,3), (1,2): in 1/2 and 2/2
    assert_refused(s, [tmp_path / "a", tmp_path / "b"], tmp_path / "out", "overlapping shards",
            "chunk 0 of arm placebo (patients 0-6)", "shard 1/2", "shard 1/3", "and 2 more chunks",
            "one N, each shard once")


@pytest.mark.parametrize("other, words", [
    (spec(seed=6), ["differs in seed", "options (patients, parameters) the shards ran with"]),
    (spec(n=30), ["differs in n"]),
    (spec(chunk=5), ["differs in chunk"]),
])
def test_shards_of_another_trial_are_refused(tmp_path, other, words):
    s = spec()
    shards_of(s, tmp_path / "shards", 2, [1])
    shards_of(other, tmp_path / "shards", 2, [2])
    assert_refused(s, [tmp_path / "shards"], tmp_path / "out", "trial.shard-2-of-2.zarr", *words)


def test_missing_chunks_are_refused_naming_them_and_their_shard(tmp_path):
    s = spec()
    shards_of(s, tmp_path, 3, [1, 3])
    assert_refused(s, [tmp_path], tmp_path / "out", "missing chunks", "chunk 1 of arm placebo (patients 7-13)",
            "chunk 0 of arm ketamine (patients 0-6)", "chunk 3 of arm ketamine (patients 21-22)",
            "belong to shard 2/3")
    with pytest.raises(KeyboardInterrupt):
        run(s, tmp_path, Shard(2, 3), simulate=Failing(k=3))        # killed in its last chunk
    msg = assert_refused(s, [tmp_path], tmp_path / "out", "chunk 3 of arm ketamine (patients 21-22)", "shard 2/3")
    assert "chunk 1 of arm placebo" not in msg


def test_a_damaged_chunk_in_a_shard_is_refused_until_the_shard_is_run_again(tmp_path):
    s = spec()
    shards_of(s, tmp_path, 2)
    chunk_file(tmp_path / "trial.shard-2-of-2.zarr", "ketamine", "madrs", 3).unlink()
    assert_refused(s, [tmp_path], tmp_path / "out", "trial.shard-2-of-2.zarr (shard 2/2)",
            "chunk 3 of arm ketamine (patients 21-22)", "checksum", "run shard 2/2 again")
    lines, again = [], Failing(k=0)
    run(s, tmp_path, Shard(2, 2), simulate=again, notify=lines.append)
    assert again.calls == [("ketamine", 21)] and len(lines) == 1
    assert same(merge_shards(s, [tmp_path], tmp_path / "out"), run(s, tmp_path / "full"))


def test_what_is_not_a_shard_is_refused(tmp_path):
    s = spec()
    run(s, tmp_path / "whole")
    assert_refused(s, [tmp_path / "whole" / "trial.zarr"], tmp_path / "out", "is not a shard store")
    assert_refused(s, [tmp_path / "whole"], tmp_path / "out", "holds no shard stores")
    assert_refused(s, [tmp_path / "nowhere"], tmp_path / "out", "does not exist")
    assert_refused(s, [], tmp_path / "out", "no shard stores given")
    (tmp_path / "junk" / "trial.shard-1-of-1.zarr").mkdir(parents=True)
    assert_refused(s, [tmp_path / "junk"], tmp_path / "out", "is not a ketasim trial store")


def test_a_shard_store_opened_as_another_shard_is_refused(tmp_path):
    from ketasim.trial.store import TrialStoreError

    s = spec()
    run(s, tmp_path, Shard(1, 2))
    os.rename(tmp_path / "trial.shard-1-of-2.zarr", tmp_path / "trial.shard-2-of-2.zarr")
    with pytest.raises(TrialStoreError, match="holds shard 1/2 of this trial, not shard 2/2"):
        run(s, tmp_path, Shard(2, 2))


# ------------------------------------------------------------------ ketasim.run_trial and the command line
@pytest.fixture
def instant(monkeypatch):
    """ketasim.run_trial with the fake simulator and no typical-patient section (no JAX)."""
    import ketasim.trial.engine as engine
    import ketasim.trial.mechanism as mechanism

    monkeypatch.setattr(engine, "default_simulate", lambda: fake_simulate)
    monkeypatch.setattr(mechanism, "typical_courses", lambda spec: None)
    monkeypatch.setattr(mechanism, "mechanism_html", lambda spec, courses: "")


def test_run_trial_shards_and_merge_write_the_unsharded_outputs(tmp_path, instant):
    from ketasim import run_trial as api_run_trial
    from ketasim.trial.summary import ShardOutputs

    f = tmp_path / "trial.toml"
    f.write_text(TRIAL)
    full = api_run_trial(f, out=tmp_path / "full", workers=0, bootstrap=20)
    parts = [api_run_trial(f, out=tmp_path / "shards", workers=0, shard=f"{i}/2") for i in (1, 2)]
    assert all(isinstance(p, ShardOutputs) for p in parts)
    assert [(p.chunks, p.patients, p.trial_chunks, p.trial_patients) for p in parts] == [(4, 20, 8, 34),
                                                                                         (4, 14, 8, 34)]
    assert sorted(p.name for p in (tmp_path / "shards").iterdir()) == ["trial.shard-1-of-2.zarr",
                                                                        "trial.shard-2-of-2.zarr"]
    merged = api_run_trial(f, out=tmp_path / "merged", bootstrap=20, merge=[tmp_path / "shards"])
    assert merged.run["chunks_merged"] == 8 and merged.run["chunks_run"] == 0 and full.run["chunks_run"] == 8
    for name in ("endpoints.parquet", "summary.json", "report.html"):
        assert (tmp_path / "merged" / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
    assert merged.summary == full.summary
    with pytest.raises(InputError, match="^shard: 0/2: I must be between 1 and N"):
        api_run_trial(f, out=tmp_path / "x", shard="0/2")
    with pytest.raises(InputError, match="^merge: not with shard"):
        api_run_trial(f, out=tmp_path / "x", shard="1/2", merge=[tmp_path / "shards"])
    with pytest.raises(InputError, match="^merge: .*differs in n"):
        api_run_trial(f, patients=5, out=tmp_path / "x", merge=[tmp_path / "shards"])
    assert not (tmp_path / "x").exists()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "ketasim", "trial", *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "KETASIM_JAX_CACHE": "off"})


@pytest.mark.parametrize("extra, words", [
    (["--shard", "3/2"], ["--shard: 3/2: I must be between 1 and N (2)"]),
    (["--shard", "first"], ["--shard: 'first' is not I/N"]),
    (["--shard", "1/2", "--merge", "."], ["--merge: not with --shard"]),
    (["--merge", "nowhere"], ["--merge: nowhere does not exist"]),
])
def test_bad_shard_options_are_one_line_exit_2_nothing_written(tmp_path, extra, words):
    f = tmp_path / "trial.toml"
    f.write_text(TRIAL)
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("precious")
    r = cli(str(f), "--out", str(out), *extra)
    assert_one_line_refusal(r, out, words)


def test_the_command_refuses_a_missing_shard_in_one_line(tmp_path):
    from ketasim.experiments.loader import parse_experiment
    from ketasim.trial.spec import trial_spec

    f = tmp_path / "trial.toml"
    f.write_text(TRIAL)
    s = trial_spec(parse_experiment(tomllib.loads(TRIAL), "t.toml"))      # the command's spec (models checked)
    run(s, tmp_path / "shards", Shard(1, 2))
    r = cli(str(f), "--out", str(tmp_path / "out"), "--merge", str(tmp_path / "shards"))
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --merge: missing chunks"), r.stderr
    assert "belong to shard 2/2" in lines[0] and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_the_real_simulator_sharded_and_merged_writes_the_unsharded_outputs(tmp_path):
    """The command line end to end with the mechanistic simulator: 2 shards + merge = the unsharded run."""
    from test_trial import TRIAL as REAL

    f = tmp_path / "trial.toml"
    f.write_text(REAL.replace("n = 40", "n = 6").replace("chunk = 10", "chunk = 2"))   # 2 arms x 3 chunks
    env = {**os.environ, "KETASIM_JAX_CACHE": str(tmp_path / "jax-cache")}

    def trial(*args):
        r = subprocess.run([sys.executable, "-m", "ketasim", "trial", str(f), "--workers", "0", "--bootstrap", "50",
                            "--json", *args], capture_output=True, text=True, timeout=3600, env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        return json.loads(r.stdout)

    trial("--out", str(tmp_path / "full"))
    shards = [trial("--out", str(tmp_path / "shards"), "--shard", f"{i}/2") for i in (1, 2)]
    assert [s["shard"]["chunks"] for s in shards] == [3, 3] and [s["run"]["chunks_run"] for s in shards] == [3, 3]
    merged = trial("--out", str(tmp_path / "merged"), "--merge", str(tmp_path / "shards"))
    assert merged["run"]["chunks_merged"] == 6 and merged["run"]["chunks_run"] == 0
    for name in ("endpoints.parquet", "summary.json", "report.html"):
        assert (tmp_path / "merged" / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
    assert_same_store(tmp_path / "merged" / "trial.zarr", tmp_path / "full" / "trial.zarr")


def test_the_command_runs_shards_and_merges_them(tmp_path, instant, capsys):
    """`ketasim trial` in process (the fake simulator): what a shard prints, --json of a shard, the merge."""
    from ketasim.cli import main

    def ketasim(*args):
        with pytest.raises(SystemExit) as info:
            main(["trial", *map(str, args)])
        out = capsys.readouterr()
        assert info.value.code == 0, out.err
        return out.out

    f = tmp_path / "trial.toml"
    f.write_text(TRIAL)
    printed = " ".join(ketasim(f, "--out", tmp_path / "s", "--workers", "0", "--shard", "1/2").split())
    assert "shard 1/2, 4 of 8 chunks (20 of 34 patients)" in printed and "trial.shard-1-of-2.zarr" in printed
    assert f"--merge {tmp_path / 's'}" in printed
    doc = json.loads(ketasim(f, "--out", tmp_path / "s", "--workers", "0", "--shard", "2/2", "--json"))
    assert doc["shard"]["chunks"] == 4 and doc["shard"]["patients"] == 14 and doc["run"]["chunks_run"] == 4
    merged = json.loads(ketasim(f, "--out", tmp_path / "m", "--bootstrap", "0", "--json", "--merge", tmp_path / "s"))
    assert merged["run"]["chunks_merged"] == 8 and merged["trial"]["n"] == 17
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["endpoints.parquet", "report.html", "summary.json",
                                                                   "trial.zarr"]
