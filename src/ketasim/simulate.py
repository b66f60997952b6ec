"""`simulate`: a regimen and a patient in, an `xarray.Dataset` of observables out."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Iterable, Mapping, Sequence

import numpy as np
import xarray as xr

from . import __version__
from .engine.dosing import DoseEvent, Schedule, compile_schedule, event_times
from .engine.model import AssembledModel
from .engine.failure import quiet
from .engine.output_grid import output_grid
from .engine.solve import SolverError, solve
from .errors import InputError
from .mechanisms.drugs import expand, route
from .mechanisms.registry import build_model
from .patient import Patient
from .limits import check_duration
from .units import is_concentration, parse_quantity


class SimulationError(RuntimeError):
    """A numerical failure (non-finite values, step-size collapse)."""


def minutes(value: float | str, field: str) -> float:
    """A time given as minutes (a finite number) or a quantity string ('3 h', by the one parser)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return parse_quantity(value, "1", field)   # a plain number: finite, taken as minutes
    return parse_quantity(value, "min", field)


def grid_for(regimen: Sequence[DoseEvent], duration: float, times: Sequence[float] | None = None) -> np.ndarray:
    """The output grid (min) of `regimen` over `duration` minutes (`engine.output_grid`): fine
    after every dose start and infusion end, which are always on it; with `times`, those
    times and the regimen's breaks."""
    return output_grid(duration, event_times(regimen, duration, expand), times)


def model_for(regimen: Sequence[DoseEvent], species: str, hypotheses: Mapping[str, str] | None) -> AssembledModel:
    return build_model(species, dict(hypotheses or {}), frozenset(e.drug for e in regimen))


def schedule_for(model: AssembledModel, regimen: Sequence[DoseEvent], weight: float, duration: float) -> Schedule:
    return compile_schedule(model, regimen, weight, duration, route, expand)


def check_finite(model: AssembledModel, values: np.ndarray, ts: np.ndarray) -> None:
    """Raise SimulationError naming the first observable/module and time that is not finite.

    The states are checked by `engine.solve` (a non-finite state names its module and state);
    this catches an observable that is not finite from finite states (e.g. a division by zero)."""
    bad = ~np.isfinite(values)
    if bad.any():
        idx = np.argwhere(bad)
        first = idx[np.argmin(idx[:, -2])] if values.ndim == 2 else idx[0]
        t = ts[first[-2]]
        o = model.observables[first[-1]]
        raise SimulationError(f"numerical failure: {o.name} (module {o.source.split(' ')[0]}) "
                              f"is not finite at t = {t:g} min")


def to_dataset(model: AssembledModel, ts: np.ndarray, obs: np.ndarray, attrs: dict,
               patient_dim: bool = False) -> xr.Dataset:
    """Wrap canonical observables in a Dataset with units, long names and sources.

    Concentrations are clipped at zero: the solver's tolerance leaves values of about
    -1e-7 ng/mL where a drug is gone, which are numerical, not a state of the body."""
    dims = ("patient", "time") if patient_dim else ("time",)
    data = {}
    for j, o in enumerate(model.observables):
        values = obs[..., j] / o.factor
        if is_concentration(o.unit):
            values = np.maximum(values, 0.0)
        data[o.name] = xr.Variable(dims, values,
                                   attrs={"units": o.unit, "long_name": o.long_name, "source": o.source})
    coords = {"time": ("time", ts, {"units": "min", "long_name": "time since start"})}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def provenance(model: AssembledModel, regimen: Sequence[DoseEvent], patient: Patient | None,
               backend: str, seed: int | None = None) -> dict:
    params = {k: [v.value, v.unit, v.source] for k, v in model.parameters.items.items()}
    return {
        "ketasim_version": __version__,
        "species": model.species,
        "hypotheses": json.dumps(dict(model.hypotheses)),
        "regimen": json.dumps([asdict(e) for e in regimen]),
        "patient": json.dumps(asdict(patient)) if patient else "",
        "parameters": json.dumps(params),
        "backend": backend,
        "seed": -1 if seed is None else int(seed),
    }


def simulate(
    regimen: Iterable[DoseEvent],
    patient: Patient | None = None,
    duration: float | str = "3 h",
    hypotheses: Mapping[str, str] | None = None,
    times: Sequence[float] | None = None,
    backend: str = "jax",
    parameters: Mapping[str, float] | None = None,
    solver: str = "auto",
) -> xr.Dataset:
    """Simulate one subject.

    regimen: dose events. patient: covariates (default standard adult human).
    duration: minutes or a quantity string. times: output times in minutes; the regimen's
    dose starts and infusion ends are always added (default: `grid_for`, fine after every
    dose, so peaks do not depend on sampling). backend: "jax" (default) or "scipy" (reference, SciPy LSODA).
    solver (jax backend): "auto" (exact for linear models, else diffrax Tsit5), "exact",
    or a diffrax method name.
    parameters: overrides by qualified name ('ketamine_s.k10') in the parameter's unit.
    """
    regimen = tuple(regimen)
    patient = patient or Patient()
    dur = minutes(duration, "duration")
    if dur <= 0:
        raise InputError("duration: must be positive")
    check_duration(dur, "duration")   # limits.MAX_DURATION_MIN, before the grid is allocated
    model = model_for(regimen, patient.species, hypotheses)
    pset = model.parameters.with_mapping(patient.overrides(), "patient").with_mapping(dict(parameters or {}))
    p = model.param_vector_of(pset)
    sched = schedule_for(model, regimen, patient.weight, dur)
    ts = grid_for(regimen, dur, times)
    if backend not in ("jax", "scipy"):
        raise InputError(f"backend: unknown backend {backend!r} (jax or scipy)")
    try:
        ys = solve(model, p, sched, ts, solver="scipy" if backend == "scipy" else solver)
    except SolverError as exc:
        raise SimulationError(str(exc)) from None
    _, observe, _ = model.functions("numpy")
    with quiet():
        obs = observe(ts, ys, p)
    check_finite(model, obs, ts)
    patient_model = model.with_parameters(pset)
    return to_dataset(patient_model, ts, obs, provenance(patient_model, regimen, patient, f"{backend}/{solver}"))
