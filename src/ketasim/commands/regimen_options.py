"""The command-line options that describe one regimen and its patient, declared once and
shared by the commands that take them (`ketasim run`, `ketasim export omex`): each is a
typed alias whose default the command gives, so the help text stays the same everywhere."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

Drug = Annotated[str, typer.Option(help="drug (ketamine, esketamine, arketamine, ...; ketasim list drugs)")]
Route = Annotated[str, typer.Option(help="iv, intranasal, oral, sublingual, im; ip, icv, intracerebral for "
                                         "rodents only (ketasim list routes)")]
Dose = Annotated[str, typer.Option(help="dose, e.g. '0.5 mg/kg' or '56 mg'")]
Infusion = Annotated[Optional[str], typer.Option(help="IV infusion duration; 'none' for a bolus")]
RepeatEvery = Annotated[Optional[str], typer.Option(help="repeat interval, e.g. '3.5 d'")]
RepeatCount = Annotated[int, typer.Option(help="number of doses")]
Weight = Annotated[Optional[str], typer.Option(help="body weight, e.g. '70 kg'")]
Species = Annotated[str, typer.Option(help="human, rat or mouse")]
Cyp2b6 = Annotated[str, typer.Option(help="CYP2B6 genotype")]
Bdnf = Annotated[str, typer.Option(help="BDNF Val66Met genotype: val/val, val/met, met/met")]
Trkb = Annotated[str, typer.Option(help="TrkB: wt or knockout")]
Stress = Annotated[str, typer.Option(help="chronic stress (depressed-like, fewer PFC spines): none or chronic")]
