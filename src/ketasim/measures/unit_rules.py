"""Unit rules of the statistics: the unit of a result from the unit of the observable."""

from __future__ import annotations


def same(observable_unit: str) -> str:
    """A value of the observable itself (max, value_at, a change)."""
    return observable_unit


def times_minute(observable_unit: str) -> str:
    """An area under the curve: the observable's unit times minutes."""
    return f"({observable_unit})*min" if observable_unit.strip() not in ("", "1") else "min"


def minute(observable_unit: str) -> str:
    """A time (time of the peak, a half-life)."""
    return "min"


def dimensionless(observable_unit: str) -> str:
    """A ratio."""
    return "1"
