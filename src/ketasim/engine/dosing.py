"""Dosing is data: regimens compile to piecewise-constant inputs plus jump times.

A regimen is a tuple of `DoseEvent`s. The compiler expands repeats and device schemes,
resolves mg/kg doses with the body weight, routes each dose to the model's dose-target
states (`Deposit`s from the drug registry), and returns a `Schedule`: segment
boundaries, the bolus jump added to the state vector at the start of each segment, and
the infusion rate of each dose channel during each segment. Inside a segment the RHS is
smooth, so the solver never steps across a discontinuity.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..errors import InputError
from ..limits import shown
from ..units import QuantityLike, minutes, number_or_quantity, parse_dose, quantity_text
from .model import AssembledModel


class DosingError(InputError):
    """A regimen cannot be compiled (unknown drug/route, bad timing, ...)."""


@dataclass(frozen=True, init=False)
class DoseEvent:
    """One dose (or a repeated series), validated when it is built.

    Stored in canonical numbers: amount in mg, or mg/kg when `per_kg`; start, duration
    (IV infusions only) and every (the repeat interval) in minutes; count, the number of
    repeats (every must be set when count > 1); procedure, e.g. "ect" (no drug); field,
    where the event came from, the prefix of its error messages.

    Built from the Python API, each quantity may be a number in that unit, a quantity
    string or a pint Quantity: ``DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min")``
    is ``DoseEvent("ketamine", "iv", 0.5, per_kg=True, duration=40.0)``. Strings and
    Quantities are read by the one parser (`units.parse_dose`, `units.parse_quantity`).
    A dose that is not mg or mg/kg, a time that is not a time, a value that is not finite,
    a negative dose or start, a non-positive infusion or interval, or a count below one
    raises `InputError` naming `<field>.dose`, `.per_kg`, `.start`, `.duration`, `.every` or
    `.count`. Drug and route names are the router's to check (the engine's regimen is
    drug-agnostic): `ketasim.simulate` refuses an unknown one before any solve.
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
    field: str = "DoseEvent"

    def __init__(self, drug: str, route: str, amount: QuantityLike, per_kg: bool | None = None,
                 start: QuantityLike = 0.0, duration: QuantityLike | None = None,
                 every: QuantityLike | None = None, count: int = 1, procedure: str | None = None,
                 field: str = "DoseEvent") -> None:
        """Read and check every field (see the class docstring). per_kg: None takes it from
        the dose's unit (a plain number is mg); True or False must agree with a unit given."""
        if not isinstance(field, str):
            raise DosingError(f"DoseEvent.field: expected a str, got {type(field).__name__}")
        for name, value in (("drug", drug), ("route", route)):
            if not isinstance(value, str):
                raise DosingError(f"{field}.{name}: expected a name (str), got {type(value).__name__}")
        if procedure is not None and not isinstance(procedure, str):
            raise DosingError(f"{field}.procedure: expected a name (str) or None, got {type(procedure).__name__}")
        mg, kg = dose_amount(amount, per_kg, field)
        first = minutes(start, f"{field}.start")
        if first < 0:
            raise DosingError(f"{field}.start: must not be negative (got {first:g} min)")
        infusion = None if duration is None else minutes(duration, f"{field}.duration")
        if infusion is not None and infusion <= 0:
            raise DosingError(f"{field}.duration: an infusion lasts a positive time (got {infusion:g} min)")
        interval = None if every is None else minutes(every, f"{field}.every")
        if interval is not None and interval <= 0:
            raise DosingError(f"{field}.every: must be a positive time (got {interval:g} min)")
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 1:
            raise DosingError(f"{field}.count: must be a whole number of doses, at least 1 (got {count!r})")
        if count > 1 and interval is None:
            raise DosingError(f"{field}.every: a repeat interval is needed when the count is {count}")
        for name, value in (("drug", drug), ("route", route), ("amount", mg), ("per_kg", kg), ("start", first),
                            ("duration", infusion), ("every", interval), ("count", int(count)),
                            ("procedure", procedure), ("field", field)):
            object.__setattr__(self, name, value)


def dose_amount(amount: QuantityLike, per_kg: bool | None, field: str) -> tuple[float, bool]:
    """(amount, per_kg) of a dose: a number is mg (mg/kg when per_kg), finite and not
    negative; a quantity string or pint Quantity is read by `units.parse_dose` and fixes
    per_kg by its unit (an explicit per_kg that disagrees is an error). Errors name
    `<field>.dose` (or `.per_kg`)."""
    if per_kg is not None and not isinstance(per_kg, bool):
        raise DosingError(f"{field}.per_kg: expected True, False or None, got {per_kg!r}")
    if isinstance(amount, numbers.Real) and not isinstance(amount, bool):
        value = number_or_quantity(amount, "mg", f"{field}.dose")
        if value < 0:
            raise DosingError(f"{field}.dose: must not be negative (got {value:g})")
        return value, bool(per_kg)
    value, by_unit = parse_dose(amount, f"{field}.dose")
    if per_kg is not None and per_kg != by_unit:
        raise DosingError(f"{field}.per_kg: {per_kg} disagrees with the dose {shown(quantity_text(amount))}, "
                          f"which is {'mg/kg' if by_unit else 'mg'}")
    return value, by_unit


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
    """A repeated dose as its single doses (count and interval were checked when it was built)."""
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
    for ev in regimen:   # amounts, starts, infusions and repeats were checked when each event was built
        for one in expand_repeats(ev):
            for dev in expander(one):
                # a procedure session deposits one unit into its module's state
                mg = dev.amount * (weight_kg if dev.per_kg else 1.0)
                deposits = router(dev, model.species)
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
