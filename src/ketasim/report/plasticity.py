"""The plasticity layer's section of the run report (summary rows and figures)."""

from __future__ import annotations


def section(ds):
    """A ReportSection for the plasticity observables in `ds`, or None when there are none."""
    return None
