"""The column names and the one unit convention of a NONMEM-style event table.

Units (the one place they are stated; docs/guide.md repeats them):

- TIME: hours since the ID's time zero (not negative);
- AMT: mg of drug per dose (NONMEM has no mg/kg: weight-based doses are given in mg);
- RATE: mg/h of an IV infusion (RATE = -2: the infusion's duration is in DUR);
- DUR: hours an IV infusion lasts;
- II: hours between repeated doses (with ADDL, the number of additional doses);
- DV: the observed concentration in ng/mL (the unit of ketasim's plasma observables).

ketasim keeps time in minutes: `minutes_of` converts hours to minutes and snaps a value
within 1e-9 (relative) of a multiple of 1e-6 min onto it, so that a time in minutes
written in hours with 12 significant digits (`NUMBER_FORMAT`: 10 min is 0.166666666667 h)
reads back as it was, and other values keep their full precision.

Rows are named as "row N": N is the data row counted from 1 after the header, whole-line
comments (lines starting with '#') and blank lines not counted; the refusal adds the
file's line number ("row 3 (line 5)"), so both a spreadsheet user and an editor user
find it.
"""

from __future__ import annotations

from ..errors import InputError

MINUTES_PER_HOUR = 60.0
MINUTE_DIGITS = 6
SNAP_RELATIVE = 1e-9

# columns every table must have
REQUIRED = ("ID", "TIME", "AMT", "EVID", "CMT", "DV")
# columns ketasim reads when present (absent: 0 for RATE, DUR, II, ADDL; MDV from EVID and DV)
OPTIONAL = ("RATE", "DUR", "II", "ADDL", "MDV")
STANDARD = REQUIRED + OPTIONAL

# EVID values (NONMEM's): those ketasim reads and those it refuses with the reason
EVID_OBSERVATION = 0
EVID_DOSE = 1
EVID_UNSUPPORTED = {2: "an 'other' event (EVID 2)", 3: "a reset (EVID 3)", 4: "a reset and dose (EVID 4)"}

# RATE = -2: the infusion's duration is given in DUR (NONMEM's convention); -1 (a modelled rate) is refused
RATE_FROM_DUR = -2.0

# How numbers are written back (`writing.py`): 12 significant digits, so that hours made
# from minutes and back (x / 60 * 60) print as they were read
NUMBER_FORMAT = "%.12g"

UNITS = {"TIME": "h", "AMT": "mg", "RATE": "mg/h", "DUR": "h", "II": "h", "DV": "ng/mL"}


def minutes_of(hours: float) -> float:
    """Hours as minutes, snapped to `MINUTE_DIGITS` decimals when that close (module docstring)."""
    m = hours * MINUTES_PER_HOUR
    snapped = round(m, MINUTE_DIGITS)
    return snapped if abs(m - snapped) <= SNAP_RELATIVE * max(1.0, abs(m)) else m


class DatasetError(InputError):
    """A NONMEM-style table is malformed or asks for what ketasim does not support."""


def where(source: str, row: int, line: int, column: str | None = None) -> str:
    """How a refusal names a cell: 'FILE row N (line L), column C' (row N: the N-th data row)."""
    cell = f"{source} row {row} (line {line})"
    return f"{cell}, column {column}" if column else cell
