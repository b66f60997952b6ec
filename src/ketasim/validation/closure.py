"""The parameters an assembled model's signals depend on, given which dose targets are dosed.

Read from the model's expressions (sympy, flat symbol ids), never compiled or simulated:

1. **What stays zero.** A state starts at zero when its initial value is 0; it stays
   zero when no dose reaches it and its derivative is 0 once every state that stays zero
   is set to 0 (a fixed point: an oral depot `dA_gut/dt = -ka_oral * A_gut` stays empty
   in an IV-only run). An assignment that is 0 once those states are 0 is zero too
   (`first_pass = (1 - F_oral) * ka_oral * A_gut`).
2. **The reduced model.** Every derivative and assignment with the zero states and
   assignments set to 0 (sympy simplifies `F_oral * ka_oral * 0` away).
3. **The closure.** From the root signals through the reduced expressions: an assignment
   reads the symbols of its expression, a state those of its derivative and initial
   value; the parameter symbols reached are the ones the roots depend on.

Conservative where sympy cannot tell: `0**h` is taken as 0 only when the exponent is a
positive number or a parameter whose value is positive (a Hill coefficient); an
expression that becomes infinite or undefined with zeros set keeps all its symbols.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import sympy as sp

from ..engine.model import AssembledModel, qualified_name


@dataclass(frozen=True)
class Reduced:
    """An assembled model with its zero states set to zero.

    zero: flat ids of the states and assignments that stay 0; deps: flat id of each state
    and assignment -> the flat ids its reduced expression (and, for a state, its initial
    value) reads; module: flat id -> the module of that state, assignment or parameter.
    """

    zero: frozenset[str]
    deps: Mapping[str, frozenset[str]]
    module: Mapping[str, str]
    parameters: frozenset[str]  # flat ids of the model's parameters


def _zero_powers(expr: sp.Expr, positive: frozenset[str]) -> sp.Expr:
    """`expr` with 0**x set to 0 where x is a positive number or a positive-valued parameter."""
    def hit(e) -> bool:
        if not (e.is_Pow and e.base.is_zero):
            return False
        x = e.exp
        return bool(x.is_positive) or (x.is_Symbol and x.name in positive)

    return expr.replace(hit, lambda e: sp.S.Zero) if expr.has(sp.Pow) else expr


def _is_zero(expr: sp.Expr) -> bool:
    """Whether `expr` is the number 0 (an Integer or a Float: sympy's Float(0.0) != 0)."""
    return bool(expr.is_Number and expr.is_zero)


def _reduce(expr: sp.Expr, subs: Mapping[sp.Symbol, sp.Expr], positive: frozenset[str]) -> sp.Expr:
    """`expr` with the zero symbols set to 0, or `expr` unchanged where that is undefined."""
    if not subs or not (expr.free_symbols & subs.keys()):
        return expr
    out = _zero_powers(expr.xreplace(subs), positive)
    if out.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return expr
    return out


def reduce_model(model: AssembledModel, dosed: Iterable[str]) -> Reduced:
    """The model with the states that stay zero set to zero. dosed: flat ids of the
    dose-target states some dose of the regimen reaches (bolus or infusion)."""
    dosed = frozenset(dosed)
    positive = frozenset(sym for sym, name in zip(model.param_symbols, model.param_names)
                         if model.parameters[name].value > 0)
    zero_states = {s.symbol for s in model.states if s.symbol not in dosed and _is_zero(s.initial)}
    derivative = {s.symbol: d for s, d in zip(model.states, model.derivatives)}
    while True:
        subs: dict[sp.Symbol, sp.Expr] = {sp.Symbol(x): sp.S.Zero for x in zero_states}
        reduced_assign: dict[str, sp.Expr] = {}
        for a in model.assignments:  # topological order: a zero assignment feeds later ones
            e = _reduce(a.expr, subs, positive)
            reduced_assign[a.symbol] = e
            if _is_zero(e):
                subs[sp.Symbol(a.symbol)] = sp.S.Zero
        live = {x for x in zero_states if not _is_zero(_reduce(derivative[x], subs, positive))}
        if not live:
            break
        zero_states -= live
    zero = frozenset(str(s) for s in subs)
    deps: dict[str, frozenset[str]] = {}
    for a in model.assignments:
        deps[a.symbol] = frozenset(s.name for s in reduced_assign[a.symbol].free_symbols)
    for s in model.states:
        reads = _reduce(derivative[s.symbol], subs, positive).free_symbols | s.initial.free_symbols
        deps[s.symbol] = frozenset(x.name for x in reads)
    module = {a.symbol: a.module for a in model.assignments}
    module.update({s.symbol: s.module for s in model.states})
    module.update({sym: qualified_name(sym).split(".", 1)[0] for sym in model.param_symbols})
    return Reduced(zero, deps, module, frozenset(model.param_symbols))


@dataclass(frozen=True)
class Closure:
    """What some root signals depend on: parameters (qualified 'module.name') and the
    modules whose states, assignments or parameters were reached."""

    parameters: frozenset[str]
    modules: frozenset[str]


def closure(reduced: Reduced, roots: Iterable[str]) -> Closure:
    """The parameters and modules the root signals (flat ids: observables, states,
    assignments) depend on through the reduced model. A zero root depends on nothing."""
    seen: set[str] = set()
    todo = [r for r in roots if r not in reduced.zero]
    params: set[str] = set()
    while todo:
        x = todo.pop()
        if x in seen:
            continue
        seen.add(x)
        if x in reduced.parameters:
            params.add(x)
            continue
        todo.extend(d for d in reduced.deps.get(x, ()) if d not in seen and d not in reduced.zero)
    return Closure(frozenset(qualified_name(p) for p in params),
                   frozenset(reduced.module[x] for x in seen if x in reduced.module))
