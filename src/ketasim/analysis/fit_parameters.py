"""The parameters a fit adjusts: which names, bounds, start, and the unconstrained coordinates.

A fitted parameter is a qualified name ('ketamine_s.cl') or a shell-style pattern
('ketamine_?.cl', 'ketamine_*.cl'): all matching names share one fitted value (racemic
data cannot tell the enantiomers apart; under the default `population` disposition the
S- and R-ketamine clearances differ, 95 vs 79.17 L/h, and a pattern fit sets both to
one value, whereas `domino1982` and `herd2007` declare the same values for both). Bounds, in the parameter's unit: given ones (`NAME=LO:HI`), else the
declared `lower`/`upper` (the tightest over the matched names), else value/10 .. value*10.

The optimiser works on an unconstrained x per parameter. For positive bounds the map is
log-logistic, value = exp(log lo + (log hi - log lo) * sigmoid(x)), so a step in x is a
relative change of the value and the value never leaves [lo, hi]; for bounds that reach
zero or below it is logistic in the value itself, value = lo + (hi - lo) * sigmoid(x).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..errors import InputError

DEFAULT_SPAN = 10.0       # default bounds: value / 10 .. value * 10
AT_BOUND = 1e-4          # a value this close to a bound (fraction of the mapped range) has ended on it
EDGE = 1e-3               # a start on a bound is moved this far (a fraction of the range) inside, where
                          # the map still has slope


@dataclass(frozen=True)
class FitParameter:
    """One fitted value: the label the user gave, the qualified names it sets, unit, start and bounds."""

    label: str
    names: tuple[str, ...]
    unit: str
    initial: float
    lower: float
    upper: float

    @property
    def log(self) -> bool:
        """Whether the map to the bounds is log-logistic (positive bounds) or logistic."""
        return self.lower > 0


def bounded(x, lower, upper, log: bool, xp=np):
    """The value inside [lower, upper] of unconstrained x: log-logistic if `log`, else logistic.

    lower, upper may be traced arrays (a fit passes them as data); `log` is static.
    """
    glo, ghi = (xp.log(lower), xp.log(upper)) if log else (lower, upper)
    g = glo + (ghi - glo) / (1.0 + xp.exp(-x))
    return xp.exp(g) if log else g


def to_fraction(fp: FitParameter, value: float) -> float:
    """Where value lies in its bounds, 0 (lower) to 1 (upper), in the map's coordinate (log or linear)."""
    g = np.log if fp.log else (lambda v: v)
    return float((g(float(value)) - g(fp.lower)) / (g(fp.upper) - g(fp.lower)))


def on_bound(fp: FitParameter, value: float) -> bool:
    """Whether a fitted value ended on its bound (within AT_BOUND of the mapped range)."""
    return not AT_BOUND < to_fraction(fp, value) < 1.0 - AT_BOUND


def to_unconstrained(fp: FitParameter, value: float) -> float:
    """x with from_unconstrained(fp, x) = value (a value on a bound is moved just inside)."""
    s = float(np.clip(to_fraction(fp, value), EDGE, 1.0 - EDGE))
    return float(np.log(s) - np.log1p(-s))


def from_unconstrained(fp: FitParameter, x, xp=np):
    """The value (in the parameter's unit, inside [lower, upper]) of unconstrained x; xp: numpy or jax.numpy."""
    return bounded(x, fp.lower, fp.upper, fp.log, xp)


def value_of(fp: FitParameter, x: float) -> float:
    """from_unconstrained as a float clipped onto [lower, upper] (rounding of exp/log)."""
    return float(np.clip(from_unconstrained(fp, float(x)), fp.lower, fp.upper))


def parse_bounds(items: Sequence[str], field: str = "--bounds") -> dict[str, tuple[float, float]]:
    """['NAME=LO:HI', ...] -> {NAME: (LO, HI)}; InputError naming `field` if malformed."""
    out: dict[str, tuple[float, float]] = {}
    for text in items:
        name, eq, rng = (s.strip() for s in str(text).partition("="))
        lo, colon, hi = rng.partition(":")
        try:
            if not (eq and colon and name):
                raise ValueError
            lo_f, hi_f = float(lo), float(hi)
        except ValueError:
            raise InputError(f"{field}: expected NAME=LO:HI, got {text!r}") from None
        if not (np.isfinite(lo_f) and np.isfinite(hi_f) and lo_f < hi_f):
            raise InputError(f"{field}: {name}: need finite LO < HI (got {lo}:{hi})")
        out[name] = (lo_f, hi_f)
    return out


def _default_bounds(label: str, value: float, lower, upper, unit: str) -> tuple[float, float]:
    if value > 0:
        lo_d, hi_d = value / DEFAULT_SPAN, value * DEFAULT_SPAN
    elif value < 0:
        lo_d, hi_d = value * DEFAULT_SPAN, value / DEFAULT_SPAN
    else:
        lo_d = hi_d = None
    lo = lower if lower is not None else lo_d
    hi = upper if upper is not None else hi_d
    if lo is None or hi is None:
        raise InputError(f"--bounds: {label} is 0 with no declared bounds; give {label}=LO:HI in {unit}")
    return float(lo), float(hi)


def resolve_parameters(labels: Sequence[str], known: Mapping, bounds: Mapping[str, tuple[float, float]] | None = None,
                       initial: Mapping[str, float] | None = None, field: str = "--parameter") -> tuple[FitParameter, ...]:
    """The `FitParameter`s of names or patterns `labels`, against `known` (qualified name -> Parameter).

    bounds, initial: by label, in the parameter's unit. The start is `initial`, else the
    first matched name's value, else (if that is outside given bounds) the middle of the
    bounds (geometric for positive bounds). InputError naming `field` for an
    unknown name, a pattern matching nothing, names matched twice, mixed units, a start
    outside the bounds; naming --bounds for bounds of a parameter not fitted.
    """
    bounds, initial = dict(bounds or {}), dict(initial or {})
    if not labels:
        raise InputError(f"{field}: name at least one parameter to fit")
    stray = [k for k in bounds if k not in labels]
    if stray:
        raise InputError(f"--bounds: {stray[0]!r} is not a fitted parameter (fitted: {', '.join(labels)})")
    out, seen = [], {}
    for label in labels:
        names = tuple(sorted(fnmatch.filter(known, label))) if any(c in label for c in "*?[") else (
            (label,) if label in known else ())
        if not names:
            raise InputError(f"{field}: unknown parameter {label!r} (qualified names such as 'ketamine_s.cl', "
                             "or patterns such as 'ketamine_?.cl')")
        for n in names:
            if n in seen:
                raise InputError(f"{field}: {n} is matched by both {seen[n]!r} and {label!r}")
            seen[n] = label
            if n.startswith("patient."):
                raise InputError(f"{field}: {n} is a patient covariate (set by the protocol's patient), not fitted")
        recs = [known[n] for n in names]
        units = {r.unit for r in recs}
        if len(units) > 1:
            raise InputError(f"{field}: {label!r} matches parameters in different units ({', '.join(sorted(units))})")
        lowers = [r.lower for r in recs if r.lower is not None]
        uppers = [r.upper for r in recs if r.upper is not None]
        start = float(initial.get(label, recs[0].value))
        lo, hi = bounds.get(label) or _default_bounds(label, float(recs[0].value), max(lowers) if lowers else None,
                                                      min(uppers) if uppers else None, recs[0].unit)
        if not lo < hi:
            raise InputError(f"--bounds: {label}: the bounds [{lo:g}, {hi:g}] are empty")
        if not lo <= start <= hi:
            if label in initial:
                raise InputError(f"{field}: {label}: the start {start:g} is outside the bounds [{lo:g}, {hi:g}]")
            start = float(np.sqrt(lo * hi)) if lo > 0 else 0.5 * (lo + hi)  # the middle of the map (x = 0)
        out.append(FitParameter(label, names, recs[0].unit, start, float(lo), float(hi)))
    return tuple(out)
