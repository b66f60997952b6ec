"""The parameter space of a sensitivity analysis: which parameters vary, and over what range.

Default: every model parameter with between-subject variability (`cv > 0`), since those
are the parameters the model itself says differ between patients. A parameter's range:

1. an explicit range given by the user (`NAME=LO:HI`, in the parameter's unit), else
2. its declared plausible bounds `lower`/`upper` when both are given, else
3. a log-normal +/- 2 SD interval around the typical value from its CV:
   value * exp(+/- 2 sqrt(ln(1 + cv^2))) (the central ~95 % of the population
   distribution `ketasim.population` draws from), clipped to a single declared bound.

A parameter with none of these has no range and is refused. Samples are uniform in
the parameter (scale "linear") or in its logarithm (scale "log"): log for the CV
interval (it is symmetric in log), and for bounds or explicit ranges that are positive
and span a factor of 10 or more (a rate constant between 0.01 and 1 is as likely to be
0.1 as 0.5), linear otherwise. Samplers work in these coordinates; `to_values` maps
them back to parameter values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..errors import InputError

LOG_SPAN = 10.0          # bounds spanning at least this factor are sampled in log
CV_SDS = 2.0             # the CV interval is +/- this many log-normal SDs


@dataclass(frozen=True)
class ParameterRange:
    """One varying parameter: qualified name, unit, typical value and range (in `unit`)."""

    name: str
    unit: str
    value: float
    lower: float
    upper: float
    scale: str      # "linear" or "log": what the sampler is uniform in
    rule: str       # "given", "bounds" or "cv"

    @property
    def sampling_bounds(self) -> tuple[float, float]:
        """The range in sampling coordinates (the log of the range for log scale)."""
        if self.scale == "log":
            return float(np.log(self.lower)), float(np.log(self.upper))
        return self.lower, self.upper


@dataclass(frozen=True)
class Problem:
    """What SALib samples: names and (lower, upper) per dimension, in sampling coordinates."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def salib(self) -> dict:
        """The problem dictionary SALib's samplers and analysers read (a fresh one each call)."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}


@dataclass(frozen=True)
class Space:
    """The varying parameters, in a fixed order."""

    ranges: tuple[ParameterRange, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.ranges)

    def problem(self) -> Problem:
        return Problem(self.names, tuple(r.sampling_bounds for r in self.ranges))

    def to_values(self, x: np.ndarray) -> np.ndarray:
        """Samples (N, k) in sampling coordinates -> parameter values (N, k) in their units."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        logs = np.array([r.scale == "log" for r in self.ranges])
        return np.where(logs[None, :], np.exp(np.where(logs[None, :], x, 0.0)), x)


def _scale(lower: float, upper: float) -> str:
    return "log" if lower > 0 and upper / lower >= LOG_SPAN else "linear"


def parameter_range(name: str, rec, given: tuple[float, float] | None = None,
                    field: str = "--parameter") -> ParameterRange:
    """The range of one parameter record (`ketasim.parameters.Parameter`) by the rules above."""
    if given is not None:
        lo, hi = (float(v) for v in given)
        rule, scale = "given", _scale(lo, hi)
    elif rec.lower is not None and rec.upper is not None:
        lo, hi = float(rec.lower), float(rec.upper)
        rule, scale = "bounds", _scale(lo, hi)
    elif rec.cv > 0 and rec.value > 0:
        half = CV_SDS * np.sqrt(np.log1p(rec.cv ** 2))
        lo, hi = rec.value * np.exp(-half), rec.value * np.exp(half)
        lo = max(lo, rec.lower) if rec.lower is not None else lo
        hi = min(hi, rec.upper) if rec.upper is not None else hi
        rule, scale = "cv", "log"
    else:
        raise InputError(f"{field}: {name} has no range (no bounds and no between-subject CV); "
                         f"give one as {name}=LO:HI in {rec.unit}")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise InputError(f"{field}: {name}: the range [{lo:g}, {hi:g}] is empty")
    if scale == "log" and lo <= 0:
        raise InputError(f"{field}: {name}: a log-scaled range must be positive")
    return ParameterRange(name, rec.unit, float(rec.value), float(lo), float(hi), scale, rule)


def parameter_space(model, names: Sequence[str] | None = None,
                    ranges: Mapping[str, tuple[float, float]] | None = None,
                    field: str = "--parameter") -> Space:
    """The varying parameters of an assembled model.

    names: qualified names ('ketamine_s.cl'); None = every parameter with cv > 0.
    ranges: explicit (lower, upper) per name, in the parameter's unit (these names are
    added to `names`). Unknown names raise InputError naming `field`.
    """
    ranges = dict(ranges or {})
    if names is None and not ranges:
        chosen = [k for k, rec in model.parameters.items.items() if rec.cv > 0]
    else:
        chosen = list(dict.fromkeys([*(names or ()), *ranges]))
    unknown = [n for n in chosen if n not in model.parameters]
    if unknown:
        raise InputError(f"{field}: unknown parameter {unknown[0]!r} (qualified names such as 'ketamine_s.cl')")
    if not chosen:
        raise InputError(f"{field}: no parameter varies (the model declares no between-subject CV); name some")
    return Space(tuple(parameter_range(n, model.parameters[n], ranges.get(n), field) for n in chosen))


def parse_parameter(text: str, field: str = "--parameter") -> tuple[str, tuple[float, float] | None]:
    """'NAME' -> (NAME, None); 'NAME=LO:HI' -> (NAME, (LO, HI)) in the parameter's unit."""
    name, eq, rng = (s.strip() for s in str(text).partition("="))
    if not eq:
        return name, None
    lo, colon, hi = rng.partition(":")
    try:
        if not colon:
            raise ValueError
        return name, (float(lo), float(hi))
    except ValueError:
        raise InputError(f"{field}: expected NAME or NAME=LO:HI, got {text!r}") from None
