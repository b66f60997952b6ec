"""Virtual populations: patients drawn from declared variability and covariates.

Patient i is drawn from its own generator, keyed by (seed, arm, cohort, i) (`patient_rng`),
so a patient's draw depends neither on how patients are batched or chunked nor on which
worker draws it, and `simulate_population(..., seed, cohort, arm)` draws the very patients
of that arm of a virtual trial with that seed and cohort (`ketasim.trial.chunk`).
Populations outside a trial use the arm key `POPULATION_ARM`.

Each parameter with a between-subject CV is drawn log-normally around its typical value
(median = value, sigma = sqrt(ln(1 + CV^2))) and clipped to its bounds. Body weight,
CYP2B6 and BDNF Val66Met genotypes are covariates, applied through `Patient.overrides`
(the same path as a single simulation). Patients are simulated in fixed-size `jax.vmap`
batches (`batched_observables`: the last batch is padded, so the solver compiles once).
Randomness only through `numpy.random.Generator`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import xarray as xr

from .engine.dosing import DoseEvent, Schedule
from .errors import InputError
from .parameters import p as _p
from .patient import CYP2B6_GENOTYPES, Patient, default_weight, weight_bounds
from .units import QuantityLike, from_canonical, to_canonical

WEIGHT_CV = _p("weight_cv", 0.18, "1", "assumed", "between-subject CV of adult body weight",
               note="typical spread of adult body weight (about 70 +/- 13 kg); used only to vary patients")
CYP2B6_6_FREQ = _p("cyp2b6_6_allele_frequency", 0.25, "1", "assumed", "CYP2B6*6 allele frequency",
                   note="approximate European frequency (higher in African ancestry); reported without a "
                        "confirmed primary source, and without in-vivo effect on clearance (Rao 2016)")
MET_ALLELE_FREQ = _p("bdnf_met_allele_frequency", 0.2, "1", "pivac2009",
                     "BDNF Val66Met Met-allele frequency of the simulated population",
                     note="about 0.2 in European samples (19.5% in Croatians) and 0.4-0.5 in East Asian ones "
                          "(46.3% in Koreans; Petryshen 2010: 0-72% across 58 populations)")
BDNF_GENOTYPES = ("val/val", "val/met", "met/met")
DEFAULT_COHORT = "trd"            # the default cohort of a virtual trial (protocol.population.cohort)
POPULATION_ARM = "population"     # the arm key of patients drawn outside a trial


def patient_rng(seed: int, arm: str, cohort: str, index: int) -> np.random.Generator:
    """The generator of one patient; stable across processes, batchings and chunkings."""
    key = [int(seed), zlib.crc32(arm.encode()), zlib.crc32(cohort.encode()), int(index)]
    return np.random.default_rng(np.random.SeedSequence(key))


@dataclass(frozen=True)
class PopulationDraw:
    """The parameter matrix (canonical units) and covariates of patients start .. start+n-1."""

    p: np.ndarray            # (n, n_params) canonical
    weight: np.ndarray       # (n,) kg
    cyp2b6: np.ndarray       # (n,) genotype strings
    bdnf: np.ndarray         # (n,) BDNF Val66Met genotype strings
    index: np.ndarray        # (n,) patient index within the arm


def draw_population(model, n: int, seed: int, cohort: str = DEFAULT_COHORT, arm: str = POPULATION_ARM,
                    start: int = 0, species: str = "human", cyp2b6_scenario: str = "in_vivo",
                    bdnf: str | None = None) -> PopulationDraw:
    """Draw patients start .. start+n-1 of (seed, arm, cohort) for an assembled model.

    Each patient's generator (`patient_rng`) gives, in order: one standard normal per
    model parameter (log-normal parameters, `lognormal_parameters`), the body weight
    (log-normal, CV `WEIGHT_CV`), the CYP2B6 genotype (binomial in the *6 allele) and the
    BDNF Val66Met genotype (binomial in the Met allele). bdnf: a fixed genotype for every
    patient (genotype-stratified trial arms); the draw is still made, so the other
    covariates do not depend on whether the genotype is fixed. The covariates become
    parameter values through `Patient.overrides` (names the model lacks are skipped).
    """
    if n < 1:
        raise InputError("n: must be at least 1")
    if bdnf is not None and bdnf not in BDNF_GENOTYPES:
        raise InputError(f"bdnf: unknown genotype {bdnf!r} (one of {', '.join(BDNF_GENOTYPES)})")
    n_params = len(model.param_symbols)
    sigma_w = np.sqrt(np.log1p(WEIGHT_CV.value ** 2))
    z = np.empty((n, n_params))
    weight = np.empty(n)
    cyp, met = [], []
    for i in range(n):
        rng = patient_rng(seed, arm, cohort, start + i)
        z[i] = rng.standard_normal(n_params)
        # clipped to the species' weight bounds (`patient.weight_bounds`), like every drawn parameter
        weight[i] = np.clip(default_weight(species) * np.exp(sigma_w * rng.standard_normal()),
                            *weight_bounds(species))
        cyp.append(CYP2B6_GENOTYPES[rng.binomial(2, CYP2B6_6_FREQ.value)])
        met.append(BDNF_GENOTYPES[rng.binomial(2, MET_ALLELE_FREQ.value)])
    genotypes = [bdnf or g for g in met]
    p = lognormal_parameters(model, z)
    for i in range(n):
        patient = Patient(species, weight_kg=float(weight[i]), cyp2b6=cyp[i], cyp2b6_scenario=cyp2b6_scenario,
                          bdnf=genotypes[i])
        for key, value in patient.overrides().items():
            if key in model.param_index:
                p[i, model.param_index[key]] = to_canonical(value, model.parameters[key].unit)
    return PopulationDraw(p=p, weight=weight, cyp2b6=np.array(cyp), bdnf=np.array(genotypes),
                          index=np.arange(start, start + n, dtype=np.int64))


def lognormal_parameters(model, z: np.ndarray) -> np.ndarray:
    """Parameter matrix (n, P), canonical units, from standard normal draws z (n, P).

    A parameter with a CV is its typical value times exp(sigma z), sigma = sqrt(ln(1 + CV^2)),
    clipped to its bounds; the others keep their value (their column of z is unused).
    """
    base = model.param_vector
    p = np.tile(base, (z.shape[0], 1))
    for j, name in enumerate(model.param_names):
        rec = model.parameters[name]
        if rec.cv > 0:
            sigma = np.sqrt(np.log1p(rec.cv ** 2))
            p[:, j] = base[j] * np.exp(sigma * z[:, j])
            lo = to_canonical(rec.lower, rec.unit) if rec.lower is not None else None
            hi = to_canonical(rec.upper, rec.unit) if rec.upper is not None else None
            if lo is not None or hi is not None:
                p[:, j] = np.clip(p[:, j], lo, hi)
    return p


def weight_scaled_schedule(model, regimen, weights: np.ndarray, duration: float,
                           least_segments: int | None = None) -> Schedule:
    """Every patient's dosing schedule, batched: jumps (n, K, S), rates (n, K, C), shared breaks.

    A schedule is linear in body weight (mg/kg doses scale, mg doses do not), so two
    compilations give every patient's exactly: S(w) = S(0) + w (S(1) - S(0)). weights: kg, (n,).
    least_segments: None keeps the regimen's segments; a number pads them
    (`Schedule.padded`) to at least that many, then to a power of two.
    """
    from .simulate import schedule_for

    s0, s1 = schedule_for(model, regimen, 0.0, duration), schedule_for(model, regimen, 1.0, duration)
    if least_segments is not None:
        s0, s1 = s0.padded(least_segments), s1.padded(least_segments)
    w = np.asarray(weights, dtype=float)[:, None, None]
    return Schedule(s0.breaks, s0.jumps[None] + w * (s1.jumps - s0.jumps)[None],
                    s0.rates[None] + w * (s1.rates - s0.rates)[None])


def simulate_population(
    regimen: Iterable[DoseEvent],
    n: int,
    seed: int = 0,
    species: str = "human",
    duration: QuantityLike = "3 h",
    hypotheses: Mapping[str, str] | None = None,
    times: Sequence[QuantityLike] | None = None,
    batch_size: int = 1000,
    solver: str = "auto",
    cohort: str = DEFAULT_COHORT,
    arm: str = POPULATION_ARM,
) -> xr.Dataset:
    """Simulate n virtual patients; returns the Dataset with a `patient` dimension.

    duration, times: as for `ketasim.simulate` (minutes or quantities). The patients' draws
    are coordinates on `patient` (`draw_coordinates`): the covariates `weight` (kg),
    `cyp2b6` and `bdnf_genotype`, and one coordinate per varied parameter (qualified name, e.g.
    `ketamine_s.cl`, in the parameter's unit), so outputs can be set against draws.
    cohort, arm: the patient key with `seed` (see `draw_population`): the arm name of a
    virtual trial with the same seed and cohort draws that arm's patients (with the
    trial's model, i.e. the same drugs and hypotheses).
    """
    from .simulate import check_finite, grid_for, model_for, provenance, to_dataset
    from .units import minutes, minutes_array

    from .limits import MAX_PATIENTS_PER_ARM, check_count, check_duration

    if n < 1:
        raise InputError("n: must be at least 1")
    check_count(n, MAX_PATIENTS_PER_ARM, "n", "patients")
    check_cohort(cohort)
    regimen = tuple(regimen)
    dur = check_duration(minutes(duration, "duration"), "duration")
    model = model_for(regimen, species, hypotheses)
    draw = draw_population(model, n, seed, cohort, arm, species=species)
    ts = grid_for(regimen, dur, None if times is None else minutes_array(times, "times"))
    schedule = weight_scaled_schedule(model, regimen, draw.weight, dur)
    obs_fn = jitted_observe(model)
    out = np.empty((n, len(ts), len(model.observables)))
    for start, stop, obs in batched_observables(model, draw.p, schedule, ts, min(batch_size, n), solver, obs_fn):
        out[start:stop] = obs
    check_finite(model, out.reshape(-1, out.shape[-1]), np.tile(ts, n))
    ds = to_dataset(model, ts, out, provenance(model, regimen, None, f"jax/{solver}", seed), patient_dim=True)
    coords = draw_coordinates(model, draw)
    clash = sorted(set(coords) & set(ds.data_vars))
    if clash:  # a coordinate would silently replace an observable of the contract
        raise RuntimeError(f"population coordinates {clash} have the names of observables")
    ds = ds.assign_coords(patient=np.arange(n)).assign_coords(coords)
    return ds.assign_attrs(cohort=cohort, arm=arm)


def draw_coordinates(model, draw: PopulationDraw) -> dict[str, xr.Variable]:
    """A draw as coordinates on the `patient` dimension, each with `units` and `long_name`.

    The covariates: `weight` (kg), `cyp2b6` and `bdnf_genotype` (genotypes; `bdnf` is the
    BDNF observable). Then every parameter
    drawn with between-subject variability (`cv > 0`, see `lognormal_parameters`) under its
    qualified name ('ketamine_s.cl'), in its declared unit: the value patient i was
    simulated with, so `ketasim.simulate(..., parameters={name: value}, patient=...)`
    re-simulates that patient."""
    dim = "patient"
    coords = {
        "weight": xr.Variable(dim, draw.weight, {"units": "kg", "long_name": "body weight"}),
        "cyp2b6": xr.Variable(dim, draw.cyp2b6, {"long_name": "CYP2B6 genotype"}),
        # not `bdnf`: that name is the BDNF observable's (a data variable of the contract)
        "bdnf_genotype": xr.Variable(dim, draw.bdnf, {"long_name": "BDNF Val66Met genotype"}),
    }
    for j, name in enumerate(model.param_names):
        rec = model.parameters[name]
        if rec.cv > 0:
            coords[name] = xr.Variable(dim, from_canonical(draw.p[:, j], rec.unit),
                                       {"units": rec.unit, "long_name": rec.description or name,
                                        "between_subject_cv": rec.cv})
    return coords


def check_cohort(cohort: str) -> None:
    """InputError naming `cohort` unless it is a declared cohort (`ketasim.trial.cohorts.COHORTS`)."""
    from .trial.cohorts import COHORTS

    if cohort not in COHORTS:
        raise InputError(f"cohort: unknown cohort {cohort!r} (one of {', '.join(COHORTS)})")


def batched_observables(model, p: np.ndarray, schedule: Schedule, ts: np.ndarray, batch: int, solver: str,
                        observe, rtol: float = 1e-8, atol: float = 1e-10):
    """Solve patients in batches of `batch` and yield (start, stop, observables (stop - start, T, O)).

    The one batched solve loop (populations, trial chunks, sensitivity samples). p: (n, P),
    one row per patient; schedule: batched, one row per patient. The last batch is padded
    by wrapping round to the first patients, so every solve has the same shape and
    compiles once; the padding is dropped before `observe` (a jitted batch observe, e.g.
    `jitted_observe`). rtol, atol: the adaptive solvers' tolerances.
    """
    from .engine.solve import solve

    n = p.shape[0]
    for start in range(0, n, batch):
        stop = min(start + batch, n)
        sl = np.arange(start, start + batch) % n
        ys = solve(model, p[sl], schedule.rows(sl), ts, solver=solver, rtol=rtol, atol=atol)[: stop - start]
        yield start, stop, np.asarray(observe(ts, ys, p[start:stop]))


def observe_batch(observe, ts: np.ndarray, ys: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Observables for a batch: ys (b, T, S), p (b, P) -> (b, T, O), vectorised."""
    return observe(ts[None, :], ys, p.T[:, :, None])


_JIT_OBSERVE: dict[str, object] = {}


def jitted_observe(model):
    """The generated JAX `observe`, jitted for batches (XLA fuses the elementwise math)."""
    if model.source not in _JIT_OBSERVE:
        from .engine import jaxconfig

        _, observe, _ = model.functions("jax")
        _JIT_OBSERVE[model.source] = jaxconfig.jit(lambda ts, ys, p: observe_batch(observe, ts, ys, p))
    return _JIT_OBSERVE[model.source]
