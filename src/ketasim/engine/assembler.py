"""Wire modules by signal name into one flat model, refusing bad wiring clearly.

Checks: every module input has exactly one provider; no output is provided twice;
provider and consumer agree on dimension; every equation is dimensionally consistent;
no algebraic loop among assignments.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import sympy as sp

from ..errors import InputError
from ..parameters import Parameter, ParameterSet
from ..units import to_canonical_factor, unit, ureg
from .dimensions import DimensionError, dimension_of
from .model import AssembledModel, Assignment, Observable, StateInfo, flat_symbol
from .module import DeclarationError, Module


class AssemblyError(InputError):
    """The modules cannot be wired into one model."""


def select_parameters(module: Module, species: str) -> dict[str, Parameter]:
    """Per parameter name, the species-specific record if present, else the 'all' one."""
    chosen: dict[str, Parameter] = {}
    for prm in module.parameters:
        if not prm.applies_to(species):
            continue
        if prm.name in chosen and chosen[prm.name].species != "all" and prm.species == "all":
            continue
        if prm.name in chosen and chosen[prm.name].species == prm.species:
            raise AssemblyError(f"module {module.name}: parameter {prm.name} declared twice for {species}")
        chosen[prm.name] = prm
    missing = set(module.parameter_names) - set(chosen)
    if missing:
        raise AssemblyError(f"module {module.name}: no value of {sorted(missing)} for species {species}")
    return chosen


def assemble(
    modules: Iterable[Module],
    species: str = "human",
    hypotheses: Mapping[str, str] | None = None,
) -> AssembledModel:
    """Assemble modules into an `AssembledModel` (see module docstring for checks)."""
    modules = tuple(modules)
    names = [m.name for m in modules]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise AssemblyError(f"module(s) included twice: {sorted(dup)}")
    for m in modules:
        try:
            m.validate()
        except DeclarationError as exc:
            raise AssemblyError(str(exc)) from None

    # 1. global signal providers
    providers: dict[str, tuple[str, str]] = {}  # signal -> (module, unit)
    for m in modules:
        units_of = {e.name: e.unit for e in m.assignments}
        for o in m.outputs:
            if o in providers:
                raise AssemblyError(f"signal {o!r} is provided by both {providers[o][0]} and {m.name}")
            providers[o] = (m.name, units_of[o])

    # 2. inputs: exactly one provider, same dimension
    for m in modules:
        for sig, u in m.inputs.items():
            if sig not in providers:
                raise AssemblyError(f"module {m.name} needs input {sig!r} but no module provides it")
            pm, pu = providers[sig]
            if unit(pu).dimensionality != unit(u).dimensionality:
                raise AssemblyError(
                    f"signal {sig!r}: {pm} provides {pu} but {m.name} expects {u} (different dimensions)"
                )

    # 3. flat symbols
    params: dict[str, Parameter] = {}
    param_syms: list[str] = []
    sym_units: dict[str, object] = {"t": ureg.minute}
    states: list[StateInfo] = []
    derivs: list[sp.Expr] = []
    assigns: list[Assignment] = []
    dose_channels: list[str] = []
    observables: list[Observable] = []
    for m in modules:
        chosen = select_parameters(m, species)
        mapping: dict[sp.Symbol, sp.Symbol] = {}
        for pname, prm in chosen.items():
            fid = flat_symbol(m.name, pname)
            params[f"{m.name}.{pname}"] = prm
            param_syms.append(fid)
            sym_units[fid] = unit(prm.unit)
            mapping[sp.Symbol(pname)] = sp.Symbol(fid)
        for e in m.parsed:
            fid = e.name if e.name in m.outputs else flat_symbol(m.name, e.name)
            mapping[sp.Symbol(e.name)] = sp.Symbol(fid)
            sym_units[fid] = unit(e.unit)
        for sig in m.inputs:
            mapping[sp.Symbol(sig)] = sp.Symbol(sig)
        for e in m.parsed:
            flat_expr = e.expr.xreplace(mapping)
            where = f"module {m.name}, equation for {e.name}"
            if e.is_state:
                fid = flat_symbol(m.name, e.name)
                init = m.initial.get(e.name, 0.0)
                if isinstance(init, str):
                    init_expr = sp.sympify(init).xreplace(mapping)
                else:
                    init_expr = sp.Float(float(init) * to_canonical_factor(e.unit))
                states.append(StateInfo(fid, m.name, e.name, e.unit, init_expr))
                derivs.append(flat_expr)
                if e.name in m.dose_targets:
                    if unit(e.unit).dimensionality != ureg.mg.dimensionality:
                        raise AssemblyError(f"{where}: dose target must be an amount in mass units, not {e.unit}")
                    dose_channels.append(fid)
            else:
                fid = e.name if e.name in m.outputs else flat_symbol(m.name, e.name)
                assigns.append(Assignment(fid, m.name, e.name, flat_expr, e.unit, e.name in m.outputs))
                if e.name in m.outputs:
                    keys = sorted({p.source for p in chosen.values()})
                    observables.append(
                        Observable(e.name, e.unit, m.descriptions.get(e.name, e.name.replace("_", " ")),
                                   f"{m.name} ({', '.join(keys)})" if keys else m.name)
                    )

    # 4. dimensional analysis
    for s, d in zip(states, derivs):
        where = f"module {s.module}, equation for d{s.name}/dt"
        try:
            got = dimension_of(d, sym_units, where)
        except DimensionError as exc:
            raise AssemblyError(str(exc)) from None
        want = (unit(s.unit) / ureg.minute).dimensionality
        if got != want:
            raise AssemblyError(f"{where}: right-hand side has dimension {got}, expected {want} ({s.unit}/time)")
    for a in assigns:
        where = f"module {a.module}, equation for {a.name}"
        try:
            got = dimension_of(a.expr, sym_units, where)
        except DimensionError as exc:
            raise AssemblyError(str(exc)) from None
        if got != unit(a.unit).dimensionality:
            raise AssemblyError(f"{where}: expression has dimension {got}, declared {a.unit}")

    # 5. topological order of assignments (algebraic loops are errors)
    ordered = _toposort(assigns)

    return AssembledModel(
        modules=modules,
        species=species,
        hypotheses=dict(hypotheses or {}),
        parameters=ParameterSet(params),
        param_symbols=tuple(param_syms),
        states=tuple(states),
        assignments=tuple(ordered),
        derivatives=tuple(derivs),
        dose_channels=tuple(dose_channels),
        observables=tuple(observables),
    )


def _toposort(assigns: list[Assignment]) -> list[Assignment]:
    by_sym = {a.symbol: a for a in assigns}
    deps = {a.symbol: {s.name for s in a.expr.free_symbols if s.name in by_sym} for a in assigns}
    order: list[Assignment] = []
    state: dict[str, int] = {}

    def visit(sym: str, path: list[str]) -> None:
        if state.get(sym) == 2:
            return
        if state.get(sym) == 1:
            loop = " -> ".join(path[path.index(sym):] + [sym])
            raise AssemblyError(f"algebraic loop among signals: {loop}")
        state[sym] = 1
        for d in sorted(deps[sym]):
            visit(d, path + [sym])
        state[sym] = 2
        order.append(by_sym[sym])

    for a in assigns:
        visit(a.symbol, [])
    return order
