"""`ketasim validate`: run the experiment library and print (and write) the scorecard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from ..files import atomic_group, check_output
from .common import console, err_console, guard
from .status import working
from .tables import print_table

SCORECARD_COLUMNS = ("experiment", "layer", "kind", "result", "measures")


def validate(
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the scorecard JSON here"),
    html_out: Optional[Path] = typer.Option(None, "--html", help="write the HTML scorecard (plots, sources) here"),
    tags: list[str] = typer.Option([], "--tags", help="only experiments whose layer tag is one of these"),
    ids: list[str] = typer.Option([], "--id", help="only these experiment ids (repeatable)"),
    strict: bool = typer.Option(False, help="exit 1 if any experiment misses"),
    parameters: Optional[Path] = typer.Option(None, "--parameters",
                                              help="fitted parameter file (ketasim fit); the experiments it was "
                                                   "fitted to count as calibration"),
    patients: Optional[int] = typer.Option(None, "--patients",
                                           help="cap each trial arm at this many patients (default: the file's n)"),
    jobs: int = typer.Option(1, "--jobs", help="experiments run in this many processes"),
) -> None:
    """Run the built-in experiment library and print the scorecard (a miss is information: exit 0)."""
    from ..validation.scorecard import Scorecard, scorecard_json

    def go():
        from datetime import datetime, timezone

        from .. import __version__
        from ..errors import InputError
        from ..experiments.loader import library
        from ..validation.library_run import checked_selection, environment, require_at_least, run_library
        from ..validation.unsourced import unsourced_parameters

        require_at_least(patients, 1, "--patients")
        require_at_least(jobs, 1, "--jobs")
        for path, flag in ((json_out, "--json"), (html_out, "--html")):
            if path is not None:
                check_output(path, flag)  # before the library runs
        if json_out is not None and html_out is not None and json_out.resolve() == html_out.resolve():
            raise InputError("--html: the same file as --json")
        values, calibration, settings = {}, frozenset(), {}
        if parameters is not None:
            from ..analysis.parameter_file import load_parameter_file

            pf = load_parameter_file(parameters, "--parameters")
            values, calibration = dict(pf.values), pf.calibration_experiments
            settings["parameter_file"] = str(parameters)
            settings["parameter_file_values"] = json.dumps(values)
            settings["parameter_file_provenance"] = json.dumps(pf.provenance_json())
        exps = checked_selection(library(), tags, ids)
        if not exps:
            raise InputError("--tags/--id: no experiment selected")
        from rich.progress import Progress

        t0 = datetime.now(timezone.utc)
        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task("experiments", total=len(exps))
            entries = run_library(exps, patients, values, jobs,
                                  on_done=lambda e: bar.update(task, advance=1, description=e.experiment.id))

        settings = {"ketasim_version": __version__, "date": t0.strftime("%Y-%m-%d %H:%M UTC"),
                    "environment": environment(jobs),
                    "wall_time_s": round((datetime.now(timezone.utc) - t0).total_seconds(), 1),
                    "experiments": len(exps), "tags": ", ".join(tags) or "all",
                    "trial_patients_per_arm": patients or "as in each file", **settings}
        with working("listing the unsourced parameters..."):
            return Scorecard(tuple(entries), calibration, unsourced_parameters(), settings)

    sc = guard(go)
    print_scorecard(sc)
    data = scorecard_json(sc)
    writers = {}
    if json_out:
        writers[json_out] = lambda p: p.write_text(json.dumps(data, indent=1))
    if html_out:
        from ..validation.scorecard_html import render_scorecard

        writers[html_out] = lambda p: p.write_text(render_scorecard(sc), encoding="utf-8")
    with working("writing " + " and ".join(str(p) for p in writers) + "..."):
        atomic_group(writers)  # both or neither
    if json_out or html_out:
        console.print("wrote " + " and ".join(str(p) for p in (json_out, html_out) if p))
    if strict and not sc.passed:
        raise typer.Exit(1)


def scorecard_rows(sc) -> list[tuple]:
    """The scorecard's rows for the terminal: experiment id, layer, derived class, pass or miss
    (coloured) and its measures passed (or the error)."""
    from rich.text import Text

    rows = []
    for e in sc.entries:
        ms = e.result.measures if e.result else ()
        detail = f"{sum(m.passed for m in ms)} of {len(ms)} passed" if ms else e.error
        rows.append((e.experiment.id, e.experiment.tags[0], sc.class_of(e).kind,
                     Text("pass", style="green") if e.passed else Text("miss", style="red"), detail))
    return rows


def print_scorecard(sc) -> None:
    """The scorecard as a table (experiment ids whole, to copy into --id) and a tally per layer."""
    print_table("Validation scorecard", SCORECARD_COLUMNS, scorecard_rows(sc))
    for layer, s in sc.layers.items():
        v, k, c = s.validation, s.consistency, s.calibration
        console.print(f"{layer}: {s.all.passed} of {s.all.total} passed "
                      f"(validation {v.passed}/{v.total}, consistency {k.passed}/{k.total}, "
                      f"calibration {c.passed}/{c.total}; "
                      f"measures {s.measures.passed}/{s.measures.total})")
