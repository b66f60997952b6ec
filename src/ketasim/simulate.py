"""`simulate`: a regimen and a patient in, an `xarray.Dataset` of observables out."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Iterable, Mapping, Sequence

import numpy as np
import xarray as xr

from .version import __version__
from .engine.dosing import DoseEvent, Schedule, compile_schedule, event_times
from .engine.model import AssembledModel
from .engine.failure import quiet
from .engine.output_grid import output_grid
from .engine.solve import SolverError, solve
from .errors import InputError
from .mechanisms.drugs import expand, route
from .mechanisms.pk_disposition import disposition_for
from .mechanisms.registry import build_model
from .patient import Patient
from .limits import check_duration
from .time_index import time_coordinates
from .units import QuantityLike, is_concentration, minutes, minutes_array


class SimulationError(RuntimeError):
    """A numerical failure (non-finite values, step-size collapse)."""


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
    -1e-7 ng/mL where a drug is gone, which are numerical, not a state of the body.
    ts: output times in minutes, the `time` coordinate (units "min"), indexed by
    `time_index.TimeIndex` so `ds.sel(time="2 h")` reads units."""
    dims = ("patient", "time") if patient_dim else ("time",)
    site = sampling_site(model)
    data = {}
    for j, o in enumerate(model.observables):
        values = obs[..., j] / o.factor
        if is_concentration(o.unit):
            values = np.maximum(values, 0.0)
        extra = {"sampling_site": site} if site and o.name in PLASMA_KETAMINE else {}
        data[o.name] = xr.Variable(dims, values,
                                   attrs={"units": o.unit, "long_name": o.long_name, "source": o.source, **extra})
    return xr.Dataset(data, coords=time_coordinates(ts), attrs=attrs)


# Plasma observables whose site follows the ketamine disposition model (the metabolites are
# formed from, and sampled with, the parent).
PLASMA_KETAMINE = frozenset({"plasma_ketamine", "plasma_s_ketamine", "plasma_r_ketamine", "plasma_norketamine",
                             "plasma_s_norketamine", "plasma_r_norketamine", "plasma_hnk",
                             "plasma_dehydronorketamine"})


def sampling_site(model: AssembledModel) -> str | None:
    """The sampling site ("venous", "arterial") the model's plasma ketamine stands for, from
    its `ketamine_pk` disposition model; None for a model without that switch."""
    name = model.hypotheses.get("ketamine_pk")
    return disposition_for(model.species, name).site if name else None


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
    duration: QuantityLike = "3 h",
    hypotheses: Mapping[str, str] | None = None,
    times: Sequence[QuantityLike] | None = None,
    backend: str = "jax",
    parameters: Mapping[str, float] | None = None,
    solver: str = "auto",
) -> xr.Dataset:
    """Simulate one subject.

    regimen: dose events. patient: covariates (default standard adult human).
    duration: minutes, a quantity string ("24 h", "7 d") or a pint Quantity. times: output
    times in minutes or with units (`units.minutes_array`); the regimen's dose starts and
    infusion ends are always added (default: `grid_for`, fine after every dose, so peaks do
    not depend on sampling). The Dataset's `time` is in minutes; `ds.sel(time="2 h")`
    selects with units. backend: "jax" (default) or "scipy" (reference, SciPy LSODA).
    solver (jax backend): "auto" (exact for linear models, else diffrax Tsit5), "exact",
    or a diffrax method name.
    parameters: overrides by qualified name ('ketamine_s.cl') in the parameter's unit, or
    as quantities ('1 L/min', a pint Quantity; `parameters.checked_value`).
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
    ts = grid_for(regimen, dur, None if times is None else minutes_array(times, "times"))
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
