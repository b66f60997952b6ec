"""`ketasim.run_trial`: run a virtual trial file and write its outputs, as `ketasim trial` does
(the whole trial, one shard of it for an HPC array job, or the merge of its shards)."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from ..errors import InputError
from ..files import atomic_group, check_folder, check_output

if TYPE_CHECKING:
    from ..experiments.schema import Experiment
    from ..trial.summary import ShardOutputs, TrialOutputs

OUTPUTS = ("endpoints.parquet", "summary.json", "report.html")  # beside the store, trial.zarr
ARGUMENTS = {"patients": "patients", "workers": "workers", "bootstrap": "bootstrap", "out": "out",
             "parameters": "parameters", "shard": "shard",
             "merge": "merge"}   # how errors name each argument (the CLI passes its options)


def no_status(message: str) -> AbstractContextManager:
    """The default status of `run_trial`: nothing shown."""
    return nullcontext()


def run_trial(path: str | Path | Experiment, patients: int | None = None, out: str | Path = "trial", workers: int | None = None,
              scheduler: str | None = None, bootstrap: int = 1000, parameters: Mapping[str, float] | None = None,
              shard: str | None = None, merge: Sequence[str | Path] | None = None, progress: bool = False,
              status: Callable[[str], AbstractContextManager] = no_status,
              names: Mapping[str, str] = ARGUMENTS) -> TrialOutputs | ShardOutputs:
    """Run (or resume) the virtual trial of an experiment file and write its outputs to `out`.

    path: a trial experiment file ([protocol.population] and [protocol.arms.NAME]), or the
    file already loaded (an `experiments.schema.Experiment`, read once by a caller that
    needed it first).
    patients: patients per arm (default the file's `population.n`). out: the folder of
    `trial.zarr` (the resumable store: running again with the same `out` resumes) and of
    `endpoints.parquet`, `summary.json` and `report.html`, written as one group. workers:
    local Dask worker processes (default 2; 0 runs in this process); scheduler: a
    dask.distributed address instead. bootstrap: resamples for the 95% intervals (0: none).
    parameters: overrides by qualified name in each parameter's unit (e.g. a fitted
    parameter file's values), bounds-checked before any patient is solved. Visits and the
    trial's duration are in days. Returns the `trial.summary.TrialOutputs`: `summary` (the
    JSON document), `rows` (endpoints per arm), `measures` (scored against the published
    values), `patients` (the per-patient table, a pyarrow Table), `html` and `run`.

    shard: 'I/N' (numbered from 1, e.g. an HPC array job's index and size) runs only shard
    I of N's chunks (`trial.shard`: chunk g over all arms goes to shard g mod N + 1) into
    `out/trial.shard-I-of-N.zarr` (resumable), writes nothing else and returns a
    `trial.summary.ShardOutputs` (the store and what it holds); each patient's result is
    the one an unsharded run gives. merge: shard stores, or folders holding them, to merge
    (`trial.merge`: refused in one line if they belong to another trial, overlap, miss a
    chunk or fail their checksums; checked before anything is written) into
    `out/trial.zarr`, then the outputs are written exactly as an unsharded run writes them
    (nothing is simulated; workers and scheduler are not used). Give the same file,
    patients and parameters the shards ran with.
    Bad input is one `InputError` naming the argument (as `names` calls it: `ketasim trial`
    passes its options) or the file's field. status: a context manager per step (the
    command's spinner); progress: the solve's progress bar.
    """
    from ..experiments.loader import load_experiment
    from ..trial.engine import run_trial as run_spec
    from ..trial.mechanism import mechanism_html, typical_courses
    from ..trial.merge import merge_shards, shard_paths
    from ..trial.shard import parse_shard
    from ..trial.spec import trial_spec
    from ..trial.summary import shard_outputs, trial_outputs
    from ..trial.tables import write_parquet

    names = {**ARGUMENTS, **names}
    if patients is not None and (isinstance(patients, bool) or not isinstance(patients, int) or patients < 1):
        raise InputError(f"{names['patients']}: must be a whole number, at least 1 (got {patients!r})")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise InputError(f"{names['workers']}: must be a whole number, not negative (got {workers!r})")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise InputError(f"{names['bootstrap']}: must be a whole number, not negative (got {bootstrap!r})")
    part = parse_shard(shard, names["shard"]) if shard is not None else None
    if part is not None and merge:
        raise InputError(f"{names['merge']}: not with {names['shard']} (run every shard first, then merge them)")
    if merge is not None:
        shard_paths(merge, names["merge"])  # they exist, before any work
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{names['out']}: {folder} exists and is not a folder")
    check_folder(folder, names["out"])  # before any work: every output can be written
    for name in OUTPUTS if part is None else ():
        check_output(folder / name, names["out"])
    from ..experiments.schema import Experiment

    if isinstance(path, Experiment):
        exp = path
    else:
        with status("reading the trial file..."):
            exp = load_experiment(Path(path))
    if not exp.protocol.arms:
        raise InputError(f"{path if not isinstance(path, Experiment) else exp.id}: protocol: not a trial (needs [protocol.population] and [protocol.arms.NAME])")
    # protocol and given values within their bounds, before any patient is solved
    with status("checking the trial and building its arms' models..."):
        spec = trial_spec(exp, patients, parameters=dict(parameters) if parameters else None,
                          parameters_field=names["parameters"])
    if merge is not None:
        with status(f"checking and merging {len(shard_paths(merge, names['merge']))} shard stores..."):
            result = merge_shards(spec, merge, folder, names["merge"])
    else:
        result = run_spec(spec, folder, scheduler=scheduler, workers=workers, progress=progress, shard=part)
    if part is not None:
        return shard_outputs(result)
    intervals = f" with {bootstrap} bootstrap resamples" if bootstrap else ""
    with status(f"scoring the endpoints{intervals} and solving the arms' typical courses for the report..."):
        outputs = trial_outputs(exp, result, bootstrap, mechanism_html(spec, typical_courses(spec)))
    # the three outputs as one group: written to temporaries, then renamed together
    with status(f"writing {', '.join(OUTPUTS)} to {folder}..."):
        atomic_group({folder / "endpoints.parquet": lambda p: write_parquet(outputs.patients, p),
                      folder / "summary.json": lambda p: p.write_text(json.dumps(outputs.summary, indent=1)),
                      folder / "report.html": lambda p: p.write_text(outputs.html, encoding="utf-8")})
    return outputs
