"""The parameter catalogue of an experiment: every parameter its measures depend on.

The scorecard derives an experiment's class from it (classification.py): an experiment
is calibration when one of these parameters cites the experiment's publication. The
catalogue lists parameters, not modules: a module's parameter counts only when the
measures can feel it. What counts as "depends on" follows the kind of protocol:

- in vivo: the parameters in the closure of the measured observables (and `versus`)
  through the assembled model's expressions (closure.py: observable -> the assignments
  and states it reads -> their expressions and derivatives -> ...), with the states no
  dose reaches set to zero, so an absorption route's parameters (F_oral, ka_oral, ...)
  count only when the protocol or its reference regimen doses that route; the
  parameters dosing reads (the esketamine nasal device; the standard weight for mg/kg
  doses); and the spiking circuit's parameters when the closure reaches the circuit
  surrogate (it was fitted to that network);
- trials: the whole model of every arm (every state and assignment as roots), its dose
  routes restricted in the same way to the routes the arms dose, the spiking circuit's
  parameters when the surrogate is in it, and the statistical patient layer (cohorts,
  observation);
- in vitro: the receptor scheme (voltage clamp on NMDA receptors) or the off-target
  module (a binding assay), the equations the in-vitro runner evaluates.

Models are assembled (never compiled or simulated); a memo shared across calls (models
by species, hypotheses and drugs; reductions and closures by model, dosed states and
signals) keeps classifying the whole library to seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from ..engine.assembler import select_parameters
from ..engine.dosing import DoseEvent
from ..engine.module import Module
from ..experiments.schema import Experiment
from ..parameters import Parameter
from .closure import closure, reduce_model
from .hypotheses import drugs_of, signature

if TYPE_CHECKING:
    from ..engine.model import AssembledModel
    from ..experiments.plan import SimulationPlan
    from ..patient import Patient

CIRCUIT_MODULE = "circuit"        # the circuit surrogate's module in the slow model
CIRCUIT_OWNER = "circuit network"  # the spiking network the surrogate was fitted to
RECEPTOR_OWNER = "receptor scheme"
STATISTICAL_OWNER = "clinical (statistical)"
DOSING_OWNER = "dosing"            # parameters the dose compiler reads (device schemes)
WEIGHT = "patient.weight"          # the species' standard weight, for mg/kg doses
SETTINGS_OWNER = "patient settings"  # records a patient's genotype or state sets (plasticity.SUBJECT_SETTINGS)


@dataclass(frozen=True)
class CatalogueEntry:
    """One parameter an experiment depends on and where it lives (a module's name, the
    circuit network, the receptor scheme or the statistical patient layer)."""

    owner: str
    parameter: Parameter

    @property
    def qualified(self) -> str:
        return f"{self.owner}.{self.parameter.name}"


def measured_signals(exp: Experiment) -> tuple[str, ...]:
    """The observables an in-vivo experiment's measures read (with `versus`), sorted."""
    return tuple(sorted({x for m in exp.measure for x in (m.observable, m.versus) if x}))


def _module_entries(modules: tuple[Module, ...], species: str) -> list[CatalogueEntry]:
    out: list[CatalogueEntry] = []
    for m in modules:
        out.extend(CatalogueEntry(m.name, q) for q in select_parameters(m, species).values())
    return out


def _circuit_entries() -> list[CatalogueEntry]:
    from ..circuit.parameters import CIRCUIT_PARAMETERS

    return [CatalogueEntry(CIRCUIT_OWNER, q) for q in CIRCUIT_PARAMETERS]


def in_vitro_modules(exp: Experiment, hypotheses: Mapping[str, str]) -> tuple[tuple[str, tuple], ...]:
    """(owner, signature) of what an in-vitro protocol evaluates under `hypotheses`: the
    receptor scheme for a voltage clamp, else the off-target module (whose D2 term the
    `ketamine_d2` switch sets)."""
    iv = exp.protocol.in_vitro
    if iv.target == "nmda":
        from ..receptor.parameters import NMDA_PARAMETERS

        return ((RECEPTOR_OWNER, tuple((q.name, q.value, q.species) for q in NMDA_PARAMETERS)),)
    from ..mechanisms.offtargets import offtarget_module

    module = offtarget_module(d2=dict(hypotheses).get("ketamine_d2", "none"))
    return ((module.name, signature(module)),)


def _in_vitro_entries(exp: Experiment) -> list[CatalogueEntry]:
    iv = exp.protocol.in_vitro
    if iv.target == "nmda":
        from ..receptor.parameters import NMDA_PARAMETERS

        return [CatalogueEntry(RECEPTOR_OWNER, q) for q in NMDA_PARAMETERS]
    from ..mechanisms.offtargets import offtarget_module

    module = offtarget_module(d2=exp.protocol.hypotheses.get("ketamine_d2", "none"))
    return _module_entries((module,), exp.species)


def _model(memo: dict, species: str, hypotheses: Mapping[str, str],
           drugs: frozenset[str]) -> tuple["AssembledModel", tuple]:
    """The assembled model (memoised by species, hypotheses and drugs) and its memo key."""
    from ..mechanisms.registry import build_model

    key = ("catalogue:model", species, tuple(sorted(hypotheses.items())), drugs)
    if key not in memo:
        memo[key] = build_model(species, dict(hypotheses), drugs)
    return memo[key], key


def dosed_states(model: "AssembledModel", regimen: tuple[DoseEvent, ...], weight_kg: float,
                 duration: float) -> frozenset[str]:
    """Flat ids of the dose-target states the regimen puts an amount into within
    [0, duration): the schedule the simulation would use (`engine.dosing.compile_schedule`
    with the drug registry's routes and device expansion), nonzero boluses or rates."""
    from ..engine.dosing import compile_schedule
    from ..mechanisms.drugs import expand, route

    schedule = compile_schedule(model, regimen, weight_kg, duration, route, expand)
    bolus = np.flatnonzero(np.any(np.asarray(schedule.jumps) != 0, axis=0))
    infused = np.flatnonzero(np.any(np.asarray(schedule.rates) != 0, axis=0))
    return frozenset([model.states[i].symbol for i in bolus] + [model.dose_channels[j] for j in infused])


def _dosing_entries(model: "AssembledModel", regimen: tuple[DoseEvent, ...],
                    default_weight: bool) -> list[CatalogueEntry]:
    """The parameters dosing itself reads: the esketamine nasal device (size, interval) when
    a dose is expanded into devices, and the species' standard weight (`patient.weight`)
    when a mg/kg dose is given to a patient whose weight the protocol leaves unset."""
    from ..engine.dosing import expand_repeats
    from ..mechanisms.drugs import ESKETAMINE_DEVICE, ESKETAMINE_DEVICE_INTERVAL, expand

    out: list[CatalogueEntry] = []
    if any(expand(one) != [one] for ev in regimen for one in expand_repeats(ev)):
        out += [CatalogueEntry(DOSING_OWNER, q) for q in (ESKETAMINE_DEVICE, ESKETAMINE_DEVICE_INTERVAL)]
    if default_weight and any(ev.per_kg and ev.amount > 0 for ev in regimen) and WEIGHT in model.parameters:
        out.append(CatalogueEntry(WEIGHT.split(".")[0], model.parameters[WEIGHT]))
    return out


def _closure_entries(model: "AssembledModel", model_key: tuple, regimen: tuple[DoseEvent, ...],
                     plan: "SimulationPlan", signals: tuple[str, ...] | None, memo: dict,
                     settings: Mapping[str, tuple[Parameter, ...]]) -> list[CatalogueEntry]:
    """The parameters `signals` (None: every state and assignment, the whole model) depend on
    under `regimen`, with the circuit network's when the surrogate is reached, and dosing's;
    settings: {qualified parameter: the records the subjects' settings give it}, each record
    counted when its parameter is reached."""
    dosed = dosed_states(model, regimen, plan.patient.weight, plan.duration)
    rkey = ("catalogue:reduced", model_key, dosed)
    if rkey not in memo:
        memo[rkey] = reduce_model(model, dosed)
    ckey = ("catalogue:closure", model_key, dosed, signals)
    if ckey not in memo:
        roots = signals if signals is not None else (
            tuple(s.symbol for s in model.states) + tuple(a.symbol for a in model.assignments))
        memo[ckey] = closure(memo[rkey], roots)
    reached = memo[ckey]
    out = [CatalogueEntry(name.split(".", 1)[0], model.parameters[name]) for name in sorted(reached.parameters)]
    out += [CatalogueEntry(SETTINGS_OWNER, q) for name in sorted(settings) if name in reached.parameters
            for q in settings[name]]
    if CIRCUIT_MODULE in reached.modules:
        out += _circuit_entries()
    return out + _dosing_entries(model, regimen, plan.patient.weight_kg is None)


def subject_settings(subjects: Iterable["Patient"]) -> dict[str, tuple[Parameter, ...]]:
    """{qualified parameter: the records its value is taken from} over the subjects an
    experiment may have (`Patient.setting_parameters`, each record once)."""
    out: dict[str, list[Parameter]] = {}
    for subject in subjects:
        for name, q in subject.setting_parameters().items():
            if q not in out.setdefault(name, []):
                out[name].append(q)
    return {name: tuple(qs) for name, qs in out.items()}


def trial_arm_subjects(genotype: str | None) -> tuple["Patient", ...]:
    """The subjects a trial arm may draw, as far as their settings go: the arm's fixed Val66Met
    genotype, or every genotype the population draws (`population.BDNF_GENOTYPES`)."""
    from ..patient import Patient
    from ..population import BDNF_GENOTYPES

    return tuple(Patient(bdnf=g) for g in ([genotype] if genotype else BDNF_GENOTYPES))


def _model_entries(exp: Experiment, memo: dict) -> list[CatalogueEntry]:
    from ..experiments.plan import experiment_plan

    plan = experiment_plan(exp)
    out: list[CatalogueEntry] = []
    if exp.protocol.arms:
        drugs = drugs_of(exp)
        for name, arm in exp.protocol.arms.items():
            model, key = _model(memo, exp.species, {**exp.protocol.hypotheses, **arm.hypotheses}, drugs)
            out += _closure_entries(model, key, plan.arm_regimen(name), plan, None, memo,
                                    subject_settings(trial_arm_subjects(arm.bdnf)))
        from ..trial import statistical_parameters

        out += [CatalogueEntry(STATISTICAL_OWNER, q) for q in statistical_parameters()]
        return out
    signals = measured_signals(exp)
    # the reference regimen (bioavailability) is simulated on its own model, as the runner does
    for regimen in (plan.regimen,) + ((plan.reference_regimen,) if plan.reference_regimen else ()):
        drugs = frozenset(e.drug for e in regimen)  # the runner's model (simulate.model_for)
        model, key = _model(memo, exp.species, exp.protocol.hypotheses, drugs)
        out += _closure_entries(model, key, regimen, plan, signals, memo, subject_settings([plan.patient]))
    return out


def parameter_catalogue(exp: Experiment, memo: dict | None = None) -> tuple[CatalogueEntry, ...]:
    """Every parameter the experiment's measures depend on, each (owner, name, species) once,
    sorted by owner and name. memo: assembled models, reduced models and closures, shared
    across calls (keys tagged 'catalogue:...')."""
    entries = (_in_vitro_entries(exp) if exp.protocol.in_vitro is not None
               else _model_entries(exp, {} if memo is None else memo))
    out: dict[tuple, CatalogueEntry] = {}
    for e in entries:
        out.setdefault((e.owner, e.parameter.name, e.parameter.species), e)
    return tuple(sorted(out.values(), key=lambda e: (e.owner, e.parameter.name, e.parameter.species)))
