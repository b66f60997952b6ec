"""A virtual trial's specification: from an experiment file's protocol to an immutable `TrialSpec`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Mapping

import numpy as np

from ..choices import check_name
from ..errors import InputError
from ..experiments.schema import Experiment
from ..limits import MAX_CHUNK, MAX_PATIENTS_PER_ARM, check_count
from ..units import MINUTES_PER_DAY
from .observation import value
from .statistics import PREFIX, checked_statistical, split_overrides
from .definitions import DEFAULT_RULES, EndpointRules, check_measure_days, endpoint_rules

DEFAULT_CHUNK = 1000   # patients per task (and per Zarr chunk) unless the file says otherwise


class TrialSpecError(InputError):
    """A trial protocol field is invalid (one line, names the field)."""


@dataclass(frozen=True)
class TrialSpec:
    """Everything that determines a trial's stored results.

    n: patients per arm; chunk: patients per task; duration_days: follow-up (d); visits:
    the days at which scores are recorded (every day from 0 to the duration, plus each
    measure's `at` and each scheduled visit of the protocol), ascending. endpoints: the
    protocol's endpoint definitions, which read only its scheduled visits of the record. arms: `ketasim.trial.chunk.TrialArm`s (regimen in
    minutes, hypotheses merged: protocol-wide, then the arm's own).
    """

    trial_id: str
    title: str
    species: str
    cohort: str
    n: int
    seed: int
    chunk: int
    duration_days: float
    visits: tuple[float, ...]
    arms: tuple  # tuple[TrialArm, ...]
    parameters: tuple[tuple[str, float], ...] = ()  # model overrides (qualified name, value in its unit), sorted
    endpoints: EndpointRules = DEFAULT_RULES        # how the protocol defines its endpoints (not in the digest)

    @property
    def arm_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.arms)

    def arm(self, name: str):
        for a in self.arms:
            if a.name == name:
                return a
        raise KeyError(name)

    def chunks(self) -> tuple[tuple[int, int], ...]:
        """(start, size) of each chunk of an arm's patients."""
        return tuple((s, min(self.chunk, self.n - s)) for s in range(0, self.n, self.chunk))

    def to_json(self) -> dict:
        return {"trial_id": self.trial_id, "title": self.title, "species": self.species, "cohort": self.cohort,
                "n": self.n, "seed": self.seed, "chunk": self.chunk, "duration_days": self.duration_days,
                "visits": list(self.visits),
                "arms": [{"name": a.name, "regimen": [asdict(e) for e in a.regimen],
                          "hypotheses": dict(a.hypotheses), "blinded": a.blinded, "bdnf": a.bdnf,
                          "model_drugs": list(a.model_drugs), "segments": a.segments,
                          **({"assessments": list(a.assessments)} if a.assessments else {})} for a in self.arms],
                **({"parameters": dict(self.parameters)} if self.parameters else {}),
                **({"endpoints": self.endpoints.to_json()} if self.endpoints != DEFAULT_RULES else {})}

    @property
    def digest(self) -> str:
        """SHA-256 of everything that determines the stored results (not the title, nor the
        endpoint definitions: they read the record, they do not change it)."""
        data = {k: v for k, v in self.to_json().items() if k not in ("title", "endpoints")}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def visit_days(duration_days: float, extra: tuple[float, ...] = ()) -> tuple[float, ...]:
    """Every whole day from 0 to the duration, the duration itself, and the extra days; sorted, unique."""
    days = set(np.arange(0.0, np.floor(duration_days + 1e-9) + 1.0).tolist()) | {float(duration_days)}
    days |= {float(d) for d in extra}
    return tuple(sorted(round(d, 9) for d in days))


def assessment_days(rules: EndpointRules, duration_days: float, interval_days: float | None = None
                    ) -> tuple[float, ...]:
    """The follow-up rating visits (d, after the baseline) of a protocol: its scheduled visits
    when it declares them (`protocol.endpoints.visits`), else one every `interval_days` (default
    the declared `trial.default_visit_interval`) and one at the end (`duration_days`). Never the
    days the measures read: what a file chooses to score must not change what is simulated."""
    if rules.visits is not None:
        days = rules.visits
    else:
        step = value("default_visit_interval") if interval_days is None else float(interval_days)
        days = (*np.arange(step, duration_days + 1e-9, step), duration_days)
    return tuple(sorted({round(float(d), 9) for d in days if d > 0}))


def trial_spec(exp: Experiment, patients: int | None = None, chunk: int | None = None,
               check_models: bool = True, parameters: Mapping[str, float] | None = None,
               parameters_field: str = "parameters") -> TrialSpec:
    """The `TrialSpec` of an experiment whose protocol has a population and arms.

    patients, chunk: override the file's `population.n` and `population.chunk`.
    check_models: assemble each arm's model and compile its regimen once, so that an
    unknown drug, route or hypothesis is refused before anything runs.
    parameters: overrides by qualified name (a fitted parameter file's values), merged over
    `protocol.parameters` (the override wins); with check_models, a protocol parameter the
    trial's model lacks is an error and an override it lacks is left out (one file serves
    a library of models, see `experiments.plan.merged_parameters`); every value is checked
    against its parameter's bounds (`experiments.plan.checked_parameters`), an override's
    error naming `parameters_field` (the command line passes '--parameters: values').
    """
    from .chunk import TrialArm
    from .cohorts import COHORTS
    from ..experiments.plan import experiment_plan
    from ..population import BDNF_GENOTYPES

    prot = exp.protocol
    if prot.population is None or not prot.arms:
        raise TrialSpecError("protocol: not a trial (needs [protocol.population] and [protocol.arms.NAME])")
    pop = prot.population
    check_name(pop.cohort, COHORTS, "protocol.population.cohort", "cohort", TrialSpecError)
    n = pop.n if patients is None else int(patients)
    if n < 1:
        raise TrialSpecError(f"{'--patients' if patients is not None else 'protocol.population.n'}: "
                             "must be at least 1")
    check_count(n, MAX_PATIENTS_PER_ARM, "--patients" if patients is not None else "protocol.population.n",
                "patients per arm")
    size = chunk or pop.chunk or DEFAULT_CHUNK
    if size < 1:
        raise TrialSpecError("chunk: must be at least 1")
    check_count(size, MAX_CHUNK, "chunk", "patients per chunk")
    plan = experiment_plan(exp)
    duration = plan.duration / MINUTES_PER_DAY
    extra = []
    for i, times in enumerate(plan.measures):
        if times.at is not None:
            at = times.at / MINUTES_PER_DAY
            if not 0 <= at <= duration:
                raise TrialSpecError(f"measure[{i}].at: must be between 0 and the trial's duration")
            extra.append((i, at))
    rules = endpoint_rules(prot.endpoints, duration)
    check_measure_days(rules, extra)
    arms = []
    for name, arm in prot.arms.items():
        where = f"protocol.arms.{name}"
        hyp = {**prot.hypotheses, **arm.hypotheses}
        if arm.bdnf is not None:
            check_name(arm.bdnf, BDNF_GENOTYPES, f"{where}.bdnf", "genotype", TrialSpecError)
        arms.append(TrialArm(name=name, regimen=plan.arm_regimen(name), hypotheses=tuple(sorted(hyp.items())),
                             blinded=arm.blinded, bdnf=arm.bdnf))
    # one model for every arm (the union of the trial's drugs), so the solve compiles once;
    # every arm rated on the same follow-up days (`assessment_days`)
    drugs = tuple(sorted({e.drug for a in arms for e in a.regimen}))
    arms = [replace(a, model_drugs=drugs) for a in arms]
    values = {**prot.parameters, **{k: float(v) for k, v in dict(parameters or {}).items()}}
    if check_models:
        # and one padded segment count (the largest arm's), so the compiled solve is shared too
        most = max(_check_arm(a, exp.species, duration, f"protocol.arms.{a.name}") for a in arms)
        arms = [replace(a, segments=most) for a in arms]
        values = _known_parameters(prot.parameters, parameters, exp.species, arms, parameters_field)
    seen = assessment_days(rules, duration, values.get(PREFIX + "default_visit_interval"))
    arms = [replace(a, assessments=seen) for a in arms]
    return TrialSpec(trial_id=exp.id, title=exp.title, species=exp.species, cohort=pop.cohort, n=n,
                     seed=pop.seed, chunk=min(size, n), duration_days=duration,
                     visits=visit_days(duration, tuple(d for _, d in extra) + (rules.visits or ())),
                     arms=tuple(arms), parameters=tuple(sorted(values.items())), endpoints=rules)


def _known_parameters(protocol_parameters, overrides, species: str, arms,
                      overrides_field: str = "parameters") -> dict[str, float]:
    """protocol.parameters (each must be a parameter of every arm's model) with the overrides
    that every arm's model has merged over them."""
    from ..experiments.plan import checked_parameters, merged_parameters
    from ..mechanisms.registry import build_model

    models = [build_model(species, dict(a.hypotheses), a.drugs) for a in arms]
    known = set.intersection(*(set(m.parameters) for m in models))
    protocol_model, protocol_stat = split_overrides(protocol_parameters)
    unknown = [k for k in protocol_model if k not in known]
    if unknown:
        raise TrialSpecError(f"protocol.parameters.{unknown[0]}: the trial's model has no such parameter")
    model_overrides, stat = split_overrides(overrides)
    shared = {k: v for k, v in model_overrides.items() if k in known}
    merged = merged_parameters(protocol_model, shared, known)
    for m in models:  # bounds and finiteness, before any patient is solved (ParameterError names the key)
        checked_parameters(m.parameters, protocol_model, shared, overrides_field)
    # the statistical layer's values (trial.NAME) are kept: every trial has that layer
    return {**merged, **checked_statistical(protocol_stat, "protocol.parameters"),
            **checked_statistical(stat, overrides_field)}


def _check_arm(arm, species: str, duration_days: float, where: str) -> int:
    """Assemble the model the arm's chunks will run (the trial's shared one, cached) and compile
    its regimen (InputError naming the field if either fails). Returns its number of dosing segments."""
    from ..mechanisms.registry import build_model
    from ..simulate import schedule_for

    try:
        model = build_model(species, dict(arm.hypotheses), arm.drugs)
    except InputError as exc:
        msg = str(exc)
        raise TrialSpecError(msg if msg.startswith(where) else f"{where}: {msg}") from None
    return schedule_for(model, arm.regimen, 70.0, duration_days * MINUTES_PER_DAY).segments
