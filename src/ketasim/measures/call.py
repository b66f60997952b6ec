"""A statistic call: a statistic with its options parsed and checked against the output grid,
and the conversion of its result to the unit asked for, fixed once.

`measure_call` turns an experiment measure (text quantities such as "40 min") into a
`Call`; `call_of` does it from options already in minutes (the sensitivity grammar, the
report). A call then evaluates batches of curves with NumPy (`numpy`, `value`) or JAX
(`jax`), always in the target unit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..units import parse_quantity, unit
from .errors import MeasureError
from .grid import EDGE, window_index
from .registry import statistic
from .statistic import Curve, Options


@dataclass(frozen=True)
class Call:
    """One statistic ready to evaluate on one output grid (hashable: a cache key for fits).

    unit: the statistic's result unit for the observable; target: the unit the values are
    returned in; factor: unit -> target; other_factor: the second curve's unit -> the
    observable's unit (auc_ratio's versus observable); field: where the measure came from.
    """

    statistic: str
    options: Options
    unit: str
    target: str
    factor: float = 1.0
    other_factor: float = 1.0
    field: str = "measure"

    def _other(self, other: Curve | None) -> Curve | None:
        if other is None or self.other_factor == 1.0:
            return other
        return Curve(other.t, other.y * self.other_factor)

    def numpy(self, t: np.ndarray, y: np.ndarray, other: Curve | None = None) -> np.ndarray:
        """Values of a batch: t (T,) min, y (n, T) in the observable's unit -> (n,) in `target`."""
        return statistic(self.statistic).numpy(t, y, self.options, self._other(other)) * self.factor

    def jax(self, t: np.ndarray, y, other: Curve | None = None):
        """The traceable value(s) of y (..., T) (a JAX array; t a NumPy grid), in `target`."""
        return statistic(self.statistic).jax(t, y, self.options, self._other(other)) * self.factor

    def value(self, t: np.ndarray, y: np.ndarray, other: Curve | None = None) -> float:
        """The value of one curve y (T,); MeasureError naming the field where it is undefined
        (a zero denominator, no decay to fit) although the curves are finite."""
        o = None if other is None else Curve(other.t, np.asarray(other.y, dtype=float)[None, :])
        v = float(self.numpy(t, np.asarray(y, dtype=float)[None, :], o)[0])
        finite = np.all(np.isfinite(y)) and (other is None or np.all(np.isfinite(other.y)))
        if np.isnan(v) and finite and statistic(self.statistic).undefined:
            raise MeasureError(f"{self.field}: {self.statistic}: {statistic(self.statistic).undefined}")
        return v


def _factor(from_text: str, to_text: str, field: str) -> float:
    """Magnitude in `to_text` of one `from_text`; MeasureError naming `field` if they differ in dimension."""
    source, target = unit(from_text), unit(to_text)
    if source.dimensionality != target.dimensionality:
        raise MeasureError(f"{field}: {to_text!r} cannot express a value in {source:~}")
    return float((1.0 * source).to(target).magnitude)


def _inside(t: np.ndarray, at: float, field: str) -> None:
    if not np.isfinite(at) or at < t[0] - EDGE or at > t[-1] + EDGE:
        raise MeasureError(f"{field}: {at:g} min is outside the simulated time")


def call_of(name: str, t: np.ndarray, observable_unit: str, options: Options = Options(),
            target: str | None = None, field: str = "measure", other_unit: str | None = None) -> Call:
    """A `Call` of the statistic `name` on the grid t (T,) min for an observable in
    `observable_unit`, its values in `target` (default: the statistic's own unit).

    Refuses, with a MeasureError naming the field: an unknown statistic, a missing `at`,
    `baseline_at`, dose or second curve, times outside the grid, a window with fewer than
    two grid points, and units that cannot express the result.
    """
    s = statistic(name, field)
    t = np.asarray(t, dtype=float)
    for key in ("at", "baseline_at"):
        if key in s.needs:
            value = getattr(options, key)
            if value is None:
                raise MeasureError(f"{field}.{key}: {name} needs '{key}'")
            _inside(t, value, f"{field}.{key}")
    if "reference" in s.needs and (options.dose is None or options.reference_dose is None):
        raise MeasureError(f"{field}: {name} needs protocol.reference_doses")
    if "versus" in s.needs and other_unit is None:
        raise MeasureError(f"{field}.versus: {name} needs 'versus'")
    if options.window is not None and window_index(t, options.window).size < 2:
        lo, hi = options.window
        raise MeasureError(f"{field}.window: fewer than two output times in [{lo:g} min, {hi:g} min]")
    result = s.unit(observable_unit)
    target = result if target is None else target
    factor = _factor(result, target, f"{field}.unit")
    other = _factor(other_unit, observable_unit, f"{field}.versus") if other_unit is not None else 1.0
    return Call(name, options, result, target, factor, other, field)


def measure_options(measure, field: str) -> Options:
    """An experiment measure's at, baseline_at and window parsed to minutes (InputError naming the field)."""
    s = statistic(measure.statistic, field)
    at = parse_quantity(measure.at, "min", f"{field}.at") if measure.at is not None else None
    base = getattr(measure, "baseline_at", None)
    baseline = parse_quantity(base, "min", f"{field}.baseline_at") \
        if base is not None and "baseline_at" in s.needs else None
    window = None
    if measure.window is not None:
        window = (parse_quantity(measure.window[0], "min", f"{field}.window"),
                  parse_quantity(measure.window[1], "min", f"{field}.window"))
    return Options(at=at, baseline_at=baseline, window=window)


def measure_call(measure, t: np.ndarray, observable_unit: str, field: str, other_unit: str | None = None,
                 dose: float | None = None, reference_dose: float | None = None) -> Call:
    """The `Call` of an experiment measure (its statistic, at, baseline_at, window and unit) on
    the grid t (min); other_unit: the versus observable's unit; dose, reference_dose (mg):
    the regimen's and the reference regimen's totals (bioavailability)."""
    options = replace(measure_options(measure, field), dose=dose, reference_dose=reference_dose)
    return call_of(measure.statistic, t, observable_unit, options, measure.unit, field, other_unit)
