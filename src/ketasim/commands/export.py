"""`ketasim export sbml`: the assembled slow model as SBML L3V2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..files import atomic_write, check_output
from .common import console, guard, parse_hypotheses

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
