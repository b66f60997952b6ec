"""The record a later layer contributes to the run report: a heading, a paragraph, rows and figures.

Its own module so that the layers' section builders (`plasticity`, `systems`, `symptoms`)
and the registry that lists them (`sections`) both import it, and neither imports the other
back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReportSection:
    """title: heading; intro: one paragraph (plain text); rows: summary table rows (dicts,
    columns from the keys); figures: (caption, figure) pairs, a figure being anything
    `figures.svg_of` draws (an `svg_chart` Stack or Row, SVG text, a matplotlib Figure);
    notes: sentences on observables left out of the rows (constant or duplicate, and why)."""

    title: str
    intro: str
    rows: list[dict] = field(default_factory=list)
    figures: list[tuple[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
