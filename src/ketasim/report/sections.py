"""Report sections contributed by the later layers (plasticity, systems, symptoms), in one registry.

Each layer provides one function `section(ds) -> ReportSection | None` (None when the
run has none of its observables). `layer_sections(ds)` calls them in cascade order; the
CLI prints each section's rows and the HTML report renders its table and figures. The
record itself is `report.section.ReportSection`, which the layers import (not this module).
"""

from __future__ import annotations

from typing import Any, Callable

from . import plasticity, symptoms, systems
from .section import ReportSection

SECTION_BUILDERS: tuple[Callable[[Any], ReportSection | None], ...] = (plasticity.section, systems.section,
                                                                        symptoms.section)


def layer_sections(ds) -> list[ReportSection]:
    """The sections of every layer that has observables in `ds`, in cascade order."""
    return [s for s in (build(ds) for build in SECTION_BUILDERS) if s is not None]
