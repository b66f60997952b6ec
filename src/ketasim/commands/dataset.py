"""`ketasim dataset simulate | vpc`: NONMEM-style event tables in and out, and the VPC.

`dataset simulate FILE.csv --out OUT.csv` writes the table with DV simulated on every
observation record (one typical patient per ID, its covariates as its Patient), or, with
`--population N`, N virtual patients per ID (a REP column first). `dataset vpc FILE.csv
--out vpc.html` draws the visual predictive check of the observed concentrations. Units
and the CMT registry: `ketasim.nonmem` (docs/guide.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .common import console, guard, parse_hypotheses
from .status import working

OPTIONS = {"hypotheses.": "--hypothesis ", "solver": "--solver"}


def _checked(file: Path, out: Path, hypothesis: list[str], solver: str):
    """The read table, hypotheses; every input checked before any work (the output path first)."""
    from ..errors import InputError
    from ..files import check_output
    from ..nonmem.regimen import subjects
    from ..nonmem.table import read_table

    check_output(out, "--out")
    if Path(out).resolve() == Path(file).resolve():
        raise InputError("--out: the same file as the input table (give another name)")
    hyp = parse_hypotheses(hypothesis)
    table = read_table(file)
    subs = subjects(table)            # doses checked for their drug and route before any solve
    from ..engine.solve import choose
    from ..simulate import model_for

    for s in subs:
        choose(model_for(s.regimen, s.patient.species, hyp), solver)
    return table, hyp


def dataset_simulate(
    file: Path = typer.Argument(..., help="NONMEM-style event table (CSV: ID, TIME h, AMT mg, EVID, CMT, DV, ...)"),
    out: Path = typer.Option(Path("simulated.csv"), "--out", help="CSV table written with DV simulated"),
    population: Optional[int] = typer.Option(None, "--population",
                                             help="simulate N virtual patients per ID (a REP column first) "
                                                  "instead of one typical patient"),
    seed: int = typer.Option(0, "--seed", help="seed of the virtual patients (with --population)"),
    hypothesis: list[str] = typer.Option([], "--hypothesis", help="NAME=VALUE (repeatable; ketasim list hypotheses)"),
    solver: str = typer.Option("auto", "--solver", help="auto, exact, tsit5, kvaerno5, ..."),
    as_json: bool = typer.Option(False, "--json", help="print what was written as JSON"),
) -> None:
    """Simulate a NONMEM-style dataset: each ID's doses, DV at its observation records."""

    def go() -> dict:
        from ..files import atomic_write
        from ..limits import MAX_PATIENTS_PER_ARM, check_count
        from ..nonmem.simulation import population_table, simulated_table
        from ..nonmem.writing import csv_text

        if population is not None:
            if population < 1:
                from ..errors import InputError

                raise InputError(f"--population: at least 1 virtual patient (got {population})")
            check_count(population, MAX_PATIENTS_PER_ARM, "--population", "patients")
        table, hyp = _checked(file, out, hypothesis, solver)

        with working(f"simulating {len(table.ids)} IDs of {file}..."):
            if population is None:
                frame = simulated_table(table, hyp, solver)
            else:
                frame = population_table(table, population, seed, hyp, solver)
        text = csv_text(frame)
        atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
        return {"table": str(file), "out": str(out), "ids": len(table.ids), "rows": int(len(frame)),
                "replicates": population or 0}

    summary = guard(go, OPTIONS)
    if as_json:
        print(json.dumps(summary))
        return
    console.print(f"wrote {out} ({summary['rows']} rows, {summary['ids']} IDs"
                  + (f", {population} virtual patients each" if population else "") + ")",
                  markup=False, highlight=False)


def dataset_vpc(
    file: Path = typer.Argument(..., help="NONMEM-style event table with observed DV (MDV 0)"),
    out: Path = typer.Option(Path("vpc.html"), "--out", help="the VPC: an HTML page, or a PNG when it ends in .png"),
    patients: int = typer.Option(200, "--patients", help="virtual patients (replicates of the dataset)"),
    seed: int = typer.Option(0, "--seed", help="seed of the virtual patients"),
    pred_corr: bool = typer.Option(False, "--pred-corr", help="prediction-corrected VPC (Bergstrand 2011)"),
    bins: int = typer.Option(10, "--bins", help="at most this many time bins (each distinct time when fewer)"),
    log: bool = typer.Option(False, "--log", help="logarithmic concentration axis"),
    residual_cv: float = typer.Option(0.0, "--residual-cv",
                                      help="proportional residual error added to the simulated values, as a CV "
                                           "(e.g. 0.15; default 0: none)"),
    hypothesis: list[str] = typer.Option([], "--hypothesis", help="NAME=VALUE (repeatable; ketasim list hypotheses)"),
    solver: str = typer.Option("auto", "--solver", help="auto, exact, tsit5, kvaerno5, ..."),
    as_json: bool = typer.Option(False, "--json", help="print the per-bin statistics as JSON"),
) -> None:
    """Visual predictive check of a NONMEM-style dataset's observed concentrations."""

    def go() -> list:
        from ..errors import InputError
        from ..limits import MAX_PATIENTS_PER_ARM, check_count
        from ..nonmem.vpc_data import check_observed, dataset_vpc
        from ..nonmem.vpc_figure import write_vpc

        if patients < 2:
            raise InputError(f"--patients: at least 2 virtual patients for percentiles (got {patients})")
        check_count(patients, MAX_PATIENTS_PER_ARM, "--patients", "patients")
        if not 0.0 <= residual_cv <= 2.0:
            raise InputError(f"--residual-cv: a CV from 0 to 2 (got {residual_cv:g})")
        if bins < 1:
            raise InputError(f"--bins: at least 1 (got {bins})")
        table, hyp = _checked(file, out, hypothesis, solver)
        check_observed(table)
        with working(f"simulating {patients} virtual patients for each of {len(table.ids)} IDs..."):
            results = dataset_vpc(table, patients, seed, pred_corr, bins, hyp, solver, residual_cv=residual_cv)
        notes = [f"{file}: {len(table.ids)} IDs; {patients} virtual patients per ID (seed {seed}); their "
                 "covariates are drawn from the population model."
                 + (f" Proportional residual error CV {residual_cv:g} added to the simulated values."
                    if residual_cv > 0 else " No residual error is simulated.")]
        with working(f"writing {out}..."):
            write_vpc(out, results, f"{'pcVPC' if pred_corr else 'VPC'}: {Path(file).name}", notes, log)
        return results

    results = guard(go, OPTIONS)
    if as_json:
        print(json.dumps({"out": str(out), "vpc": {r.observable: r.rows() for r in results}}))
        return
    from .tables import print_rows

    for r in results:
        print_rows(f"{r.observable} (ng/mL) by time bin", r.short_rows())
    console.print(f"wrote {out}", markup=False, highlight=False)
