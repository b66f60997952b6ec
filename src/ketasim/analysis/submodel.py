"""The part of an assembled model that a set of observables depends on.

A fit differentiates the solve with respect to parameters; the reverse-mode derivative
of the whole slow model (PK through symptoms, ~50 states) takes minutes to compile,
while the PK observables that most calibrations target depend on a handful of modules.
Modules are wired only through their declared inputs and outputs, so the modules that
provide the requested observables, closed under "provides an input of", compute those
observables exactly as the full model does: nothing downstream feeds back into them
(the assembler refuses algebraic loops, and a state's derivative reads only its own
module's symbols and its inputs). The modules that receive the regimen's doses are kept
too, so the same dosing compiler applies.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..engine.assembler import assemble
from ..engine.dosing import DoseEvent
from ..engine.model import AssembledModel


def needed_modules(model: AssembledModel, observables: Iterable[str],
                   dosed: Iterable[str] = ()) -> tuple[str, ...]:
    """Names of the modules (in assembly order) that the observables and the dosed modules need.

    observables: output signal names; dosed: module names that must stay (dose targets).
    KeyError for an observable no module provides.
    """
    provider = {o: m.name for m in model.modules for o in m.outputs}
    by_name = {m.name: m for m in model.modules}
    need = {provider[o] for o in observables} | set(dosed)
    stack = list(need)
    while stack:
        for signal in by_name[stack.pop()].inputs:
            source = provider[signal]
            if source not in need:
                need.add(source)
                stack.append(source)
    return tuple(m.name for m in model.modules if m.name in need)


def dosed_modules(regimen: Sequence[DoseEvent], species: str) -> tuple[str, ...]:
    """Modules holding the dose-target states of every (expanded) dose event of the regimen."""
    from ..engine.dosing import expand_repeats
    from ..mechanisms.drugs import expand, route

    out: set[str] = set()
    for event in regimen:
        for one in expand_repeats(event):
            for dev in expand(one):
                out |= {d.target.split(".", 1)[0] for d in route(dev, species)}
    return tuple(sorted(out))


def submodel(model: AssembledModel, observables: Iterable[str], regimen: Sequence[DoseEvent] = ()) -> AssembledModel:
    """The model restricted to what `observables` need (and the regimen's dose targets)."""
    keep = set(needed_modules(model, observables, dosed_modules(regimen, model.species)))
    if len(keep) == len(model.modules):
        return model
    return assemble([m for m in model.modules if m.name in keep], model.species, model.hypotheses)
