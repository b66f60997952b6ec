"""Mechanism modules, declared once as equation text in the style of Brian2.

A module's equations are lines of two forms::

    dA_central/dt = infusion - k10*A_central + k21*A_peripheral : mg
    plasma_s_ketamine = A_central / V1 : ng/mL

The first declares a state (unit after the colon is the state's unit); the second a
named expression (an *assignment*) with its unit. Assignments listed in `outputs` become
global signals that other modules may read as `inputs` and that appear as observables.
Everything else (states, parameters, other assignments) is local to the module. From this
one declaration the engine derives the unit check, the JAX and NumPy right-hand sides,
the SBML export and the rendered equations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

import sympy as sp

from ..parameters import Parameter

_DERIV = re.compile(r"^d\s*([A-Za-z_]\w*)\s*/\s*dt\s*=\s*(.+?)\s*:\s*(.+)$")
_ASSIGN = re.compile(r"^([A-Za-z_]\w*)\s*=\s*(.+?)\s*:\s*(.+)$")

# Functions allowed in equation text; anything else is an error.
ALLOWED_FUNCTIONS: dict[str, object] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "Max": sp.Max,
    "Min": sp.Min,
    "Abs": sp.Abs,
    "tanh": sp.tanh,
}


_ALLOWED_FUNCS = (sp.exp, sp.log, sp.Max, sp.Min, sp.Abs, sp.tanh)  # sqrt parses to a power


class DeclarationError(ValueError):
    """A module's declaration is malformed."""


@dataclass(frozen=True)
class Equation:
    """One parsed line: a state derivative (is_state) or a named assignment."""

    name: str
    expr: sp.Expr
    unit: str
    is_state: bool
    text: str


@dataclass(frozen=True)
class Module:
    """A mechanism module: equations, parameters, signals in and out.

    inputs: global signal name -> unit the module expects.
    outputs: names of assignments published as global signals / observables.
    initial: state -> initial value in the state's unit, or an expression string in
      terms of the module's parameters (evaluated in canonical units). Default 0.
    dose_targets: states that the dosing compiler may put drug into (bolus jumps or
      zero-order infusion inputs); the unit of those states must be a mass.
    descriptions: optional long names for outputs (used as `long_name`).
    """

    name: str
    equations: str
    parameters: tuple[Parameter, ...] = ()
    inputs: Mapping[str, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    initial: Mapping[str, float | str] = field(default_factory=dict)
    dose_targets: tuple[str, ...] = ()
    descriptions: Mapping[str, str] = field(default_factory=dict)
    doc: str = ""

    @cached_property
    def parsed(self) -> tuple[Equation, ...]:
        return parse_equations(self.name, self.equations)

    @property
    def states(self) -> tuple[Equation, ...]:
        return tuple(e for e in self.parsed if e.is_state)

    @property
    def assignments(self) -> tuple[Equation, ...]:
        return tuple(e for e in self.parsed if not e.is_state)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.name for p in self.parameters))

    def validate(self) -> None:
        """Check that every symbol used is declared and outputs/targets exist."""
        eqs = self.parsed
        defined = {e.name for e in eqs}
        known = defined | set(self.parameter_names) | set(self.inputs) | {"t"}
        for e in eqs:
            for s in e.expr.free_symbols:
                if s.name not in known:
                    raise DeclarationError(
                        f"module {self.name}: symbol {s.name!r} in the equation for {e.name} "
                        "is not a state, parameter, input or assignment"
                    )
        assigned = {e.name for e in self.assignments}
        for o in self.outputs:
            if o not in assigned:
                raise DeclarationError(f"module {self.name}: output {o!r} is not an assignment")
        states = {e.name for e in self.states}
        for t in self.dose_targets:
            if t not in states:
                raise DeclarationError(f"module {self.name}: dose target {t!r} is not a state")
        for s in self.initial:
            if s not in states:
                raise DeclarationError(f"module {self.name}: initial value for unknown state {s!r}")
        clash = set(self.parameter_names) & (defined | set(self.inputs))
        if clash:
            raise DeclarationError(f"module {self.name}: names used twice: {sorted(clash)}")


def parse_equations(module: str, text: str) -> tuple[Equation, ...]:
    """Parse equation text into `Equation`s; errors name the module and line."""
    out: list[Equation] = []
    seen: set[str] = set()
    for raw in text.strip().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _DERIV.match(line)
        is_state = m is not None
        if m is None:
            m = _ASSIGN.match(line)
        if m is None:
            raise DeclarationError(f"module {module}: cannot parse equation line {line!r}")
        name, rhs, unit_text = m.group(1), m.group(2), m.group(3).strip()
        if name in seen:
            raise DeclarationError(f"module {module}: {name!r} defined twice")
        seen.add(name)
        try:
            expr = sp.sympify(rhs, locals=dict(ALLOWED_FUNCTIONS), rational=False)
        except (sp.SympifyError, SyntaxError, TypeError) as exc:
            raise DeclarationError(f"module {module}: cannot parse expression for {name}: {rhs!r}") from exc
        for f in expr.atoms(sp.Function):
            if f.func not in _ALLOWED_FUNCS:
                raise DeclarationError(f"module {module}: function {f.func} not allowed in {name}")
        out.append(Equation(name=name, expr=expr, unit=unit_text, is_state=is_state, text=line))
    return tuple(out)
