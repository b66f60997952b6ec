"""One task of a virtual trial: a batch of patients of one arm, from draw to rated scores.

`simulate_chunk` draws patients start .. start+n-1 of an arm (`population.draw_population`,
each from its own generator, so the result for a patient does not depend on the chunking,
and `simulate_population` with the trial's seed, cohort and arm name draws the same
patients), solves the slow model for them in padded batches of at most `SOLVE_BATCH`
(`population.batched_observables` with `TRIAL_SOLVER`, the split solve: pharmacokinetics
exactly, the slow rest with an implicit method, as the model is stiff over weeks), and
passes each patient's mechanistic course through the observation model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..choices import check_name
from ..engine.dosing import DoseEvent
from ..errors import InputError
from ..units import MINUTES_PER_DAY
from .cohorts import COHORTS
from .observation import observe_patient
from .statistics import cohort_with, observation_values, split_overrides

ACUTE_WINDOW = 360.0   # min: dissociation and sedation peaks are read in the first 6 h
ACUTE_STEP = 5.0       # min
TRIAL_SOLVER = "split"  # exact pharmacokinetics, a Rosenbrock-W method for the slow rest (engine.solver_split)
TRIAL_RTOL = 5e-5       # relative tolerance of the trial solves: depression severity within 7e-5 of a
TRIAL_ATOL = 5e-8       # Kvaerno5 1e-8 solve over a week (about 0.004 MADRS points); tests/test_trial_accuracy.py
SOLVE_BATCH = 64        # patients per solve at most: the batch steps in lockstep, so a larger one waits longer
                        # for its slowest patient. The benchmark trial's esketamine arm, ms per patient at
                        # batches of 32/64/128/256/512: 7.2/7.2/8.4/9.0/9.6; citalopram 2.0 at 64, 2.85 at 256
                        # (2026-12-08, one process, 2 cores; each patient's solution does not depend on its batch)


@dataclass(frozen=True)
class TrialArm:
    """One arm: its regimen, hypotheses and whether patients are blinded to it.

    model_drugs: drugs (and procedures) whose modules the arm's model includes besides its
    own, normally the union over the trial's arms, so that all arms of a trial share one
    compiled model (a drug that is not dosed stays at zero and changes nothing).
    bdnf: a BDNF Val66Met genotype given to every patient of the arm (genotype-stratified
    arms, e.g. Laje 2012); None draws it from the population frequency.
    segments: the least number of dosing segments the solve is padded to (normally the
    largest arm's), so that all arms of a trial share one compiled solve.
    assessments: the days (after the baseline) at which the protocol rates the patients:
    follow-up contacts that add to the placebo response (`trial.observation`).
    """

    name: str
    regimen: tuple[DoseEvent, ...]
    hypotheses: tuple[tuple[str, str], ...] = ()
    blinded: bool = True
    model_drugs: tuple[str, ...] = ()
    bdnf: str | None = None
    segments: int = 0
    assessments: tuple[float, ...] = ()

    @property
    def drugs(self) -> frozenset[str]:
        return frozenset(e.drug for e in self.regimen) | frozenset(self.model_drugs)


@dataclass(frozen=True)
class ChunkResult:
    """Rated courses of n patients (see ketasim.trial.observation)."""

    patient: np.ndarray              # (n,) global patient index within the arm
    visits: np.ndarray               # (V,) days
    madrs: np.ndarray                # (n, V); NaN after dropout
    hamd: np.ndarray                 # (n, V)
    baseline_madrs: np.ndarray       # (n,) screening score
    dropout_day: np.ndarray          # (n,) inf = completed
    dropout_side_effect: np.ndarray  # (n,) bool
    cadss_peak: np.ndarray           # (n,) CADSS points
    covariates: Mapping[str, np.ndarray]
    # the decomposition of the rated MADRS change (trial.decomposition), (n, V), NaN after
    # dropout; None from a simulation that does not supply it (stored as NaN)
    drug_part: np.ndarray | None = None
    placebo_part: np.ndarray | None = None
    regression_part: np.ndarray | None = None


def visit_grid(visits: Sequence[float]) -> np.ndarray:
    """Sorted unique visit days, starting at day 0 (the baseline)."""
    days = np.unique(np.concatenate([[0.0], np.asarray(visits, dtype=float)]))
    if days[0] < 0:
        raise InputError("visits: days must not be negative")
    return days


@dataclass(frozen=True)
class Courses:
    """The mechanistic part of n patients' courses (what the observation model reads)."""

    draw: object                  # population.PopulationDraw of the n patients
    severity: np.ndarray          # (n, V) depression_severity at the visits
    burden: np.ndarray            # (n, V) side_effect_burden at the visits
    cadss_peak: np.ndarray        # (n,) peak CADSS in the first 6 h
    sedation_peak: np.ndarray     # (n,) peak sedation in the first 6 h
    hamd_line: tuple[float, float]  # HAMD per MADRS point, HAMD at MADRS 0


def simulate_chunk(arm: TrialArm, cohort: str, start: int, n: int, seed: int, visits: Sequence[float],
                   species: str = "human", batch: int | None = None,
                   parameters: Mapping[str, float] | None = None) -> ChunkResult:
    """Patients start .. start+n-1 of `arm` in `cohort`; `batch` pads the solve to a fixed size.

    parameters: overrides by qualified name, in the parameter's unit: of the model's
    parameters, and of the statistical layer's (`trial.NAME`, `trial.statistics`).
    """
    model_values, stat = split_overrides(parameters)
    days = visit_grid(visits)
    c = mechanistic_courses(arm, cohort, start, n, seed, days, species, batch, model_values)
    slope, zero = c.hamd_line
    events, contacts = treatment_days(arm), contact_days(arm)
    who, values = cohort_with(COHORTS[cohort], stat), observation_values(stat)
    out = []
    for i in range(n):
        rng = observation_rng(seed, arm.name, cohort, start + i)
        out.append(observe_patient(rng, who, days, c.severity[i], c.burden[i], float(c.cadss_peak[i]),
                                   float(c.sedation_peak[i]), arm.blinded, slope, zero, events, values,
                                   contacts))
    return ChunkResult(
        patient=np.arange(start, start + n, dtype=np.int64),
        visits=days,
        madrs=np.stack([o.madrs for o in out]),
        hamd=np.stack([o.hamd for o in out]),
        baseline_madrs=np.array([o.baseline for o in out]),
        dropout_day=np.array([o.dropout_day for o in out]),
        dropout_side_effect=np.array([o.dropout_side_effect for o in out]),
        cadss_peak=c.cadss_peak,
        covariates={"weight": c.draw.weight, "cyp2b6": c.draw.cyp2b6, "bdnf": c.draw.bdnf},
        drug_part=np.stack([o.parts[0] for o in out]),
        placebo_part=np.stack([o.parts[1] for o in out]),
        regression_part=np.stack([o.parts[2] for o in out]),
    )


SELF_ADMINISTERED = ("oral", "sublingual")
"""Routes whose doses patients take at home: not a contact with the trial's staff."""


def start_days(arm: TrialArm, clinic_only: bool = False) -> set[float]:
    """Start days of every (repeated) dose or session of the arm; with clinic_only, only those
    given in the clinic (every procedure, every dose by a route not in `SELF_ADMINISTERED`)."""
    from ..engine.dosing import expand_repeats

    return {e.start / MINUTES_PER_DAY for ev in arm.regimen for e in expand_repeats(ev)
            if not clinic_only or ev.procedure is not None or ev.route not in SELF_ADMINISTERED}


def treatment_days(arm: TrialArm) -> np.ndarray:
    """Start days of every (repeated) dose or session of the arm: what renews the placebo response."""
    return np.array(sorted(start_days(arm)))


def contact_days(arm: TrialArm) -> np.ndarray:
    """The arm's follow-up contacts (d): its rating visits after the baseline and the start days
    of its clinic sessions (`start_days` with clinic_only), by calendar day (two on the same day
    are one contact), sorted. The baseline's day is not a follow-up: a session on it (an
    infusion 45 min after the baseline rating, say) is part of the first visit."""
    days = {float(np.floor(d + 1e-9)) for d in (*start_days(arm, clinic_only=True), *arm.assessments)}
    return np.array(sorted(d for d in days if d >= 1.0))


def observation_rng(seed: int, arm: str, cohort: str, index: int) -> np.random.Generator:
    """The observation model's generator of one patient, a stream apart from its parameter draw."""
    from ..population import patient_rng

    return np.random.default_rng(patient_rng(seed, arm, cohort, index).integers(2**63))


def trial_times(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ts, at_visit, in_acute): the output times of a trial solve, min (the acute window's
    grid and the visit days, `visit_grid`), and the indices into ts of the visits and of the
    acute window."""
    duration = max(days[-1], 1.0) * MINUTES_PER_DAY
    acute = np.arange(0.0, min(ACUTE_WINDOW, duration) + 1e-9, ACUTE_STEP)
    ts = np.unique(np.concatenate([acute, days * MINUTES_PER_DAY]))
    return ts, np.searchsorted(ts, days * MINUTES_PER_DAY), np.searchsorted(ts, acute)


def mechanistic_courses(arm: TrialArm, cohort: str, start: int, n: int, seed: int, days: np.ndarray,
                        species: str = "human", batch: int | None = None,
                        parameters: Mapping[str, float] | None = None) -> Courses:
    """Draw the patients and solve the slow model for them in batches of at most `SOLVE_BATCH`
    (the model from `chunk_model`, built once per process)."""
    from ..engine.solve import SolverError
    from ..population import batched_observables, draw_population, jitted_observe, weight_scaled_schedule
    from ..simulate import SimulationError
    from .chunk_model import chunk_model

    check_name(cohort, COHORTS, "population.cohort", "cohort")
    if n < 1:
        raise InputError("n: a chunk needs at least one patient")
    # built once per process (a Dask worker's first chunk), reused by its later chunks
    model = chunk_model(species, arm.hypotheses, arm.drugs, tuple(dict(parameters or {}).items()))
    draw = draw_population(model, n, seed, cohort, arm.name, start=start, species=species, bdnf=arm.bdnf)
    duration = max(days[-1], 1.0) * MINUTES_PER_DAY
    ts, at_visit, in_acute = trial_times(days)

    schedule = weight_scaled_schedule(model, arm.regimen, draw.weight, duration, least_segments=arm.segments)
    try:
        # batches padded to `batch` patients (by repeating patients), at most SOLVE_BATCH, so every
        # chunk compiles once
        size = min(max(batch or n, n), SOLVE_BATCH)
        obs = np.concatenate([o for _, _, o in batched_observables(model, draw.p, schedule, ts, size, TRIAL_SOLVER,
                                                                   jitted_observe(model), rtol=TRIAL_RTOL,
                                                                   atol=TRIAL_ATOL)])
    except SolverError as exc:
        raise SimulationError(f"arm {arm.name}, patients {start}-{start + n - 1}: {exc}") from None
    if not np.isfinite(obs).all():  # finite states (checked by the solve), an observable that is not
        from ..simulate import check_finite

        j = int(np.argmax(~np.isfinite(obs).all(axis=(1, 2))))
        try:
            check_finite(model, obs[j], ts)
        except SimulationError as exc:
            raise SimulationError(f"arm {arm.name}, patient {start + j}: {exc}") from None
    col = {o.name: j for j, o in enumerate(model.observables)}
    factor = {o.name: o.factor for o in model.observables}

    def series(name: str, idx: np.ndarray) -> np.ndarray:
        if name not in col:
            return np.zeros((n, len(idx)))
        return obs[:, idx, col[name]] / factor[name]

    prm = model.param_index
    line = (float(draw.p[0, prm["mood.hamd_per_madrs"]]), float(draw.p[0, prm["mood.hamd_at_madrs_zero"]]))
    return Courses(draw, series("depression_severity", at_visit), series("side_effect_burden", at_visit),
                   series("cadss", in_acute).max(axis=1), series("sedation", in_acute).max(axis=1), line)
