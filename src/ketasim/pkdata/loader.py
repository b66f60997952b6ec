"""Read `data/pk/` (index.toml, summaries.csv and the series CSVs) into `records`.

The CSV files are read by pandas (every cell as text, so nothing is guessed) and checked
here: the columns must be those index.toml lists, numbers must be finite, a value is a
number or a range `lo-hi`. A bad file raises `InputError` naming the file, the row
(counted with the header as row 1, so a file without quoted line breaks gives its line
number) and the column.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..errors import InputError
from ..files import read_toml
from .records import Observed, PkData, Series, SeriesPoint, SummaryRow

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "pk"
INDEX = "index.toml"
SERIES_COLUMNS = ("time_h", "value", "sd", "n")   # index.toml: "columns time_h, value, sd, n"
SETS = ("calibration", "validation")              # the split of index.toml
FIRST_DATA_LINE = 2                               # a CSV's header is line 1
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*-\s*({_NUMBER})\s*$")


def _where(path: Path, line: int | None = None, column: str | None = None) -> str:
    """'file', 'file: row N' or 'file: row N, column C' (the message's field)."""
    out = path.name
    if line is not None:
        out += f": row {line}"
    if column is not None:
        out += f", column {column}"
    return out


def _number(text: str, where: str) -> float:
    """A finite float from a cell's text; InputError naming `where` otherwise."""
    try:
        x = float(text)
    except ValueError:
        raise InputError(f"{where}: not a number ({text!r})") from None
    if not math.isfinite(x):
        raise InputError(f"{where}: not a finite number ({text!r})")
    return x


def optional_number(text: str, where: str) -> float | None:
    """None for an empty cell, else `_number`."""
    return None if not text.strip() else _number(text, where)


def observed_value(text: str, where: str) -> Observed:
    """A published value: 'x' or a range 'lo-hi' (lo <= hi), compared at its midpoint."""
    m = _RANGE.match(text)
    if m:
        lo, hi = _number(m.group(1), where), _number(m.group(2), where)
        if lo > hi:
            raise InputError(f"{where}: a range is written low-high (got {text!r})")
        return Observed((lo + hi) / 2.0, lo, hi)
    x = _number(text, where)
    return Observed(x, x, x)


def read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """The CSV at `path`, every cell as text (empty cells ''), with exactly `columns`."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{_where(path)}: file not found ({path})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{_where(path)}: not a readable CSV file ({first})") from None
    got = tuple(frame.columns)
    if got != columns:
        missing = [c for c in columns if c not in got]
        extra = [c for c in got if c not in columns]
        what = "; ".join(p for p in (f"missing {', '.join(missing)}" if missing else "",
                                     f"unknown {', '.join(extra)}" if extra else "",
                                     "" if missing or extra else "columns out of order") if p)
        raise InputError(f"{_where(path)}: column header does not match index.toml ({what})")
    return frame


def summary_rows(path: Path, columns: tuple[str, ...]) -> tuple[SummaryRow, ...]:
    """The rows of summaries.csv as `SummaryRow`s; ids unique, `set` one of `SETS`."""
    frame = read_csv(path, columns)
    rows: list[SummaryRow] = []
    seen: set[str] = set()
    for k, rec in enumerate(frame.to_dict("records")):
        line = k + FIRST_DATA_LINE
        cell: Mapping[str, str] = {c: str(v).strip() for c, v in rec.items()}
        for required in ("id", "source", "set", "analyte", "metric", "value", "unit"):
            if not cell[required]:
                raise InputError(f"{_where(path, line, required)}: empty")
        if cell["id"] in seen:
            raise InputError(f"{_where(path, line, 'id')}: duplicate id {cell['id']!r}")
        seen.add(cell["id"])
        if cell["set"] not in SETS:
            raise InputError(f"{_where(path, line, 'set')}: {cell['set']!r} is not one of {', '.join(SETS)}")
        rows.append(SummaryRow(
            id=cell["id"], source=cell["source"], set=cell["set"], analyte=cell["analyte"],
            drug=cell["drug"], route=cell["route"], dose=cell["dose"], dose_unit=cell["dose_unit"],
            infusion_min=optional_number(cell["infusion_min"], _where(path, line, "infusion_min")),
            metric=cell["metric"], observed=observed_value(cell["value"], _where(path, line, "value")),
            unit=cell["unit"], statistic=cell["statistic"], sampling=cell["sampling"],
            quality=cell["quality"], note=cell["note"], line=line))
    return tuple(rows)


def series_points(path: Path) -> tuple[SeriesPoint, ...]:
    """The points of one series CSV (columns `SERIES_COLUMNS`), times strictly increasing."""
    frame = read_csv(path, SERIES_COLUMNS)
    points: list[SeriesPoint] = []
    for k, rec in enumerate(frame.to_dict("records")):
        line = k + FIRST_DATA_LINE
        t = _number(str(rec["time_h"]), _where(path, line, "time_h"))
        if t < 0:
            raise InputError(f"{_where(path, line, 'time_h')}: a time from the start of dosing is not negative")
        if points and t <= points[-1].time_h:
            raise InputError(f"{_where(path, line, 'time_h')}: times must increase ({t:g} after "
                             f"{points[-1].time_h:g})")
        n = optional_number(str(rec["n"]), _where(path, line, "n"))
        if n is not None and (n != int(n) or n < 1):
            raise InputError(f"{_where(path, line, 'n')}: a number of subjects is a positive whole number")
        points.append(SeriesPoint(t, _number(str(rec["value"]), _where(path, line, "value")),
                                  optional_number(str(rec["sd"]), _where(path, line, "sd")),
                                  None if n is None else int(n)))
    if not points:
        raise InputError(f"{_where(path)}: no points")
    return tuple(points)


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    """A required text field of an index.toml table."""
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}.{key}: missing or not text")
    return value.strip()


def one_series(folder: Path, sid: str, entry: Mapping[str, Any]) -> Series:
    """The series `sid` of index.toml (its table `entry`) with its CSV's points.

    `infusion` is a number of minutes, or text saying it was not read (then None)."""
    where = f"{INDEX}: series.{sid}"
    dose = entry.get("dose")
    if isinstance(dose, bool) or not isinstance(dose, (int, float)) or not math.isfinite(dose) or dose <= 0:
        raise InputError(f"{where}.dose: a positive number")
    infusion = entry.get("infusion")
    infusion_min = float(infusion) if isinstance(infusion, (int, float)) and not isinstance(infusion, bool) else None
    set_name = _text(entry, "set", where)
    if set_name not in SETS:
        raise InputError(f"{where}.set: {set_name!r} is not one of {', '.join(SETS)}")
    return Series(id=sid, source=_text(entry, "source", where), set=set_name,
                  analyte=_text(entry, "analyte", where), drug=_text(entry, "drug", where),
                  route=_text(entry, "route", where), dose=float(dose), dose_unit=_text(entry, "dose_unit", where),
                  infusion_min=infusion_min, unit=_text(entry, "unit", where),
                  quality=str(entry.get("quality", "")), points=series_points(folder / _text(entry, "path", where)))


def load_pk_data(folder: Path = DATA_DIR) -> PkData:
    """Everything in `folder` (default: the package's `data/pk/`): index.toml, its summaries
    file and every series it lists."""
    folder = Path(folder)
    index = read_toml(folder / INDEX, INDEX)
    summaries = index.get("summaries")
    if not isinstance(summaries, dict):
        raise InputError(f"{INDEX}: summaries: missing table")
    columns = summaries.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise InputError(f"{INDEX}: summaries.columns: a list of column names")
    rows = summary_rows(folder / _text(summaries, "path", f"{INDEX}: summaries"), tuple(columns))
    tables = index.get("series", {})
    if not isinstance(tables, dict):
        raise InputError(f"{INDEX}: series: a table of series")
    series = tuple(one_series(folder, sid, entry) for sid, entry in tables.items())
    return PkData(rows, series)
