"""`ketasim export sbml`: the assembled slow model as SBML L3V2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..files import atomic_write, check_output
from .common import console, guard


def export_sbml(out: Optional[Path] = typer.Option(None, "--out", help="file to write (default: stdout)")) -> None:
    """Export the assembled slow model (default species and hypotheses) as SBML L3V2."""
    from ..export.sbml import to_sbml
    from ..mechanisms.registry import build_model

    if out is not None:
        guard(lambda: check_output(out, "--out"))  # before the model is built
    text = guard(lambda: to_sbml(build_model()))
    if out is None:
        sys.stdout.write(text)
    else:
        atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
        console.print(f"wrote {out}")
