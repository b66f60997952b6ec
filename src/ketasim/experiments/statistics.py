"""Statistics of a simulated time course, in the units an experiment asks for."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..units import parse_quantity, unit, ureg


class MeasureError(InputError):
    """A measure cannot be computed (unit mismatch, bad window, unknown observable)."""


def _convert(value: float, from_unit, to_text: str, field: str) -> float:
    target = unit(to_text)
    q = value * from_unit
    if q.dimensionality != target.dimensionality:
        raise MeasureError(f"{field}.unit: {to_text!r} cannot express a value in {from_unit:~}")
    return float(q.to(target).magnitude)


def _window(t: np.ndarray, window, field: str) -> np.ndarray:
    if window is None:
        return np.ones_like(t, dtype=bool)
    lo = parse_quantity(window[0], "min", f"{field}.window")
    hi = parse_quantity(window[1], "min", f"{field}.window")
    sel = (t >= lo - 1e-9) & (t <= hi + 1e-9)
    if sel.sum() < 2:
        raise MeasureError(f"{field}.window: fewer than two output times in [{window[0]}, {window[1]}]")
    return sel


def value_at(t: np.ndarray, y: np.ndarray, at_min: float, field: str) -> float:
    if at_min < t[0] - 1e-9 or at_min > t[-1] + 1e-9:
        raise MeasureError(f"{field}.at: {at_min:g} min is outside the simulated time")
    return float(np.interp(at_min, t, y))


def terminal_half_life(t: np.ndarray, y: np.ndarray) -> float:
    """Half-life (min) from a log-linear least-squares fit; needs positive, falling values."""
    if np.any(y <= 0):
        raise MeasureError("half_life: values must be positive in the window")
    slope = np.polyfit(t, np.log(y), 1)[0]
    if slope >= 0:
        raise MeasureError("half_life: the values are not declining in the window")
    return float(np.log(2) / -slope)


def compute(statistic: str, t: np.ndarray, y: np.ndarray, obs_unit: str, measure, field: str,
            reference: tuple[np.ndarray, np.ndarray, float, float] | None = None,
            versus: tuple[np.ndarray, str] | None = None) -> float:
    """One statistic of y(t) (t in min, y in obs_unit) expressed in measure.unit.

    reference: (t, y, dose, reference dose) of the reference regimen (bioavailability).
    versus: (values, unit) of the denominator observable on the same grid (auc_ratio).
    """
    u = unit(obs_unit)
    sel = _window(t, measure.window, field)
    tw, yw = t[sel], y[sel]
    if statistic == "max":
        return _convert(float(yw.max()), u, measure.unit, field)
    if statistic == "min":
        return _convert(float(yw.min()), u, measure.unit, field)
    if statistic == "mean":
        return _convert(float(np.trapezoid(yw, tw) / (tw[-1] - tw[0])), u, measure.unit, field)
    if statistic == "value_at":
        return _convert(value_at(t, y, parse_quantity(measure.at, "min", f"{field}.at"), field), u,
                        measure.unit, field)
    if statistic == "time_of_max":
        return _convert(float(tw[np.argmax(yw)]), ureg.minute, measure.unit, field)
    if statistic == "auc":
        return _convert(float(np.trapezoid(yw, tw)), u * ureg.minute, measure.unit, field)
    if statistic in ("ratio_to_baseline", "change_from_baseline"):
        v = value_at(t, y, parse_quantity(measure.at, "min", f"{field}.at"), field)
        b = value_at(t, y, parse_quantity(measure.baseline_at, "min", f"{field}.baseline_at"), field)
        if statistic == "change_from_baseline":
            return _convert(v - b, u, measure.unit, field)
        if b == 0:
            raise MeasureError(f"{field}: baseline value is zero, ratio undefined")
        return _convert(v / b, ureg.dimensionless, measure.unit, field)
    if statistic == "half_life":
        return _convert(terminal_half_life(tw, yw), ureg.minute, measure.unit, field)
    if statistic == "auc_ratio":
        if versus is None:
            raise MeasureError(f"{field}: auc_ratio needs 'versus'")
        vy, v_unit = versus
        denominator = _convert(float(np.trapezoid(vy[sel], tw)), unit(v_unit), obs_unit, f"{field}.versus")
        if denominator == 0:
            raise MeasureError(f"{field}.versus: the AUC of {measure.versus} is zero, ratio undefined")
        return _convert(float(np.trapezoid(yw, tw)) / denominator, ureg.dimensionless, measure.unit, field)
    if statistic == "bioavailability":
        if reference is None:
            raise MeasureError(f"{field}: bioavailability needs protocol.reference_doses")
        rt, ry, dose, ref_dose = reference
        auc = float(np.trapezoid(y, t)) / dose
        ref = float(np.trapezoid(ry, rt)) / ref_dose
        return _convert(auc / ref, ureg.dimensionless, measure.unit, field)
    raise MeasureError(f"{field}.statistic: unknown statistic {statistic!r}")
