"""Reading and checking a NONMEM-style event table (CSV) into typed records.

pandas reads the cells as text (`read_csv`); this module checks them, column by column
and row by row, and refuses the first problem in one line naming the row and the column
(`conventions.where`). Whole-line comments ('#' first) and blank lines are skipped and not
counted as rows. A missing cell is empty or '.' (NONMEM's missing value).

Checked: the required columns (`conventions.REQUIRED`) and no duplicated column name;
numbers where numbers belong (finite; whole numbers for ID, EVID, CMT, ADDL, MDV); EVID 0
(observation) or 1 (dose), EVID 2-4 refused as unsupported; the CMT of a dose in the
dosing registry and that of an observation in the observation registry
(`compartments.py`); TIME not negative and not decreasing within an ID; the rows of an ID
together; no duplicate record (same ID, TIME, EVID and CMT); a dose's AMT positive and an
observation's zero or missing; RATE > 0, or RATE = -2 with DUR > 0, or DUR > 0 without
RATE, for an infusion (RATE -1 refused; not both RATE > 0 and DUR > 0); ADDL with II and II
with ADDL; MDV 1 (or missing) on a dose; covariates (`covariates.py`) constant within an ID
and valid for a `Patient`.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..files import read_text
from ..patient import Patient, PatientError
from .compartments import DOSE_COMPARTMENTS, OBSERVATION_COMPARTMENTS
from .conventions import (EVID_DOSE, EVID_OBSERVATION, EVID_UNSUPPORTED, OPTIONAL, RATE_FROM_DUR, REQUIRED,
                          DatasetError, where)
from .covariates import COVARIATES, patient_of

WHOLE = ("ID", "EVID", "CMT", "ADDL", "MDV")
MISSING = ("", ".")


@dataclass(frozen=True)
class Record:
    """One row of the table, read. row: the data row (from 1); line: the file's line.
    time, dur, ii: hours; amt: mg; rate: mg/h; dv: ng/mL (NaN: missing); rate, dur, ii, addl
    are 0 where absent; mdv: 1 when DV is missing or the record is a dose."""

    row: int
    line: int
    id: int
    time: float
    evid: int
    cmt: int
    amt: float = 0.0
    rate: float = 0.0
    dur: float = 0.0
    ii: float = 0.0
    addl: int = 0
    dv: float = math.nan
    mdv: int = 1

    @property
    def is_dose(self) -> bool:
        """True for a dose record (EVID 1)."""
        return self.evid == EVID_DOSE


@dataclass(frozen=True, eq=False)
class EventTable:
    """A checked table. source: its name in refusals; columns: the header as written;
    cells: every cell as the text read (pandas, dtype str, one row per record), copied to
    the output unchanged except DV and MDV of observations; records: the rows read;
    patients: ID -> the `Patient` of its covariates; infusion: 'RATE' or 'DUR', the column
    the table gives infusions in (None: it has neither)."""

    source: str
    columns: tuple[str, ...]
    cells: pd.DataFrame
    records: tuple[Record, ...]
    patients: Mapping[int, Patient]
    infusion: str | None

    @property
    def ids(self) -> tuple[int, ...]:
        """The IDs in the order of the table."""
        return tuple(dict.fromkeys(r.id for r in self.records))


def read_table(path: Path, source: str | None = None) -> EventTable:
    """Read and check the table at `path` (UTF-8 CSV); DatasetError in one line otherwise."""
    name = source or str(path)
    return parse_table(read_text(path, name, DatasetError), name)


def parse_table(text: str, source: str = "dataset") -> EventTable:
    """Read and check a table given as CSV text (see the module docstring)."""
    kept, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            kept.append(line)
            lines.append(number)
    if not kept:
        raise DatasetError(f"{source}: empty table (no header line)")
    if len(kept) == 1:
        raise DatasetError(f"{source}: no data rows below the header (line {lines[0]})")
    body = "\n".join(kept)
    try:
        header = pd.read_csv(io.StringIO(kept[0]), header=None, dtype=str, keep_default_na=False)
        cells = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        message = " ".join(str(exc).split())
        found = re.search(r"line (\d+)", message)
        if found and int(found.group(1)) - 1 < len(lines):
            message = re.sub(r"line \d+", f"line {lines[int(found.group(1)) - 1]}", message, count=1)
        raise DatasetError(f"{source}: not a CSV table ({message})") from None
    columns = tuple(str(c).strip() for c in header.iloc[0])
    seen: set[str] = set()
    for c in columns:
        if c.upper() in seen:
            raise DatasetError(f"{source}: column {c} appears twice in the header (line {lines[0]})")
        seen.add(c.upper())
    cells.columns = list(columns)
    cells = cells.fillna("")
    named = {c.upper(): c for c in columns}
    missing = [c for c in REQUIRED if c not in named]
    if missing:
        raise DatasetError(f"{source}: missing required column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(missing)} (the header, line {lines[0]}, has {', '.join(columns)})")
    numbers = _numbers(cells, named, source, lines[1:])
    records = _records(numbers, len(cells), source, lines[1:])
    patients = _patients(numbers, records, source)
    infusion = "RATE" if "RATE" in named else ("DUR" if "DUR" in named else None)
    return EventTable(source, columns, cells, tuple(records), patients, infusion)


def _numbers(cells: pd.DataFrame, named: Mapping[str, str], source: str, lines: list[int]) -> dict[str, np.ndarray]:
    """The numeric columns (standard and covariates) as float arrays, NaN where missing;
    the first cell that is not a finite number (or not whole where it must be) refused."""
    out = {}
    for key in (*REQUIRED, *OPTIONAL, *COVARIATES):
        if key not in named:
            continue
        text = cells[named[key]].astype(str).str.strip()
        absent = text.isin(MISSING)
        values = pd.to_numeric(text.where(~absent), errors="coerce").to_numpy(dtype=float)
        bad = ~absent.to_numpy() & ~np.isfinite(values)
        if key in WHOLE:
            bad |= np.isfinite(values) & (values != np.round(values))
        if bad.any():
            i = int(np.argmax(bad))
            kind = "a whole number" if key in WHOLE else "a finite number"
            raise DatasetError(f"{where(source, i + 1, lines[i], named[key])}: expected {kind}, "
                               f"got {text.iloc[i][:40]!r}")
        out[key] = values
    return out


def _records(numbers: Mapping[str, np.ndarray], n: int, source: str, lines: list[int]) -> list[Record]:
    """Every row as a `Record`, checked in the table's order (the first problem is refused)."""
    def cell(key: str, i: int, default: float = math.nan) -> float:
        col = numbers.get(key)
        return default if col is None or math.isnan(col[i]) else float(col[i])

    records: list[Record] = []
    last_of: dict[int, Record] = {}
    seen: dict[tuple, int] = {}
    previous_id = None
    for i in range(n):
        row, line = i + 1, lines[i]

        def fail(column: str | None, why: str) -> DatasetError:
            return DatasetError(f"{where(source, row, line, column)}: {why}")

        for key in ("ID", "TIME", "EVID", "CMT"):
            if math.isnan(cell(key, i)):
                raise fail(key, "missing (every record has ID, TIME, EVID and CMT)")
        ident, time, evid, cmt = int(cell("ID", i)), cell("TIME", i), int(cell("EVID", i)), int(cell("CMT", i))
        if time < 0:
            raise fail("TIME", f"must not be negative (got {time:g} h)")
        if evid in EVID_UNSUPPORTED:
            raise fail("EVID", f"{EVID_UNSUPPORTED[evid]} is not supported; ketasim reads EVID 0 (observation) "
                               "and 1 (dose)")
        if evid not in (EVID_OBSERVATION, EVID_DOSE):
            raise fail("EVID", f"unknown EVID {evid} (0 observation, 1 dose)")
        if ident in last_of and previous_id != ident:
            raise fail("ID", f"ID {ident} appears again after ID {previous_id} (the rows of an ID must be "
                             f"together; its last row was row {last_of[ident].row})")
        if ident in last_of and time < last_of[ident].time:
            raise fail("TIME", f"times of ID {ident} are not sorted ({time:g} h after {last_of[ident].time:g} h "
                               f"in row {last_of[ident].row})")
        key = (ident, time, evid, cmt)
        if key in seen:
            raise fail(None, f"a duplicate of row {seen[key]} (same ID, TIME, EVID and CMT)")
        amt, rate, dur = cell("AMT", i, 0.0), cell("RATE", i, 0.0), cell("DUR", i, 0.0)
        ii, addl, mdv, dv = cell("II", i, 0.0), cell("ADDL", i, 0.0), cell("MDV", i), cell("DV", i)
        if evid == EVID_DOSE:
            _check_dose(fail, cmt, amt, rate, dur, ii, addl, mdv)
            mdv_read = 1
        else:
            _check_observation(fail, cmt, amt, rate, dur, ii, addl, mdv)
            mdv_read = 1 if math.isnan(dv) or mdv == 1 else 0
        rec = Record(row, line, ident, time, evid, cmt, amt, rate, dur, ii, int(addl), dv, mdv_read)
        records.append(rec)
        seen[key] = row
        last_of[ident] = rec
        previous_id = ident
    return records


def _check_dose(fail, cmt: int, amt: float, rate: float, dur: float, ii: float, addl: float, mdv: float) -> None:
    """The refusals of a dose record (EVID 1)."""
    if cmt not in DOSE_COMPARTMENTS:
        if cmt in OBSERVATION_COMPARTMENTS:
            raise fail("CMT", f"CMT {cmt} is an observation compartment ({OBSERVATION_COMPARTMENTS[cmt]}); a dose "
                              f"goes into a dosing compartment ({_dose_list()})")
        raise fail("CMT", f"unknown dosing compartment {cmt} ({_dose_list()})")
    if not amt > 0:
        raise fail("AMT", f"a dose needs a positive AMT in mg (got {amt:g})")
    if rate == -1:
        raise fail("RATE", "RATE -1 (a rate estimated by the model) is not supported; give RATE in mg/h, "
                           "or RATE -2 with DUR in h")
    if rate < 0 and rate != RATE_FROM_DUR:
        raise fail("RATE", f"must be positive mg/h, 0 (a bolus) or -2 (duration in DUR), got {rate:g}")
    if dur < 0:
        raise fail("DUR", f"must not be negative (got {dur:g} h)")
    if rate == RATE_FROM_DUR and not dur > 0:
        raise fail("DUR", "RATE -2 means the infusion's duration is in DUR, which must be positive hours")
    if rate > 0 and dur > 0:
        raise fail("DUR", "give the infusion by RATE or by DUR, not both (RATE -2 takes DUR)")
    if ii < 0:
        raise fail("II", f"must not be negative (got {ii:g} h)")
    if addl < 0:
        raise fail("ADDL", f"must not be negative (got {addl:g})")
    if addl > 0 and not ii > 0:
        raise fail("II", f"ADDL {addl:g} needs the interval between doses, II > 0 h")
    if ii > 0 and not addl > 0:
        raise fail("ADDL", f"II {ii:g} h without ADDL (additional doses) is not supported (steady state is not "
                           "read); give ADDL > 0")
    if not math.isnan(mdv) and mdv != 1:
        raise fail("MDV", f"a dose record has MDV 1 (got {mdv:g})")


def _check_observation(fail, cmt: int, amt: float, rate: float, dur: float, ii: float, addl: float,
                       mdv: float) -> None:
    """The refusals of an observation record (EVID 0)."""
    if cmt not in OBSERVATION_COMPARTMENTS:
        if cmt in DOSE_COMPARTMENTS:
            d = DOSE_COMPARTMENTS[cmt]
            raise fail("CMT", f"CMT {cmt} is a dosing compartment ({d.drug} {d.route}); an observation names an "
                              f"observation compartment ({_observation_list()})")
        raise fail("CMT", f"unknown observation compartment {cmt} ({_observation_list()})")
    for column, value in (("AMT", amt), ("RATE", rate), ("DUR", dur), ("II", ii), ("ADDL", addl)):
        if value != 0:
            raise fail(column, f"an observation record (EVID 0) has no dose: {column} must be 0 or missing "
                               f"(got {value:g})")
    if not math.isnan(mdv) and mdv not in (0, 1):
        raise fail("MDV", f"must be 0 or 1 (got {mdv:g})")


def _patients(numbers: Mapping[str, np.ndarray], records: list[Record], source: str) -> dict[int, Patient]:
    """ID -> Patient of its covariates: the first row's values, the same on every row of the ID."""
    out: dict[int, Patient] = {}
    first: dict[int, int] = {}
    for i, rec in enumerate(records):
        values = {k: numbers[k][i] for k in COVARIATES if k in numbers}
        if rec.id not in first:
            first[rec.id] = i
            try:
                out[rec.id] = patient_of(values)
            except PatientError as exc:
                column, _, why = str(exc).partition(": ")
                raise DatasetError(f"{where(source, rec.row, rec.line, column)}: {why}") from None
            continue
        j = first[rec.id]
        for k, v in values.items():
            w = numbers[k][j]
            if not (v == w or (math.isnan(v) and math.isnan(w))):
                raise DatasetError(f"{where(source, rec.row, rec.line, k)}: {k} changes within ID {rec.id} "
                                   f"({v:g} here, {w:g} in row {records[j].row}); covariates are constant "
                                   "within an ID")
    return out


def _dose_list() -> str:
    return ", ".join(f"{c} {d.drug} {d.route}" for c, d in DOSE_COMPARTMENTS.items())


def _observation_list() -> str:
    return ", ".join(f"{c} {o}" for c, o in OBSERVATION_COMPARTMENTS.items())
