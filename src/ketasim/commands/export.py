"""`ketasim export sbml`: the assembled slow model as SBML L3V2; `ketasim export omex`: a regimen's
simulation as a COMBINE/OMEX archive (SBML, SED-ML, manifest)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..files import atomic_write, check_output
from .regimen_options import Bdnf, Cyp2b6, Dose, Drug, Infusion, RepeatCount, RepeatEvery, Route, Species, Stress, Trkb, Weight
from .common import REGIMEN_OPTIONS, console, guard, parse_hypotheses

EXPORT_OPTIONS = {"form": "--form", "species": "--species", "hypotheses.": "--hypothesis "}


def export_sbml(
    out: Optional[Path] = typer.Option(None, "--out", help="file to write (default: stdout)"),
    hypothesis: list[str] = typer.Option([], "--hypothesis", help="NAME=VALUE (repeatable; ketasim list hypotheses)"),
    species: str = typer.Option("human", help="human, rat or mouse"),
    form: str = typer.Option("staged", help="staged (loads fast where assignment rules are inlined, "
                                            "e.g. libRoadRunner) or rules (every assignment a rule; exact)"),
) -> None:
    """Export the assembled slow model (every layer; the hypotheses chosen) as SBML L3V2."""
    from ..export.sbml import check_form, to_sbml
    from ..mechanisms.registry import build_model

    if out is not None:
        guard(lambda: check_output(out, "--out"))  # before the model is built
    hyp = parse_hypotheses(hypothesis)

    def go() -> str:
        """Check the form, build the model (species, hypotheses checked) and export it."""
        check_form(form)
        return to_sbml(build_model(species, hyp), form=form)

    text = guard(go, EXPORT_OPTIONS)
    if out is None:
        sys.stdout.write(text)
    else:
        atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
        console.print(f"wrote {out}")


# the regimen checks name the fields of an experiment file; the omex command's options
OMEX_OPTIONS = {**REGIMEN_OPTIONS, **EXPORT_OPTIONS}


def export_omex(
    out: Path = typer.Option(..., "--out", help="COMBINE/OMEX archive to write, e.g. model.omex"),
    drug: Drug = "ketamine",
    route: Route = "iv",
    dose: Dose = "0.5 mg/kg",
    infusion: Infusion = "40 min",
    repeat_every: RepeatEvery = None,
    repeat_count: RepeatCount = 1,
    weight: Weight = None,
    species: Species = "human",
    cyp2b6: Cyp2b6 = "*1/*1",
    bdnf: Bdnf = "val/val",
    trkb: Trkb = "wt",
    stress: Stress = "none",
    duration: str = typer.Option("24 h", help="simulated time (the time course's end)"),
    step: Optional[str] = typer.Option(None, help="output interval; the duration must be a whole number of "
                                                  "them (default: 1 min up to a day, 10 min beyond)"),
    observable: list[str] = typer.Option([], "--observable",
                                         help="observable in the report and plots (repeatable; default "
                                              "plasma_ketamine, brain_ketamine, madrs)"),
    hypothesis: list[str] = typer.Option([], "--hypothesis", help="NAME=VALUE (repeatable; ketasim list hypotheses)"),
    form: str = typer.Option("staged", help="SBML form: staged (loads in seconds in libRoadRunner) or rules"),
) -> None:
    """Export a regimen's simulation as a COMBINE/OMEX archive: the model as SBML (doses as
    events), a SED-ML time course of the observables (report and plots), a manifest."""
    from ..export.omex import regimen_archive, write_archive

    guard(lambda: check_output(out, "--out"), OMEX_OPTIONS)  # before the model is built
    hyp = parse_hypotheses(hypothesis)

    def go() -> dict:
        """Check every option, build the model for the regimen and the archive's files."""
        from ..experiments.plan import one_dose_regimen, simulated_duration
        from ..mechanisms.drugs import check_regimen
        from ..patient import Patient
        from ..units import parse_quantity

        w = parse_quantity(weight, "kg", "--weight") if weight else None
        regimen = one_dose_regimen(drug, route, dose, infusion, repeat_every, repeat_count)
        dur = simulated_duration(duration, "--duration")
        patient = Patient(species=species, weight_kg=w, cyp2b6=cyp2b6, bdnf=bdnf, trkb=trkb, stress=stress)
        check_regimen(regimen, species)
        text = (f"ketasim export omex: {drug} {dose} {route}"
                f"{f' over {infusion}' if route == 'iv' and infusion not in (None, '', 'none', '0') else ''}"
                f"{f', {repeat_count} doses every {repeat_every}' if repeat_count > 1 else ''}; "
                f"{species}, {patient.weight:g} kg; {duration}; hypotheses {hyp or 'default'}; form {form}")
        return regimen_archive(regimen, patient, dur, hyp, form, observable, step, description=text)

    files = guard(go, OMEX_OPTIONS)
    atomic_write(out, lambda p: write_archive(p, files))
    console.print(f"wrote {out} ({', '.join(files)})")
