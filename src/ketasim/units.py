"""Units at the edges: one pint registry, parsing of user quantities, canonical units.

The slow model runs on plain floats in a *coherent canonical system* whose base units
are minute (time), milligram (mass), decimetre (length, so volume is the litre),
micromole (amount) and the SI base units for everything else. Because the system is
coherent, arithmetic on canonical magnitudes is physically correct for any equation,
and a value is converted to a declared unit (e.g. ng/mL for a plasma level) by one
constant factor, computed once at model build.
"""

from __future__ import annotations

from functools import lru_cache

import pint

from .errors import InputError

ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
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


@lru_cache(maxsize=None)
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


def same_dimension(a: str, b: str) -> bool:
    """Whether two unit strings measure the same dimension."""
    return unit(a).dimensionality == unit(b).dimensionality


def parse_quantity(text: str | float | int, expected: str, field: str) -> float:
    """Parse a user quantity such as '0.5 mg/kg' and return its magnitude in `expected`.

    Raises UnitError with a one-line message naming `field` when the text is not a
    quantity or its dimension differs from `expected`'s.
    """
    if isinstance(text, bool):
        raise UnitError(f"{field}: expected a quantity in {expected}, got {text!r}")
    if isinstance(text, (int, float)):
        if unit(expected).dimensionality:
            raise UnitError(f"{field}: {text!r} has no unit; write it as e.g. '{text} {expected}'")
        return float(text)
    try:
        q = Q_(str(text).strip())
    except Exception:
        raise UnitError(f"{field}: cannot read {text!r} as a quantity (e.g. '1 {expected}')") from None
    if not isinstance(q, pint.Quantity):
        q = Q_(float(q), "dimensionless")
    target = unit(expected)
    if q.dimensionality != target.dimensionality:
        raise UnitError(
            f"{field}: {text!r} is not in a unit of {expected} "
            f"(has dimension {q.dimensionality}, needs {target.dimensionality})"
        )
    return float(q.to(target).magnitude)


def parse_dose(text: str, field: str) -> tuple[float, bool]:
    """'0.5 mg/kg' -> (0.5, True); '50 mg' -> (50.0, False). Negative doses are refused."""
    try:
        q = Q_(str(text).strip())
    except Exception:
        raise UnitError(f"{field}: cannot read {text!r} as a dose (e.g. '0.5 mg/kg' or '50 mg')") from None
    if not isinstance(q, pint.Quantity) or str(q.units) == "dimensionless":
        raise UnitError(f"{field}: {text!r} has no unit; write e.g. '0.5 mg/kg' or '50 mg'")
    if q.dimensionality == unit("mg").dimensionality:
        value, per_kg = float(q.to("mg").magnitude), False
    elif q.dimensionality == unit("mg/kg").dimensionality:
        value, per_kg = float(q.to("mg/kg").magnitude), True
    else:
        raise UnitError(f"{field}: {text!r} is not a dose in mg or mg/kg")
    if value < 0:
        raise UnitError(f"{field}: must not be negative (got {text!r})")
    return value, per_kg
