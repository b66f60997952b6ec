"""dataset -> regimens and observation times -> simulate -> the table with DV filled.

Each ID is one typical patient (`ketasim.simulate`: the model's typical parameter values,
the ID's covariates as its `Patient`), solved to its last observation time with its
observation times on the output grid; DV of an observation record is the simulated
value of its compartment's observable at its TIME (after a bolus given at that very
time). With a population (`population_values`), each ID's regimen is given to N virtual
patients (`ketasim.simulate_population`: parameters with between-subject variability and
covariates drawn, so weight, CYP2B6 and BDNF come from the population model, not the ID's
columns); the patients of ID k are those of arm 'dataset-id-k' with the seed, so each ID
has its own patients and a draw does not depend on the other IDs.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .regimen import Subject, subjects
from .table import EventTable
from .writing import with_values

MIN_DURATION_MIN = 1.0   # a course that is observed only at time 0 is still solved over 1 min
ARM_PREFIX = "dataset-id-"


def duration_of(subject: Subject) -> float:
    """The simulated duration (min): the last observation time, at least `MIN_DURATION_MIN`."""
    return max(subject.last_time, MIN_DURATION_MIN)


def _at(ds: xr.Dataset, subject: Subject) -> np.ndarray:
    """The values (…, n_obs) of each observation's observable at its time."""
    cols = []
    for o in subject.observations:
        da = ds[o.observable].sel(time=o.time, method="nearest")
        if abs(float(da["time"]) - o.time) > 1e-6:
            raise RuntimeError(f"observation time {o.time} min is not on the output grid")
        cols.append(np.asarray(da.values, dtype=float))
    return np.stack(cols, axis=-1) if cols else np.zeros(np.shape(ds["time"])[:0] + (0,))


def subject_values(subject: Subject, hypotheses: Mapping[str, str] | None = None,
                   solver: str = "auto") -> dict[int, float]:
    """Data row -> simulated value (ng/mL) of the subject's observation records (typical patient)."""
    from ..simulate import simulate

    if not subject.observations:
        return {}
    times = [o.time for o in subject.observations]
    ds = simulate(subject.regimen, subject.patient, duration_of(subject), hypotheses, times=times, solver=solver)
    values = _at(ds, subject)
    return {o.row: float(v) for o, v in zip(subject.observations, values)}


def dataset_values(table: EventTable, hypotheses: Mapping[str, str] | None = None, solver: str = "auto",
                   each: Callable[[Subject], None] | None = None) -> dict[int, float]:
    """Data row -> simulated value of every observation record of the table (one typical
    patient per ID). each: called with every subject before it is solved (status lines)."""
    out: dict[int, float] = {}
    for s in subjects(table):
        if each is not None:
            each(s)
        out.update(subject_values(s, hypotheses, solver))
    return out


def simulated_table(table: EventTable, hypotheses: Mapping[str, str] | None = None,
                    solver: str = "auto", each: Callable[[Subject], None] | None = None) -> pd.DataFrame:
    """The table with DV simulated on every observation record (MDV 0), dose records copied."""
    return with_values(table, dataset_values(table, hypotheses, solver, each))


def population_values(subs: Sequence[Subject], n: int, seed: int, hypotheses: Mapping[str, str] | None = None,
                      solver: str = "auto", each: Callable[[Subject], None] | None = None
                      ) -> dict[int, np.ndarray]:
    """ID -> simulated values (n, n_obs of the ID) of n virtual patients given the ID's regimen."""
    from ..population import simulate_population

    out: dict[int, np.ndarray] = {}
    for s in subs:
        if not s.observations:
            out[s.id] = np.zeros((n, 0))
            continue
        if each is not None:
            each(s)
        times = [o.time for o in s.observations]
        ds = simulate_population(s.regimen, n, seed, s.patient.species, duration_of(s), hypotheses, times=times,
                                 solver=solver, arm=f"{ARM_PREFIX}{s.id}")
        out[s.id] = _at(ds.transpose("patient", "time"), s)
    return out


def population_table(table: EventTable, n: int, seed: int, hypotheses: Mapping[str, str] | None = None,
                     solver: str = "auto", each: Callable[[Subject], None] | None = None) -> pd.DataFrame:
    """The table repeated for n virtual patients: a REP column (1..n) first, then the table's
    columns, DV simulated for replicate REP on every observation record; REP 1 holds every ID,
    then REP 2, and so on (the layout of a NONMEM simulation with n subproblems)."""
    subs = subjects(table)
    values = population_values(subs, n, seed, hypotheses, solver, each)
    frames = []
    for r in range(n):
        filled = {o.row: float(values[s.id][r, j]) for s in subs for j, o in enumerate(s.observations)}
        frame = with_values(table, filled)
        frame.insert(0, "REP", str(r + 1))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
