"""`ketasim trial`: run a virtual trial file (population and arms); re-running resumes.

`--shard I/N` runs one shard of the trial (an HPC array job) into its own store, and
`--merge` combines the shards' stores and writes the outputs of the whole trial.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from .common import console, guard
from .status import working
from .tables import print_rows

OPTIONS = {"patients": "--patients", "workers": "--workers", "bootstrap": "--bootstrap", "out": "--out",
           "parameters": "--parameters: values", "shard": "--shard",
           "merge": "--merge"}   # the API's arguments as this command's options


def trial(
    file: Path,
    patients: Optional[int] = typer.Option(None, "--patients", help="patients per arm (default: the file's n)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="dask.distributed scheduler address (default: a local cluster)"),
    workers: Optional[int] = typer.Option(None, "--workers",
                                          help="local cluster worker processes (default 2; 0: run in this process)"),
    out: Path = typer.Option(Path("trial"), "--out",
                             help="folder for trial.zarr, endpoints.parquet, summary.json, report.html"),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="bootstrap resamples for the 95% intervals (0: none)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON (with --shard: what the shard holds)"),
    parameters: Optional[Path] = typer.Option(None, "--parameters",
                                              help="parameter file (ketasim fit) whose values every patient's "
                                                   "model uses (as typical values)"),
    shard: Optional[str] = typer.Option(None, "--shard",
                                        help="run only shard I of N (I/N, numbered from 1: an HPC array job) "
                                             "into OUT/trial.shard-I-of-N.zarr, and write nothing else; "
                                             "merge the shards with --merge"),
    merge: Optional[List[Path]] = typer.Option(None, "--merge",
                                               help="merge shard stores (trial.shard-I-of-N.zarr, or folders "
                                                    "holding them; repeatable) into OUT/trial.zarr and write the "
                                                    "outputs; give the file, --patients and --parameters the "
                                                    "shards ran with"),
) -> None:
    """Run a virtual trial file (population and arms); re-running with the same --out resumes.

    For HPC array jobs: `--shard I/N` runs shard I of N (resumable), then `--merge FOLDER`
    checks the shards (same trial, no overlap, no missing chunk, checksums) and writes the
    same outputs as an unsharded run.
    """

    def go():
        from ..api.trial import run_trial
        from ..experiments.loader import load_experiment
        from ..trial.spec import trial_spec

        values, source = None, file
        if parameters is not None:   # the file's names checked against every arm's model first
            from ..analysis.parameter_file import check_against, load_parameter_file
            from ..mechanisms.registry import build_model
            from ..trial.statistics import statistical_registry

            pf = load_parameter_file(parameters, "--parameters")
            with working("reading the trial file..."):
                exp = load_experiment(file)
            stat = set(statistical_registry())  # the statistical layer's trial.NAME values are a trial's too
            for arm in trial_spec(exp, patients).arms:
                check_against(pf, set(build_model(exp.species, dict(arm.hypotheses), arm.drugs).parameters) | stat,
                              "--parameters")
            values, source = dict(pf.values), exp   # read once
        return run_trial(source, patients, out, workers, scheduler, bootstrap, values, shard=shard,
                         merge=merge or None, progress=True, status=working, names=OPTIONS)

    outputs = guard(go)
    if shard is not None:
        _print_shard(outputs, file, as_json)
        return
    if as_json:
        print(json.dumps({**outputs.summary, "run": outputs.run}))  # summary.json has no sitting details
        return
    print_rows("Endpoints at the end of the trial (estimate [95% CI])", outputs.rows)
    if outputs.measures:
        print_rows("Measures", outputs.measures)
    console.print(f"wrote {out / 'trial.zarr'}, {out / 'endpoints.parquet'}, {out / 'summary.json'}, "
                  f"{out / 'report.html'}")


def _print_shard(outputs, file: Path, as_json: bool) -> None:
    """What a shard run prints: its store and what it holds (or `ShardOutputs.to_json()` with --json)."""
    if as_json:
        print(json.dumps(outputs.to_json()))
        return
    console.print(f"wrote {outputs.store}: shard {outputs.shard}, {outputs.chunks} of {outputs.trial_chunks} chunks "
                  f"({outputs.patients} of {outputs.trial_patients} patients); when every shard is done: "
                  f"ketasim trial {file} --merge {outputs.store.parent} (with the same --patients and --parameters)",
                  markup=False, highlight=False, soft_wrap=True)
