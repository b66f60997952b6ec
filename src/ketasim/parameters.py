"""Parameter records: every number in the model is one of these.

A `Parameter` carries its value, unit, plausible bounds, population variability
(log-normal coefficient of variation between subjects), species and a `source` key into
the reference registry. `source="assumed"` is legal only with a stated `note` (why the
value was chosen), and `source="fitted"` only with a note saying what it was fitted to.
Records are frozen: a patient or a calibration is `dataclasses.replace`, never mutation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from .errors import InputError
import pint

from .units import parse_quantity, to_canonical, unit

SPECIES = ("human", "rat", "mouse")
UNSOURCED = ("assumed", "fitted")


@dataclass(frozen=True)
class Parameter:
    """One model parameter with unit, bounds, variability and provenance.

    value: in `unit`. lower/upper: plausible bounds in `unit` (used by sampling and
    fitting). cv: between-subject coefficient of variation of a log-normal
    distribution (0 = fixed). species: "all" or one of SPECIES.
    """

    name: str
    value: float
    unit: str
    source: str
    description: str = ""
    lower: float | None = None
    upper: float | None = None
    cv: float = 0.0
    species: str = "all"
    note: str = ""

    def __post_init__(self) -> None:
        unit(self.unit)  # raises on an unknown unit
        if self.species != "all" and self.species not in SPECIES:
            raise ValueError(f"parameter {self.name}: unknown species {self.species!r}")
        if self.source in UNSOURCED and not self.note.strip():
            raise ValueError(f"parameter {self.name}: source {self.source!r} needs a note saying why")
        if self.cv < 0:
            raise ValueError(f"parameter {self.name}: cv must be >= 0")
        lo, hi = self.bounds
        if not lo <= self.value <= hi:
            raise ValueError(f"parameter {self.name}: value {self.value} outside [{lo}, {hi}]")

    @property
    def bounds(self) -> tuple[float, float]:
        """(lower, upper) in `unit`, -inf/inf where none is declared."""
        return (self.lower if self.lower is not None else -math.inf,
                self.upper if self.upper is not None else math.inf)

    @property
    def canonical(self) -> float:
        """The value in the coherent canonical unit system of the slow model."""
        return to_canonical(self.value, self.unit)

    def applies_to(self, species: str) -> bool:
        return self.species in ("all", species)


def p(name: str, value: float, unit_: str, source: str, description: str = "", **kw) -> Parameter:
    """Short constructor used by mechanism modules."""
    return Parameter(name=name, value=value, unit=unit_, source=source, description=description, **kw)


class ParameterError(InputError):
    """A parameter value given by a user (a protocol, a parameter file) names no parameter of
    the model, or is not a finite number within the parameter's bounds."""


@dataclass(frozen=True)
class ParameterSet:
    """An immutable mapping of qualified parameter names ('module.param') to records."""

    items: Mapping[str, Parameter] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Parameter:
        return self.items[key]

    def __contains__(self, key: object) -> bool:
        return key in self.items

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def values(self) -> Iterable[Parameter]:
        return self.items.values()

    def with_values(self, **updates: float) -> "ParameterSet":
        """A new set with some values replaced (keys are qualified names)."""
        return self.with_mapping(updates)

    def with_mapping(self, updates: Mapping[str, float], field: str = "parameters") -> "ParameterSet":
        """A new set with some values replaced (qualified names, values in each parameter's
        unit, or quantities with their own, see `checked_value`).

        Every name must be a parameter of the set and every value a finite number within the
        parameter's bounds (`lower`, `upper`); otherwise `ParameterError` (an `InputError`)
        names `field` and the first offending key, e.g. 'protocol.parameters.ketamine_s.cl'.
        """
        unknown = [k for k in updates if k not in self.items]
        if unknown:
            more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
            raise ParameterError(f"{field}.{unknown[0]}: the model has no such parameter{more}")
        new = dict(self.items)
        for k, v in updates.items():
            new[k] = replace(new[k], value=checked_value(new[k], v, f"{field}.{k}"))
        return ParameterSet(new)


def checked_value(prm: Parameter, value: object, field: str) -> float:
    """`value` as a float for `prm`: a finite number within its bounds, else `ParameterError`
    naming `field` (bounds and value in the parameter's unit).

    A number is in the parameter's unit; a quantity string ('0.02 1/min') or a pint
    Quantity is converted to it by the one parser (`units.parse_quantity`)."""
    if isinstance(value, (str, pint.Quantity)):
        value = parse_quantity(value, prm.unit, field)
    if isinstance(value, bool):
        raise ParameterError(f"{field}: must be a number (got {value!r})")
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"{field}: must be a number (got {value!r})") from None
    if not math.isfinite(x):
        raise ParameterError(f"{field}: must be a finite number (got {x})")
    lo, hi = prm.bounds
    if not lo <= x <= hi:
        raise ParameterError(f"{field}: {x:g} {prm.unit} is outside the parameter's bounds [{lo:g}, {hi:g}]")
    return x
