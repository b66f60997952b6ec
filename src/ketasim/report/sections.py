"""Report sections contributed by the later layers (plasticity, systems, ...).

Each layer provides one function `section(ds) -> ReportSection | None` (None when the
run has none of its observables). `layer_sections(ds)` calls them in cascade order; the
CLI prints each section's rows and the HTML report renders its table and figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from . import clinical, plasticity, systems


@dataclass(frozen=True)
class ReportSection:
    """title: heading; intro: one paragraph (plain text); rows: summary table rows (dicts,
    columns from the keys); figures: (caption, matplotlib Figure or SVG text) pairs."""

    title: str
    intro: str
    rows: list[dict] = field(default_factory=list)
    figures: list[tuple[str, Any]] = field(default_factory=list)


SECTION_BUILDERS: tuple[Callable[[Any], "ReportSection | None"], ...] = (plasticity.section, systems.section,
                                                                                  clinical.section)


def layer_sections(ds) -> list[ReportSection]:
    """The sections of every layer that has observables in `ds`, in cascade order."""
    return [s for s in (build(ds) for build in SECTION_BUILDERS) if s is not None]
