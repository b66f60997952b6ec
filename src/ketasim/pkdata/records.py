"""Typed records of the published PK data (`data/pk/`): summary rows and concentration series.

Frozen dataclasses, read by `pkdata.loader`; every number keeps the unit its source
printed (the `unit` field), nothing is converted here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Observed:
    """A published value: one number, or a range `lo-hi` where the source gives only a range.

    value: the number compared with a prediction (a range's midpoint, (lo + hi) / 2, by
    definition); low, high: the range's ends (both equal to value for a single number)."""

    value: float
    low: float
    high: float

    @property
    def is_range(self) -> bool:
        """Whether the source gave a range rather than one number."""
        return self.low != self.high

    def contains(self, x: float) -> bool:
        """Whether x lies within [low, high] (for a single number: equals it)."""
        return self.low <= x <= self.high


@dataclass(frozen=True)
class SummaryRow:
    """One row of `summaries.csv`: one published summary value.

    dose: the number as printed (may be empty, or a range '10-180' over cohorts), in
    `dose_unit` (mg or mg/kg); infusion_min: the IV infusion time in minutes, None when the
    source gives none; observed: the value in `unit`; line: the row's number in the file (the
    header is row 1), for messages. The other fields are the CSV's text as written."""

    id: str
    source: str
    set: str
    analyte: str
    drug: str
    route: str
    dose: str
    dose_unit: str
    infusion_min: float | None
    metric: str
    observed: Observed
    unit: str
    statistic: str
    sampling: str
    quality: str
    note: str
    line: int


@dataclass(frozen=True)
class SeriesPoint:
    """One sample of a series: time_h hours from the start of dosing, the value in the
    series' unit, its SD and n when given (else None)."""

    time_h: float
    value: float
    sd: float | None
    n: int | None


@dataclass(frozen=True)
class Series:
    """One concentration-time series (`[series.<id>]` of index.toml and its CSV).

    dose in `dose_unit`; infusion_min None when the source gives none (index.toml's
    `infusion` is then text saying so); unit: of the points' values."""

    id: str
    source: str
    set: str
    analyte: str
    drug: str
    route: str
    dose: float
    dose_unit: str
    infusion_min: float | None
    unit: str
    quality: str
    points: tuple[SeriesPoint, ...]


@dataclass(frozen=True)
class PkData:
    """Everything in `data/pk/`: the summary rows (file order) and the series (index order)."""

    summaries: tuple[SummaryRow, ...]
    series: tuple[Series, ...]
