"""An ID's records <-> its `DoseEvent`s and observation times, both ways.

Records -> regimen: a dose record (EVID 1) becomes one `DoseEvent` of its compartment's
drug and route (`compartments.DOSE_COMPARTMENTS`): amount AMT mg (never per kg), start
TIME h -> min, an IV infusion of duration AMT/RATE h (RATE > 0) or DUR h (RATE -2, or DUR
> 0 without RATE) -> min, and ADDL additional doses every II h -> `count = ADDL + 1`,
`every = II` min. An observation record (EVID 0) becomes an `Observation` at TIME h -> min
of its compartment's observable.

Regimen -> records (`dose_record`): the inverse, a DoseEvent as one dose record (an
infusion as RATE mg/h or as RATE -2 with DUR h, as the table has it). An mg/kg dose is
given in mg for the subject's weight (NONMEM has no mg/kg), so it comes back as mg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from ..engine.dosing import DoseEvent
from ..errors import InputError
from ..patient import Patient
from .compartments import DOSE_COMPARTMENTS, OBSERVATION_COMPARTMENTS, dose_cmt, observation_cmt
from .conventions import (EVID_DOSE, EVID_OBSERVATION, MINUTES_PER_HOUR, RATE_FROM_DUR, DatasetError, minutes_of,
                          where)
from .table import EventTable, Record

# DoseEvent fields -> the table's column, for refusals of a dose the engine makes
EVENT_COLUMNS = {"dose": "AMT", "per_kg": "AMT", "start": "TIME", "duration": "RATE/DUR", "every": "II",
                 "count": "ADDL", "drug": "CMT", "route": "CMT", "procedure": "CMT"}


@dataclass(frozen=True)
class Observation:
    """An observation record: its data row, time (min), observable, DV (ng/mL; NaN when
    missing) and MDV as read."""

    row: int
    time: float
    observable: str
    dv: float
    mdv: int


@dataclass(frozen=True)
class Subject:
    """One ID: its Patient (covariates), regimen, observations, and the data rows of its doses."""

    id: int
    patient: Patient
    regimen: tuple[DoseEvent, ...]
    observations: tuple[Observation, ...]
    dose_rows: tuple[int, ...]

    @property
    def last_time(self) -> float:
        """The last observation time (min); 0 without observations."""
        return max((o.time for o in self.observations), default=0.0)


def dose_event(record: Record, source: str = "dataset") -> DoseEvent:
    """The DoseEvent of a dose record (see the module docstring); its `field` is 'row N'."""
    comp = DOSE_COMPARTMENTS[record.cmt]
    if record.rate > 0:
        hours = record.amt / record.rate
    elif record.dur > 0:
        hours = record.dur
    else:
        hours = None
    every = minutes_of(record.ii) if record.addl > 0 else None
    try:
        return DoseEvent(comp.drug, comp.route, record.amt, False, minutes_of(record.time),
                         None if hours is None else minutes_of(hours), every, record.addl + 1,
                         field=f"row {record.row}")
    except InputError as exc:
        raise DatasetError(event_refusal(str(exc), record, source)) from None


def event_refusal(message: str, record: Record, source: str) -> str:
    """A dose check's line ('row 3.duration: ...') as the table's cell ('FILE row 3 (line 5), column RATE/DUR: ...')."""
    field, sep, why = message.partition(": ")
    attr = field.rpartition(".")[2]
    return f"{where(source, record.row, record.line, EVENT_COLUMNS.get(attr))}: {why}" if sep else message


def subjects(table: EventTable) -> tuple[Subject, ...]:
    """Every ID of the table as a Subject (in the table's order); doses and drugs checked
    for a human (`mechanisms.drugs.check_regimen`: routes, intranasal esketamine devices)."""
    from ..mechanisms.drugs import check_regimen

    by_id: dict[int, list[Record]] = {}
    for rec in table.records:
        by_id.setdefault(rec.id, []).append(rec)
    out = []
    for ident, recs in by_id.items():
        doses = [r for r in recs if r.evid == EVID_DOSE]
        regimen = tuple(dose_event(r, table.source) for r in doses)
        for event, rec in zip(regimen, doses):
            try:
                check_regimen((event,), table.patients[ident].species)
            except InputError as exc:
                raise DatasetError(event_refusal(str(exc), rec, table.source)) from None
        if not regimen:
            first = recs[0]
            raise DatasetError(f"{where(table.source, first.row, first.line)}: ID {ident} has no dose record "
                               "(EVID 1); nothing to simulate")
        obs = tuple(Observation(r.row, minutes_of(r.time), OBSERVATION_COMPARTMENTS[r.cmt], r.dv, r.mdv)
                    for r in recs if r.evid == EVID_OBSERVATION)
        out.append(Subject(ident, table.patients[ident], regimen, obs, tuple(r.row for r in doses)))
    return tuple(out)


def dose_record(event: DoseEvent, ident: int, infusion: str = "RATE", weight_kg: float | None = None,
                row: int = 0) -> Record:
    """The dose record of a DoseEvent (the inverse of `dose_event`). infusion: 'RATE' (RATE in
    mg/h) or 'DUR' (RATE -2 and DUR in h). weight_kg: the subject's weight, needed for an
    mg/kg dose. Refused: a procedure, a (drug, route) without a dosing compartment."""
    if event.procedure is not None:
        raise DatasetError(f"{event.field}.procedure: a procedure ({event.procedure}) has no NONMEM record")
    cmt = dose_cmt(event.drug, event.route)
    if cmt is None:
        raise DatasetError(f"{event.field}.route: {event.drug} {event.route} has no dosing compartment in the "
                           "CMT registry (nonmem.compartments)")
    if infusion not in ("RATE", "DUR"):
        raise ValueError(f"infusion: 'RATE' or 'DUR', got {infusion!r}")
    amt = event.amount
    if event.per_kg:
        if weight_kg is None:
            raise DatasetError(f"{event.field}.dose: an mg/kg dose needs the subject's weight (WT) to be written in mg")
        amt = event.amount * weight_kg
    rate = dur = 0.0
    if event.duration is not None:
        hours = event.duration / MINUTES_PER_HOUR
        if infusion == "RATE":
            rate = amt / hours
        else:
            rate, dur = RATE_FROM_DUR, hours
    ii = (event.every or 0.0) / MINUTES_PER_HOUR if event.count > 1 else 0.0
    return Record(row, 0, ident, event.start / MINUTES_PER_HOUR, EVID_DOSE, cmt, amt, rate, dur, ii,
                  event.count - 1, math.nan, 1)


def observation_record(ident: int, time_min: float, observable: str, dv: float = math.nan, row: int = 0) -> Record:
    """The observation record of an observable at `time_min` minutes (DV ng/mL; NaN: missing)."""
    cmt = observation_cmt(observable)
    if cmt is None:
        raise DatasetError(f"observable: {observable} has no observation compartment in the CMT registry")
    return Record(row, 0, ident, time_min / MINUTES_PER_HOUR, EVID_OBSERVATION, cmt, dv=dv,
                  mdv=1 if math.isnan(dv) else 0)


def regimen_records(ident: int, regimen: Sequence[DoseEvent], infusion: str = "RATE",
                    weight_kg: float | None = None) -> tuple[Record, ...]:
    """A regimen's dose records, sorted by time (stable: events at one time keep their order)."""
    recs = [dose_record(e, ident, infusion, weight_kg) for e in regimen]
    return tuple(sorted(recs, key=lambda r: r.time))
