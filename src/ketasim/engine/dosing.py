"""Dosing is data: regimens compile to piecewise-constant inputs plus jump times.

A regimen is a tuple of `DoseEvent`s. The compiler expands repeats and device schemes,
resolves mg/kg doses with the body weight, routes each dose to the model's dose-target
states (`Deposit`s from the drug registry), and returns a `Schedule`: segment
boundaries, the bolus jump added to the state vector at the start of each segment, and
the infusion rate of each dose channel during each segment. Inside a segment the RHS is
smooth, so the solver never steps across a discontinuity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..errors import InputError
from .model import AssembledModel


class DosingError(InputError):
    """A regimen cannot be compiled (unknown drug/route, bad timing, ...)."""


@dataclass(frozen=True)
class DoseEvent:
    """One dose (or a repeated series). Amount in mg, or mg/kg when `per_kg`.

    start, duration, every: minutes. duration only for IV infusions. count: number of
    repeats (every must be set when count > 1). procedure: e.g. "ect" (no drug).
    """

    drug: str
    route: str
    amount: float
    per_kg: bool = False
    start: float = 0.0
    duration: float | None = None
    every: float | None = None
    count: int = 1
    procedure: str | None = None
    field: str = "doses"  # where the event came from, for error messages


@dataclass(frozen=True)
class Deposit:
    """Where a fraction of a dose goes: a qualified dose-target state 'module.state'."""

    target: str
    fraction: float


Router = Callable[[DoseEvent, str], Sequence[Deposit]]
Expander = Callable[[DoseEvent], Sequence[DoseEvent]]


@dataclass(frozen=True, eq=False)
class Schedule:
    """A compiled regimen over K dosing segments; the one record every solver takes whole.

    breaks: (K+1,) segment boundaries, minutes. jumps: canonical amounts added to the state
    vector at breaks[k]; rates: canonical mg/min into each dose channel during segment k.
    One subject: jumps (K, n_states), rates (K, n_channels). A batch of n subjects sharing
    the breaks (`batched`): jumps (n, K, n_states), rates (n, K, n_channels).
    """

    breaks: np.ndarray
    jumps: np.ndarray
    rates: np.ndarray

    @property
    def segments(self) -> int:
        """K, the number of dosing segments."""
        return len(self.breaks) - 1

    @property
    def batched(self) -> bool:
        """True for a batch of subjects (a leading patient axis on jumps and rates)."""
        return np.ndim(self.jumps) == 3

    def rows(self, index: np.ndarray) -> "Schedule":
        """The subjects `index` of a batched schedule (a batched schedule again)."""
        return Schedule(self.breaks, np.asarray(self.jumps)[index], np.asarray(self.rates)[index])

    def subject(self, i: int) -> "Schedule":
        """Subject i of a batched schedule, as a one-subject schedule."""
        return Schedule(self.breaks, np.asarray(self.jumps)[i], np.asarray(self.rates)[i])

    def padded(self, least: int = 0) -> "Schedule":
        """Split the longest segments until their number is a power of two (at least `least`).

        The compiled solve is specialised to the number of segments; rounding it up lets
        arms with different regimens (and trials of similar length) share one compilation.
        A split segment keeps its infusion rates and gets no bolus at the new break, so the
        solution is unchanged. Works on one-subject and batched schedules alike.
        """
        k = max(self.segments, least)
        target = 1 << max(k - 1, 0).bit_length()
        breaks = [float(b) for b in self.breaks]
        source = list(range(self.segments))      # old segment of each new segment
        first = [True] * self.segments           # whether it starts where the old one did
        while len(breaks) - 1 < target:
            i = int(np.argmax(np.diff(breaks)))
            breaks.insert(i + 1, 0.5 * (breaks[i] + breaks[i + 1]))
            source.insert(i + 1, source[i])
            first.insert(i + 1, False)
        src, keep = np.asarray(source, dtype=int), np.asarray(first)[:, None]
        jumps = np.where(keep, np.take(np.asarray(self.jumps), src, axis=-2), 0.0)
        return Schedule(np.asarray(breaks), jumps, np.take(np.asarray(self.rates), src, axis=-2))


def expand_repeats(event: DoseEvent) -> list[DoseEvent]:
    if event.count < 1:
        raise DosingError(f"{event.field}.repeat.count: must be at least 1")
    if event.count > 1 and (event.every is None or event.every <= 0):
        raise DosingError(f"{event.field}.repeat.every: must be a positive time when count > 1")
    out = []
    for r in range(event.count):
        start = event.start + r * (event.every or 0.0)
        out.append(DoseEvent(event.drug, event.route, event.amount, event.per_kg, start,
                             event.duration, None, 1, event.procedure, event.field))
    return out


def event_times(regimen: Sequence[DoseEvent], duration: float, expander: Expander = lambda e: [e]) -> np.ndarray:
    """The breaks of a regimen's schedule (min, ascending): 0, every dose start and infusion end
    before `duration`, and `duration`. Pure and model-free, so an output grid can be built
    before a model exists; `compile_schedule` segments the course at exactly these times."""
    times = {0.0, float(duration)}
    for ev in regimen:
        for one in expand_repeats(ev):
            for dev in expander(one):
                if dev.start < 0 or dev.start >= duration:
                    continue
                times.add(float(dev.start))
                if dev.duration is not None and dev.duration > 0:
                    times.add(float(min(dev.start + dev.duration, duration)))
    return np.array(sorted(t for t in times if 0.0 <= t <= duration))


def compile_schedule(
    model: AssembledModel,
    regimen: Sequence[DoseEvent],
    weight_kg: float,
    duration: float,
    router: Router,
    expander: Expander = lambda e: [e],
) -> Schedule:
    """Compile a regimen into a `Schedule` over [0, duration] minutes."""
    if duration <= 0:
        raise DosingError("duration: must be positive")
    idx = model.qualified_state_index
    chan = {model.state_index[c]: j for j, c in enumerate(model.dose_channels)}  # by state column
    boluses: list[tuple[float, int, float]] = []
    infusions: list[tuple[float, float, int, float]] = []
    for ev in regimen:
        if ev.amount < 0:
            raise DosingError(f"{ev.field}.dose: must not be negative (got {ev.amount:g})")
        if ev.start < 0:
            raise DosingError(f"{ev.field}.start: must not be negative")
        for one in expand_repeats(ev):
            for dev in expander(one):
                # a procedure session deposits one unit into its module's state
                mg = dev.amount * (weight_kg if dev.per_kg else 1.0)
                deposits = router(dev, model.species)
                if dev.duration is not None and dev.duration <= 0:
                    raise DosingError(f"{dev.field}.duration: must be positive")
                for d in deposits:
                    if d.target not in idx:
                        raise DosingError(f"{dev.field}.drug: the model has no state {d.target} for {dev.drug}")
                    if dev.start >= duration:
                        continue
                    if dev.duration is None:
                        boluses.append((dev.start, idx[d.target], mg * d.fraction))
                    else:
                        if idx[d.target] not in chan:
                            raise DosingError(f"{dev.field}.duration: {dev.drug} by {dev.route} cannot be infused")
                        end = min(dev.start + dev.duration, duration)
                        infusions.append((dev.start, end, chan[idx[d.target]], mg * d.fraction / dev.duration))
    breaks = event_times(regimen, duration, expander)
    K = len(breaks) - 1
    jumps = np.zeros((K, len(model.states)))
    rates = np.zeros((K, len(model.dose_channels)))
    seg_of = {t: k for k, t in enumerate(breaks[:-1])}
    for t, i, mg in boluses:
        jumps[seg_of[t], i] += mg
    for t0, t1, j, rate in infusions:
        for k in range(K):
            if breaks[k] >= t0 and breaks[k + 1] <= t1:
                rates[k, j] += rate
    return Schedule(breaks=breaks, jumps=jumps, rates=rates)
