"""A table back as CSV: the same columns, numbers written one way (`conventions.NUMBER_FORMAT`).

Two sources: a read table whose observation records get simulated DV values
(`with_values`: every other cell is copied as it was read, so dose records come back
exactly), and records built from regimens (`records_frame`: the standard columns, missing
values as '.').
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import pandas as pd

from .conventions import NUMBER_FORMAT, STANDARD
from .table import EventTable, Record


def number(x: float) -> str:
    """A number as the table writes it: 12 significant digits, '.' for a missing value."""
    return "." if x is None or (isinstance(x, float) and math.isnan(x)) else NUMBER_FORMAT % x


def with_values(table: EventTable, values: Mapping[int, float]) -> pd.DataFrame:
    """The table's cells with DV = values[row] (ng/mL) on those observation rows (MDV set to 0
    where the table has an MDV column); every other cell as read. values: data row -> value."""
    cells = table.cells.copy()
    named = {c.upper(): c for c in table.columns}
    for row, value in values.items():
        cells.iat[row - 1, cells.columns.get_loc(named["DV"])] = number(value)
        if "MDV" in named:
            cells.iat[row - 1, cells.columns.get_loc(named["MDV"])] = "0"
    return cells


def records_frame(records: Sequence[Record], columns: Sequence[str] = STANDARD,
                  covariates: Mapping[int, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """Records as a table of text cells in `columns` (standard names; a covariate column
    takes its value from covariates[ID][column])."""
    rows = []
    for r in records:
        values = {"ID": r.id, "TIME": r.time, "AMT": r.amt if r.is_dose else 0.0, "EVID": r.evid, "CMT": r.cmt,
                  "RATE": r.rate, "DUR": r.dur, "II": r.ii, "ADDL": r.addl, "DV": r.dv, "MDV": r.mdv}
        extra = (covariates or {}).get(r.id, {})
        rows.append({c: number(float(values[c] if c in values else extra.get(c, math.nan))) for c in columns})
    return pd.DataFrame(rows, columns=list(columns))


def csv_text(cells: pd.DataFrame) -> str:
    """A table of text cells as CSV text (no index; cells quoted only where they must be)."""
    return cells.to_csv(index=False, lineterminator="\n")
