"""Named scalar outputs of a simulated course, for sensitivity analysis and fitting.

An output is written `OBSERVABLE:STATISTIC[@TIME]`, e.g. `bdnf:max`,
`spine_density:value_at@3 d`, `madrs:relief@24 h`, `plasma_ketamine:auc@24 h`.
Statistics (values in the observable's own unit unless said otherwise):

- `value_at@T`: y(T)                                  (needs a time)
- `ratio_to_baseline@T`: y(T) / y(0)                  (1; needs a time)
- `change_from_baseline@T`: y(T) - y(0)               (needs a time)
- `relief@T`: 1 - y(T) / y(0), e.g. the fraction of the baseline MADRS relieved
  (the mechanistic part of response; 0.5 is a 50 % drop)   (1; needs a time)
- `max`, `min`, `mean`, `auc` (unit x min), `time_of_max` (min): over the whole
  course, or over [0, T] when a time is given.

This module is the grammar only: a spec becomes `measures.Options` once, and the values
come from the statistics registry (`ketasim.measures`), on batched arrays: one row per
patient (sample), so a batch of simulations becomes an (n_patients, n_outputs) matrix in
one call. The baseline of this grammar is t = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..choices import did_you_mean, one_of
from ..errors import InputError
from ..measures import STATISTICS as REGISTRY
from ..measures import Options
from ..units import parse_quantity

POINT_STATISTICS = ("value_at", "ratio_to_baseline", "change_from_baseline", "relief")
WINDOW_STATISTICS = ("max", "min", "mean", "auc", "time_of_max")
STATISTICS = POINT_STATISTICS + WINDOW_STATISTICS

# The outputs: response (MADRS relief) at 24 h and day 7, peak BDNF, spines at
# day 3, and peak plasma ketamine as the PK anchor.
DEFAULT_OUTPUTS = (
    "madrs:relief@24 h",
    "madrs:relief@7 d",
    "bdnf:max",
    "spine_density:value_at@3 d",
    "plasma_ketamine:max",
)


@dataclass(frozen=True)
class OutputSpec:
    """One scalar output: observable, statistic and time (min; None = whole course)."""

    observable: str
    statistic: str
    at: float | None
    text: str

    def unit(self, observable_unit: str) -> str:
        """The unit the output's values are in, given the observable's unit (the registry's rule)."""
        return REGISTRY[self.statistic].unit(observable_unit)

    @property
    def options(self) -> Options:
        """The statistic's options: a point statistic reads `at` against t = 0; a window
        statistic covers [0, at], or the whole course when no time is given."""
        if self.statistic in POINT_STATISTICS:
            return Options(at=self.at, baseline_at=0.0)
        return Options(window=None if self.at is None else (0.0, self.at))


def parse_output(text: str, field: str = "--output") -> OutputSpec:
    """Parse `OBSERVABLE:STATISTIC[@TIME]`; a malformed spec raises InputError naming `field`."""
    spec = str(text).strip()
    if ":" not in spec:
        raise InputError(f"{field}: {spec!r} is not OBSERVABLE:STATISTIC[@TIME] (e.g. 'bdnf:max')")
    observable, rest = (s.strip() for s in spec.split(":", 1))
    statistic, _, when = (s.strip() for s in rest.partition("@"))
    if not observable:
        raise InputError(f"{field}: {spec!r} names no observable")
    if statistic not in STATISTICS:
        raise InputError(f"{field}: unknown statistic {statistic!r} in {spec!r}"
                         f"{did_you_mean(statistic, STATISTICS)}{one_of(STATISTICS)}")
    if statistic in POINT_STATISTICS and not when:
        raise InputError(f"{field}: {statistic} needs a time, e.g. '{observable}:{statistic}@24 h'")
    at = parse_quantity(when, "min", field) if when else None
    if at is not None and (not np.isfinite(at) or at < 0 or (at == 0 and statistic in WINDOW_STATISTICS)):
        raise InputError(f"{field}: time {when!r} in {spec!r} must be positive")
    return OutputSpec(observable, statistic, at, spec)


def check_outputs(specs: Sequence[OutputSpec], observables: Sequence[str], duration: float,
                  field: str = "--output") -> None:
    """Refuse outputs whose observable the model lacks or whose time is past `duration` (min)."""
    for s in specs:
        if s.observable not in observables:
            raise InputError(f"{field}: unknown observable {s.observable!r} in {s.text!r}"
                             f"{did_you_mean(s.observable, observables)}")
        if s.at is not None and s.at > duration + 1e-9:
            raise InputError(f"{field}: {s.text!r} asks for {s.at:g} min, past the simulated {duration:g} min")


def output_times(specs: Sequence[OutputSpec]) -> list[float]:
    """The times (min) the outputs read, to be put on the output grid."""
    return sorted({0.0} | {s.at for s in specs if s.at is not None})


def statistic(spec: OutputSpec, ts: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One output for every patient: ts (T,) min, y (n, T) in the observable's unit -> (n,)."""
    return REGISTRY[spec.statistic].numpy(ts, y, spec.options)


def compute_outputs(specs: Sequence[OutputSpec], ts: np.ndarray, series: dict[str, np.ndarray]) -> np.ndarray:
    """All outputs for a batch: series maps observable -> (n, T) -> (n, n_outputs)."""
    return np.stack([statistic(s, ts, series[s.observable]) for s in specs], axis=1)
