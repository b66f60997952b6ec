"""The parameter catalogue of an experiment: every parameter its measures depend on.

The scorecard derives an experiment's class from it (classification.py): an experiment
is calibration when one of these parameters cites the experiment's publication. What
counts as "depends on" follows the kind of protocol:

- in vivo: the modules upstream of the measured observables (and `versus`) in the
  experiment's assembled model (through module inputs), always the patient module, and
  the spiking circuit's parameters whenever the circuit surrogate is upstream (the
  surrogate was fitted to that network);
- trials: every module of every arm's model, the spiking circuit's parameters when the
  surrogate is in the model, and the statistical patient layer (cohorts, observation);
- in vitro: the receptor scheme (voltage clamp on NMDA receptors) or the off-target
  module (a binding assay), the equations the in-vitro runner evaluates.

Models are assembled (never compiled or simulated); a memo shared across calls keeps
classifying the whole library to seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..engine.assembler import select_parameters
from ..engine.module import Module
from ..experiments.schema import Experiment
from ..parameters import Parameter
from .hypotheses import drugs_of, signature, upstream_modules

CIRCUIT_MODULE = "circuit"        # the circuit surrogate's module in the slow model
CIRCUIT_OWNER = "circuit network"  # the spiking network the surrogate was fitted to
RECEPTOR_OWNER = "receptor scheme"
STATISTICAL_OWNER = "clinical (statistical)"


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


def _with_patient(model, modules: tuple[Module, ...]) -> tuple[Module, ...]:
    from ..mechanisms.patient import PATIENT

    names = {m.name for m in modules}
    extra = tuple(m for m in model.modules if m.name == PATIENT.name and m.name not in names)
    return modules + extra


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


def _model_entries(exp: Experiment, memo: dict) -> list[CatalogueEntry]:
    from ..mechanisms.registry import build_model

    drugs = drugs_of(exp)
    if exp.protocol.arms:
        hyps = [{**exp.protocol.hypotheses, **arm.hypotheses} for arm in exp.protocol.arms.values()]
        signals = None
    else:
        hyps = [dict(exp.protocol.hypotheses)]
        signals = measured_signals(exp)
    seen: dict[str, Module] = {}
    for hyp in hyps:
        key = (exp.species, tuple(sorted(hyp.items())), drugs, signals)
        if key not in memo:
            model = build_model(exp.species, hyp, drugs)
            mods = model.modules if signals is None else _with_patient(model, upstream_modules(model, signals))
            memo[key] = tuple(mods)
        for m in memo[key]:
            seen.setdefault(signature(m), m)
    modules = tuple(seen.values())
    out = _module_entries(modules, exp.species)
    if any(m.name == CIRCUIT_MODULE for m in modules):
        out += _circuit_entries()
    if exp.protocol.arms:
        from ..clinical import statistical_parameters

        out += [CatalogueEntry(STATISTICAL_OWNER, q) for q in statistical_parameters()]
    return out


def parameter_catalogue(exp: Experiment, memo: dict | None = None) -> tuple[CatalogueEntry, ...]:
    """Every parameter the experiment's measures depend on, each (owner, name, species) once,
    sorted by owner and name. memo: assembled modules by (species, hypotheses, drugs,
    signals), shared across calls."""
    entries = (_in_vitro_entries(exp) if exp.protocol.in_vitro is not None
               else _model_entries(exp, {} if memo is None else memo))
    out: dict[tuple, CatalogueEntry] = {}
    for e in entries:
        out.setdefault((e.owner, e.parameter.name, e.parameter.species), e)
    return tuple(sorted(out.values(), key=lambda e: (e.owner, e.parameter.name, e.parameter.species)))
