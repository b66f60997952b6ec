"""Units at the edges: one pint registry, parsing of user quantities, canonical units.

The slow model runs on plain floats in a *coherent canonical system* whose base units
are minute (time), milligram (mass), decimetre (length, so volume is the litre),
micromole (amount) and the SI base units for everything else. Because the system is
coherent, arithmetic on canonical magnitudes is physically correct for any equation,
and a value is converted to a declared unit (e.g. ng/mL for a plasma level) by one
constant factor, computed once at model build.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence, Union

import numpy as np
import pint

from .cache import compilation_cache_dir
from .errors import InputError
from .limits import MAX_QUANTITY_CHARS, shown


def new_registry() -> pint.UnitRegistry:
    """pint's registry with its parsed definitions kept in `<cache>/pint`: parsing pint's
    definitions file costs about 0.3 s in every process; read back, about 0.05 s. pint keys
    the cached files by a hash of the definitions' text. A cache that cannot be read or
    written (off, read-only, a file cut short by a concurrent writer) gives the plain,
    uncached registry: the same units, parsed again."""
    folder = compilation_cache_dir()
    if folder is not None:
        try:
            return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=folder / "pint")
        except Exception:  # noqa: BLE001 -- any cache failure: parse the definitions instead
            pass
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


ureg = new_registry()
ureg.define("relative = [] = rel")
ureg.define("fraction = []")
ureg.define("percent_ = 0.01 = pct")
Q_ = ureg.Quantity

MINUTES_PER_DAY = 1440.0  # the slow model runs in minutes; trials count visits in days

# Base dimension -> the canonical unit of that dimension.
_CANONICAL_BASE: dict[str, str] = {
    "[time]": "minute",
    "[mass]": "milligram",
    "[length]": "decimeter",
    "[substance]": "micromole",
    "[current]": "ampere",
    "[temperature]": "kelvin",
    "[luminosity]": "candela",
}


class UnitError(InputError):
    """A quantity has the wrong dimension or cannot be parsed."""


@lru_cache(maxsize=4096)  # bounded: user text reaches it
def unit(text: str) -> pint.Unit:
    """Parse a unit string ('mg/kg', 'ng/mL', '1/min', 'relative' or '1')."""
    if text.strip() in ("", "1", "dimensionless"):
        return ureg.dimensionless
    try:
        return ureg.Unit(text)
    except Exception as exc:  # pint raises several error types
        raise UnitError(f"unknown unit {text!r}") from exc


def canonical_unit(dimensionality: pint.util.UnitsContainer) -> pint.Unit:
    """The canonical unit of a dimensionality (e.g. [mass]/[length]**3 -> mg/dm**3)."""
    result = ureg.dimensionless
    for dim, power in dimensionality.items():
        if dim not in _CANONICAL_BASE:
            raise UnitError(f"no canonical unit for dimension {dim}")
        result = result * ureg.Unit(_CANONICAL_BASE[dim]) ** power
    return result


@lru_cache(maxsize=None)
def to_canonical_factor(text: str) -> float:
    """Factor f so that value_in(text) * f = value in canonical units."""
    u = unit(text)
    q = (1.0 * u).to(canonical_unit(u.dimensionality))
    return float(q.magnitude)


def to_canonical(value: float, unit_text: str) -> float:
    """A value in `unit_text` expressed in canonical units."""
    return float(value) * to_canonical_factor(unit_text)


def from_canonical(value, unit_text: str):
    """A canonical magnitude (float or array) expressed in `unit_text`."""
    return value / to_canonical_factor(unit_text)


def is_concentration(text: str) -> bool:
    """True for an amount or mass per volume (ng/mL, uM, nmol/L): a quantity that cannot be negative."""
    dims = unit(text).dimensionality
    return dims in (ureg.Unit("g/L").dimensionality, ureg.Unit("mol/L").dimensionality)


def same_dimension(a: str, b: str) -> bool:
    """Whether two unit strings measure the same dimension."""
    return unit(a).dimensionality == unit(b).dimensionality


# A quantity as a user types it: a plain decimal number, then a unit (or nothing). No
# arithmetic, no thousands separators, no decimal commas, no 'nan'/'inf'.
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_QUANTITY = re.compile(rf"\s*({_NUMBER})\s*((?:[A-Za-z\u00b5\u03bc_]|1\s*/)[A-Za-z0-9\u00b5\u03bc_/*^().\s-]*)?")
_NON_FINITE = re.compile(r"\s*[+-]?(nan|inf|infinity)\b", re.IGNORECASE)


QuantityLike = Union[float, int, str, pint.Quantity]
"""What the Python API takes wherever a unit applies: a plain number (in the documented
unit), a quantity string ('0.5 mg/kg', '40 min') or a pint Quantity (of any registry)."""


class QuantityError(UnitError):
    """A quantity string that is not a finite number in a unit of the right dimension.

    The message says what is wrong without the field, so the experiment schema can put
    it under the field path of the file; `parse_quantity` and `parse_dose` prefix the field."""


@dataclass(frozen=True)
class Reading:
    """A quantity string read: the number as typed (finite) and its unit (dimensionless for none)."""

    magnitude: float
    unit: pint.Unit


def _example(expected: str | None) -> str:
    return f"e.g. '1.5 {expected}'" if expected else "e.g. '1.5 h'"


def quantity_text(value: object) -> object:
    """A scalar pint Quantity (of any registry) as the text the parser reads: its magnitude
    (repr of the float, so exact) and its unit's full name ('0.5 milligram / kilogram').

    Every other value is returned unchanged, so the one parser (`read_quantity`,
    `dose_value`) reads pint Quantities under the same rules as typed text. An array
    Quantity or a non-real magnitude is refused (`QuantityError`)."""
    if not isinstance(value, pint.Quantity):
        return value
    m = value.magnitude
    if np.ndim(m) != 0 or isinstance(m, bool) or not isinstance(m, numbers.Real):
        raise QuantityError(f"expected one real quantity, got {shown(value)}")
    return f"{float(m)!r} {value.units}"


def read_quantity(text: QuantityLike, expected: str | None = None) -> Reading:
    """Read a user quantity ('0.5 mg/kg', '40 min') under the rules every entry point shares.

    The text is at most `limits.MAX_QUANTITY_CHARS` characters (checked before parsing), a
    plain decimal number with a point (a decimal comma is refused, never read as a
    thousands separator or dropped) that is finite (no nan, inf or overflow such as
    1e400), then a unit pint knows. expected: the unit whose dimension the caller needs,
    only for the examples in messages. Raises `QuantityError` (no field; see
    `parse_quantity`); never echoes more than `limits.SHOWN_CHARS` of the text. A pint
    Quantity is read as its text (`quantity_text`).
    """
    text = quantity_text(text)
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise QuantityError(f"expected a quantity ({_example(expected)}), got {type(text).__name__}")
    if isinstance(text, (int, float)):
        if not math.isfinite(text):
            raise QuantityError(f"must be a finite number (got {text!r})")
        return Reading(float(text), ureg.dimensionless)
    if len(text) > MAX_QUANTITY_CHARS:
        raise QuantityError(f"{shown(text)} is longer than {MAX_QUANTITY_CHARS} characters")
    if "," in text:
        raise QuantityError(f"{shown(text)}: write decimals with a point, not a comma ({_example(expected)})")
    if _NON_FINITE.match(text):
        raise QuantityError(f"{shown(text)}: must be a finite number")
    m = _QUANTITY.fullmatch(text)
    if m is None:
        raise QuantityError(f"cannot read {shown(text)} as a quantity: a number, then a unit ({_example(expected)})")
    number, unit_text = m.group(1), (m.group(2) or "").strip()
    magnitude = float(number)
    if not math.isfinite(magnitude):
        raise QuantityError(f"{shown(text)}: must be a finite number (too large)")
    try:
        u = unit(unit_text)
    except UnitError:
        raise QuantityError(f"{shown(text)}: unknown unit {shown(unit_text)}") from None
    try:  # finite in the canonical units too ('1e308 d' is inf minutes), whatever unit it is later read in
        canonical = Q_(magnitude, u).to(canonical_unit(u.dimensionality)).magnitude
    except UnitError:
        canonical = Q_(magnitude, u).to_base_units().magnitude
    _converted(float(canonical), text)
    return Reading(magnitude, u)


def _dimensionless_parts(u: pint.Unit) -> list[str]:
    """The names of the dimensionless units in `u` (percent, radian, degree, ...)."""
    return [name for name, _ in Q_(1.0, u).unit_items() if not ureg.Unit(name).dimensionality]


def _converted(value: float, text: str) -> float:
    if not math.isfinite(value):
        raise QuantityError(f"{shown(text)}: must be a finite number (too large in canonical units)")
    return value


def quantity_value(text: QuantityLike, expected: str) -> float:
    """The magnitude of a user quantity in `expected` (see `read_quantity` for the rules).

    The dimension must be `expected`'s; where `expected` has a dimension, a bare number
    and any dimensionless unit in the expression (percent, rad, deg) are refused.
    Raises `QuantityError` without the field."""
    r = read_quantity(text, expected)
    target = unit(expected)
    if target.dimensionality:
        if not r.unit.dimensionality and isinstance(text, (int, float)):
            raise QuantityError(f"{text!r} has no unit; write it as e.g. '{text} {expected}'")
        odd = _dimensionless_parts(r.unit)
        if odd:
            raise QuantityError(f"{shown(text)}: {odd[0]} is not a unit of {expected}")
    if r.unit.dimensionality != target.dimensionality:
        got = f"has dimension {r.unit.dimensionality}" if r.unit.dimensionality else "has no unit"
        raise QuantityError(f"{shown(text)} is not in a unit of {expected} ({got}, needs {target.dimensionality})")
    return _converted(float(Q_(r.magnitude, r.unit).to(target).magnitude), str(text))


def parse_quantity(text: QuantityLike, expected: str, field: str) -> float:
    """Parse a user quantity such as '40 min' and return its magnitude in `expected`.

    The one parser of every entry point (files, command line, explorer, Python API):
    see `read_quantity` and `quantity_value` for the rules. Raises `UnitError` (a
    `QuantityError`) with a one-line message naming `field`.
    """
    try:
        return quantity_value(text, expected)
    except QuantityError as exc:
        raise QuantityError(f"{field}: {exc}") from None


def dose_value(text: str | pint.Quantity) -> tuple[float, bool]:
    """'0.5 mg/kg' -> (0.5, True); '50 mg' -> (50.0, False); `QuantityError` without the field.

    A dose is a mass (mg) or a mass per body mass (mg/kg) written with mass units only:
    a bare number, percent, rad or any other dimensionless unit is refused (mg/kg is
    dimensionless to pint, which is how '50 percent' once became 500,000 mg/kg).
    Negative doses are refused. A pint Quantity is read as its text (`quantity_text`).
    """
    text = quantity_text(text)
    if not isinstance(text, str):
        raise QuantityError(f"{shown(text)} has no unit; write e.g. '0.5 mg/kg' or '50 mg'")
    r = read_quantity(text, "mg/kg")
    parts = list(Q_(1.0, r.unit).unit_items())
    if not parts:
        raise QuantityError(f"{shown(text)} has no unit; write e.g. '0.5 mg/kg' or '50 mg'")
    mass = unit("mg").dimensionality
    up = sum(p for _, p in parts if p > 0)
    down = sum(p for _, p in parts if p < 0)
    if any(ureg.Unit(name).dimensionality != mass for name, _ in parts) or up != 1 or down not in (0, -1):
        raise QuantityError(f"{shown(text)} is not a dose in mg or mg/kg")
    per_kg = down == -1
    value = _converted(float(Q_(r.magnitude, r.unit).to("mg/kg" if per_kg else "mg").magnitude), text)
    if value < 0:
        raise QuantityError(f"must not be negative (got {shown(text)})")
    return value, per_kg


def parse_dose(text: str | pint.Quantity, field: str) -> tuple[float, bool]:
    """'0.5 mg/kg' -> (0.5, True); '50 mg' -> (50.0, False) (see `dose_value`); one line naming `field`."""
    try:
        return dose_value(text)
    except QuantityError as exc:
        raise QuantityError(f"{field}: {exc}") from None


def number_or_quantity(value: QuantityLike, expected: str, field: str) -> float:
    """A value in `expected`: a plain number is taken as already in `expected` (it must be
    finite), a quantity string or pint Quantity is converted by `parse_quantity`.

    This is how the Python API reads a field with a documented unit (`DoseEvent.start` in
    minutes, `Patient.weight_kg` in kg): numbers keep their documented unit, quantities
    say theirs. One line naming `field` otherwise (`QuantityError`)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return parse_quantity(float(value), "1", field)   # finite, taken in `expected`
    return parse_quantity(value, expected, field)


def minutes(value: QuantityLike, field: str) -> float:
    """A time in minutes: a finite number (minutes) or a quantity ('3 h', a pint Quantity)."""
    return number_or_quantity(value, "min", field)


def minutes_array(values: Sequence[QuantityLike] | pint.Quantity | np.ndarray, field: str) -> np.ndarray:
    """Output times in minutes, as a float array.

    values: numbers (minutes), or items that are quantity strings or pint Quantities (each
    read by `minutes`), or one pint Quantity array (its unit read once by the parser, its
    magnitudes scaled). Every time must be finite; one line naming `field` otherwise."""
    if isinstance(values, pint.Quantity) and np.ndim(values.magnitude) > 0:
        per_unit = minutes(1.0 * values.units, f"{field}: unit")
        out = np.asarray(values.magnitude, dtype=float) * per_unit
    elif isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        out = values.astype(float)
    else:
        out = np.array([minutes(v, f"{field}[{i}]") for i, v in enumerate(values)], dtype=float)
    if not np.all(np.isfinite(out)):
        raise QuantityError(f"{field}: every time must be finite")
    return out
