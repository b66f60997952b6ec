"""The explicit module registry and the model builder (hypotheses select variants)."""

from __future__ import annotations

from functools import lru_cache

from ..choices import did_you_mean, one_of, unknown_name
from ..engine.assembler import AssemblyError, assemble
from ..engine.model import AssembledModel
from ..engine.model_cache import cached_model
from ..engine.module import Module
from ..parameters import SPECIES
from .drugs import modules_for
from .circuit import HYPOTHESIS_VALUES as CIRCUIT_BLOCK_VALUES, circuit_module, load_surrogate
from .nmda import nmda_module
from .offtargets import BRAIN_METABOLITES, offtarget_module
from .patient import PATIENT
from .pk_disposition import HYPOTHESIS_VALUES as KETAMINE_PK_VALUES, disposition_for
from .pk_ketamine import ketamine_module
from .pk_metabolites import TOTALS, dhnk_module, hnk_module, norketamine_module
from .pk_simple import SIMPLE_DRUGS
from . import clinical, plasticity, systems

# Hypothesis switches: name -> allowed values (first is the default). Layers add theirs.
HYPOTHESES: dict[str, tuple[str, ...]] = {
    # Ketamine disposition in humans: the venous population model, or a published
    # alternative (Domino 1982, Herd 2007); rodents always use the scaled Domino constants.
    "ketamine_pk": KETAMINE_PK_VALUES,
    # NMDA block in the slow model: the scheme's steady state at every instant, or the
    # trapping block integrated (it relaxes only while channels open).
    "nmda_block": ("quasi_steady", "kinetic"),
    # Ketamine at dopamine D2: no activity (Jordan 2006; Can 2016) or D2High Ki 0.5 uM
    # (Kapur & Seeman 2002).
    "ketamine_d2": ("none", "high_affinity"),
    # Which NMDA block the circuit sees: each cell type its own (the receptor layer's
    # mechanism) or every cell type the same mean block (Susin & Destexhe; Kirli 2014).
    "circuit_block": CIRCUIT_BLOCK_VALUES,
    **plasticity.HYPOTHESES,
    **systems.HYPOTHESES,
    **clinical.HYPOTHESES,
}


def pk_modules(disposition: str = KETAMINE_PK_VALUES[0], species: str = "human") -> tuple[Module, ...]:
    """Patient covariates and ketamine (with the disposition `ketamine_pk` names, for the
    species) with its metabolites."""
    d = disposition_for(species, disposition)
    return (
        PATIENT,
        ketamine_module("s", d), ketamine_module("r", d),
        norketamine_module("s"), norketamine_module("r"),
        hnk_module(), dhnk_module(), TOTALS, BRAIN_METABOLITES,
    )


def core_modules(hypotheses: dict[str, str] | None = None, drugs: frozenset[str] = frozenset(),
                 species: str = "human") -> tuple[Module, ...]:
    """Modules always present: PK, NMDA block and off-target occupancy."""
    hyp = resolve_hypotheses(hypotheses)
    mods = pk_modules(hyp["ketamine_pk"], species) + (
        nmda_module(hyp["nmda_block"], with_mean=hyp["circuit_block"] == "uniform"),
        offtarget_module(hyp["ketamine_d2"], naltrexone="naltrexone" in drugs),
    )
    surrogate = _surrogate()
    if surrogate is not None:
        mods += (circuit_module(surrogate, hyp["circuit_block"]),)
        # the later layers read the circuit's outputs
        mods += plasticity.modules(hyp, drugs) + systems.modules(hyp, drugs) + clinical.modules(hyp, drugs)
    return mods


@lru_cache(maxsize=1)
def _surrogate():
    return load_surrogate()


def optional_modules() -> dict[str, Module]:
    return {m.name: m for m in SIMPLE_DRUGS.values()}


def resolve_hypotheses(hypotheses: dict[str, str] | None) -> dict[str, str]:
    """Every switch's value: the defaults, with the given ones over them; an unknown name or
    value is refused naming `hypotheses.NAME` (with the closest known name or value, if any)."""
    out = {k: v[0] for k, v in HYPOTHESES.items()}
    for k, v in (hypotheses or {}).items():
        if k not in HYPOTHESES:
            raise AssemblyError(f"hypotheses.{k}: unknown hypothesis{did_you_mean(k, HYPOTHESES)}{one_of(HYPOTHESES)}")
        if v not in HYPOTHESES[k]:
            raise AssemblyError(unknown_name(f"hypotheses.{k}", "value", v, HYPOTHESES[k]))
        out[k] = v
    return out


def build_model(species: str = "human", hypotheses: dict[str, str] | None = None,
                drugs: frozenset[str] = frozenset()) -> AssembledModel:
    """Assemble the slow model for a species, hypothesis set and the drugs of a regimen."""
    if species not in SPECIES:
        raise AssemblyError(unknown_name("species", "species", species, SPECIES))
    hyp = resolve_hypotheses(hypotheses)
    return _build(species, tuple(sorted(hyp.items())), frozenset(drugs))


def model_modules(species: str, hypotheses: dict[str, str] | None, drugs: frozenset[str]) -> tuple[Module, ...]:
    """The modules `build_model` assembles for a species, hypothesis set and drugs (assembly
    adds nothing a switch could change: two equal module tuples give the same model)."""
    extra = optional_modules()
    return core_modules(hypotheses, drugs, species) + tuple(extra[n] for n in modules_for(set(drugs)))


@lru_cache(maxsize=64)
def _build(species: str, hyp: tuple[tuple[str, str], ...], drugs: frozenset[str]) -> AssembledModel:
    """Assembled once per process, and read from the cache folder by later processes
    (`engine.model_cache`, keyed by the modules' full text, so a changed module list is
    assembled anew)."""
    mods = model_modules(species, dict(hyp), drugs)
    return cached_model(("assemble", species, hyp, repr(mods)),
                        lambda: assemble(mods, species=species, hypotheses=dict(hyp)))
