"""Virtual populations: parameter sets drawn from declared variability and covariates.

Each parameter with a between-subject CV is drawn log-normally around its typical value
(median = value, sigma = sqrt(ln(1 + CV^2))). Body weight and CYP2B6 genotype are drawn
as covariates. Patients are simulated in fixed-size `jax.vmap` batches (the last batch is
padded, so the solver compiles once). Randomness only through `numpy.random.Generator`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import xarray as xr

from .engine.dosing import DoseEvent
from .errors import InputError
from .parameters import p as _p
from .patient import CYP2B6_GENOTYPES, Patient, default_weight
from .units import to_canonical

WEIGHT_CV = _p("weight_cv", 0.18, "1", "assumed", "between-subject CV of adult body weight",
               note="typical spread of adult body weight (about 70 +/- 13 kg); used only to vary patients")
CYP2B6_6_FREQ = _p("cyp2b6_6_allele_frequency", 0.25, "1", "assumed", "CYP2B6*6 allele frequency",
                   note="approximate European frequency (higher in African ancestry); reported without a "
                        "confirmed primary source, and without in-vivo effect on clearance (Rao 2016)")


@dataclass(frozen=True)
class PopulationDraw:
    """The sampled parameter matrix (canonical units) and covariates of n patients."""

    p: np.ndarray            # (n, n_params) canonical
    weight: np.ndarray       # (n,) kg
    cyp2b6: np.ndarray       # (n,) genotype strings


def draw_population(model, n: int, seed: int, species: str = "human",
                    cyp2b6_scenario: str = "in_vivo") -> PopulationDraw:
    """Draw n virtual patients for an assembled model.

    Parameters with a CV are drawn log-normally and clipped to their bounds; covariates
    (weight, CYP2B6 genotype) are drawn, turned into `Patient`s and applied through
    `Patient.overrides`, the same path as a single simulation.
    """
    rng = np.random.default_rng(seed)
    p = lognormal_parameters(model, rng.standard_normal((n, len(model.param_vector))))
    sigma_w = np.sqrt(np.log1p(WEIGHT_CV.value ** 2))
    weight = default_weight(species) * np.exp(sigma_w * rng.standard_normal(n))
    geno = np.array(CYP2B6_GENOTYPES)[rng.binomial(2, CYP2B6_6_FREQ.value, size=n)]
    overrides = [Patient(species, weight_kg=float(w), cyp2b6=str(g), cyp2b6_scenario=cyp2b6_scenario).overrides()
                 for w, g in zip(weight, geno)]
    idx = {s: j for j, s in enumerate(model.param_symbols)}
    for key in overrides[0]:
        unit = model.parameters[key].unit
        p[:, idx[key.replace(".", "__", 1)]] = [to_canonical(o[key], unit) for o in overrides]
    return PopulationDraw(p=p, weight=weight, cyp2b6=geno)


def lognormal_parameters(model, z: np.ndarray) -> np.ndarray:
    """Parameter matrix (n, P), canonical units, from standard normal draws z (n, P).

    A parameter with a CV is its typical value times exp(sigma z), sigma = sqrt(ln(1 + CV^2)),
    clipped to its bounds; the others keep their value (their column of z is unused).
    """
    base = model.param_vector
    p = np.tile(base, (z.shape[0], 1))
    for j, sym in enumerate(model.param_symbols):
        rec = model.parameters[sym.replace("__", ".", 1)]
        if rec.cv > 0:
            sigma = np.sqrt(np.log1p(rec.cv ** 2))
            p[:, j] = base[j] * np.exp(sigma * z[:, j])
            lo = to_canonical(rec.lower, rec.unit) if rec.lower is not None else None
            hi = to_canonical(rec.upper, rec.unit) if rec.upper is not None else None
            if lo is not None or hi is not None:
                p[:, j] = np.clip(p[:, j], lo, hi)
    return p


def weight_scaled_schedule(model, regimen, weights: np.ndarray, duration: float,
                           least_segments: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every patient's dosing schedule: breaks (K+1,), jumps (n, K, S), rates (n, K, C).

    A schedule is linear in body weight (mg/kg doses scale, mg doses do not), so two
    compilations give every patient's exactly: S(w) = S(0) + w (S(1) - S(0)). weights: kg, (n,).
    least_segments: None keeps the regimen's segments; a number pads them
    (`dosing.pad_segments`) to at least that many, then to a power of two.
    """
    from .engine.dosing import pad_segments
    from .simulate import schedule_for

    s0, s1 = schedule_for(model, regimen, 0.0, duration), schedule_for(model, regimen, 1.0, duration)
    breaks, (j0, j1), (r0, r1) = s0.breaks, (s0.jumps, s1.jumps), (s0.rates, s1.rates)
    if least_segments is not None:
        breaks, (j0, j1), (r0, r1) = pad_segments(breaks, (j0, j1), (r0, r1), least_segments)
    w = np.asarray(weights, dtype=float)[:, None, None]
    return breaks, j0[None] + w * (j1 - j0)[None], r0[None] + w * (r1 - r0)[None]


def simulate_population(
    regimen: Iterable[DoseEvent],
    n: int,
    seed: int = 0,
    species: str = "human",
    duration: float | str = "3 h",
    hypotheses: Mapping[str, str] | None = None,
    times: Sequence[float] | None = None,
    batch_size: int = 1000,
    solver: str = "auto",
) -> xr.Dataset:
    """Simulate n virtual patients; returns the Dataset with a `patient` dimension."""
    from .simulate import check_finite, default_grid, minutes, model_for, provenance, to_dataset

    if n < 1:
        raise InputError("n: must be at least 1")
    regimen = tuple(regimen)
    dur = minutes(duration, "duration")
    model = model_for(regimen, species, hypotheses)
    draw = draw_population(model, n, seed, species)
    ts = np.asarray(times, dtype=float) if times is not None else default_grid(dur)
    breaks, jumps, rates = weight_scaled_schedule(model, regimen, draw.weight, dur)
    obs_fn = jitted_observe(model)
    out = np.empty((n, len(ts), len(model.observables)))
    for start, stop, obs in batched_observables(model, draw.p, jumps, rates, breaks, ts, min(batch_size, n),
                                                solver, obs_fn):
        out[start:stop] = obs
    check_finite(model, out.reshape(-1, out.shape[-1]), np.tile(ts, n))
    ds = to_dataset(model, ts, out, provenance(model, regimen, None, f"jax/{solver}", seed), patient_dim=True)
    ds = ds.assign_coords(patient=np.arange(n), weight=("patient", draw.weight), cyp2b6=("patient", draw.cyp2b6))
    return ds


def batched_observables(model, p: np.ndarray, jumps: np.ndarray, rates: np.ndarray, breaks, ts: np.ndarray,
                        batch: int, solver: str, observe):
    """Solve patients in batches of `batch` and yield (start, stop, observables (stop - start, T, O)).

    p, jumps, rates: one row per patient. The last batch is padded by wrapping round to
    the first patients, so every solve has the same shape and compiles once; the padding
    is dropped before `observe` (a jitted batch observe, e.g. `jitted_observe`).
    """
    from .engine.solve import solve

    n = p.shape[0]
    for start in range(0, n, batch):
        stop = min(start + batch, n)
        sl = np.arange(start, start + batch) % n
        ys = solve(model, p[sl], jumps[sl], rates[sl], breaks, ts, solver=solver, batched=True)[: stop - start]
        yield start, stop, np.asarray(observe(ts, ys, p[start:stop]))


def observe_batch(observe, ts: np.ndarray, ys: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Observables for a batch: ys (b, T, S), p (b, P) -> (b, T, O), vectorised."""
    return observe(ts[None, :], ys, p.T[:, :, None])


_JIT_OBSERVE: dict[str, object] = {}


def jitted_observe(model):
    """The generated JAX `observe`, jitted for batches (XLA fuses the elementwise math)."""
    if model.source not in _JIT_OBSERVE:
        import jax

        from .engine import jaxconfig  # noqa: F401

        _, observe, _ = model.functions("jax")
        _JIT_OBSERVE[model.source] = jax.jit(lambda ts, ys, p: observe_batch(observe, ts, ys, p))
    return _JIT_OBSERVE[model.source]
