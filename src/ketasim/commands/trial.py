"""`ketasim trial`: run a virtual trial file (population and arms); re-running resumes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..files import atomic_group, check_folder, check_output
from .common import console, guard
from .status import working
from .tables import print_rows

OUTPUTS = ("endpoints.parquet", "summary.json", "report.html")  # beside the store, trial.zarr


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
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    parameters: Optional[Path] = typer.Option(None, "--parameters",
                                              help="parameter file (ketasim fit) whose values every patient's "
                                                   "model uses (as typical values)"),
) -> None:
    """Run a virtual trial file (population and arms); re-running with the same --out resumes."""

    def go():
        from ..errors import InputError
        from ..experiments.loader import load_experiment
        from ..trial.engine import run_trial
        from ..trial.spec import trial_spec
        from ..trial.summary import trial_outputs

        if patients is not None and patients < 1:
            raise InputError("--patients: must be at least 1")
        if workers is not None and workers < 0:
            raise InputError("--workers: must not be negative")
        if bootstrap < 0:
            raise InputError("--bootstrap: must not be negative")
        if out.exists() and not out.is_dir():
            raise InputError(f"--out: {out} exists and is not a folder")
        check_folder(out, "--out")  # before any work: every output can be written
        for name in OUTPUTS:
            check_output(out / name, "--out")
        with working("reading the trial file..."):
            exp = load_experiment(file)
        if not exp.protocol.arms:
            raise InputError(f"{file}: protocol: not a trial (needs [protocol.population] and [protocol.arms.NAME])")
        values = None
        if parameters is not None:
            from ..analysis.parameter_file import check_against, load_parameter_file
            from ..mechanisms.registry import build_model

            pf = load_parameter_file(parameters, "--parameters")
            arms = trial_spec(exp, patients).arms
            for arm in arms:
                check_against(pf, build_model(exp.species, dict(arm.hypotheses), arm.drugs).parameters,
                              "--parameters")
            values = dict(pf.values)
        # protocol and file values within their bounds, before any patient is solved
        with working("checking the trial and building its arms' models..."):
            spec = trial_spec(exp, patients, parameters=values, parameters_field="--parameters: values")
        result = run_trial(spec, out, scheduler=scheduler, workers=workers, progress=True)  # its own progress bar
        from ..trial.mechanism import mechanism_html, typical_courses

        intervals = f" with {bootstrap} bootstrap resamples" if bootstrap else ""
        with working(f"scoring the endpoints{intervals} and solving the arms' typical courses for the report..."):
            outputs = trial_outputs(exp, result, bootstrap, mechanism_html(spec, typical_courses(spec)))
        from ..trial.tables import write_parquet

        # the three outputs as one group: written to temporaries, then renamed together
        with working(f"writing {', '.join(OUTPUTS)} to {out}..."):
            atomic_group({out / "endpoints.parquet": lambda p: write_parquet(outputs.patients, p),
                          out / "summary.json": lambda p: p.write_text(json.dumps(outputs.summary, indent=1)),
                          out / "report.html": lambda p: p.write_text(outputs.html, encoding="utf-8")})
        return outputs

    outputs = guard(go)
    if as_json:
        print(json.dumps({**outputs.summary, "run": outputs.run}))  # summary.json has no sitting details
        return
    print_rows("Endpoints at the end of the trial (estimate [95% CI])", outputs.rows)
    if outputs.measures:
        print_rows("Measures", outputs.measures)
    console.print(f"wrote {out / 'trial.zarr'}, {out / 'endpoints.parquet'}, {out / 'summary.json'}, "
                  f"{out / 'report.html'}")
