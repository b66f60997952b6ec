"""The one error of the exports."""

from __future__ import annotations


class SBMLExportError(RuntimeError):
    """libsbml refused an operation, or the model cannot be expressed in SBML."""
