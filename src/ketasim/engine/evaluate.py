"""Evaluate a module's assignments directly (no ODE): for algebraic modules and assays.

Used where the slow model's own equations answer an equilibrium question (binding
curves, steady-state block against concentration), so an assay and the model share one
declaration. Inputs are given in the units the module declares; results are in the
canonical units of the slow model (dimensionless quantities are plain fractions).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np
import sympy as sp

from ..errors import InputError
from ..units import to_canonical
from .module import Module, parse_equations


def evaluate_module(module: Module, inputs: Mapping[str, float | np.ndarray],
                    overrides: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Values of every input, parameter and assignment of `module` (canonical units).

    inputs: signal name -> value(s) in the module's declared input unit (missing = 0).
    overrides: parameter name -> value in the parameter's declared unit.
    """
    declared = {x.name: x for x in module.parameters}
    for k in dict(overrides or {}):
        if k not in declared:
            raise InputError(f"parameters.{k}: not a parameter of module {module.name}")
    env: dict[str, object] = {}
    for name, unit in module.inputs.items():
        env[name] = np.asarray(inputs.get(name, 0.0), dtype=float) * to_canonical(1.0, unit)
    for name, x in declared.items():
        env[name] = to_canonical(dict(overrides or {}).get(name, x.value), x.unit)
    for name, args, fn in _compiled(module.name, module.equations):
        env[name] = np.asarray(fn(*[env[a] for a in args]), dtype=float)
    return env


@lru_cache(maxsize=32)
def _compiled(name: str, equations: str) -> tuple:
    """(name, argument names, NumPy function) per assignment, compiled once per declaration."""
    out = []
    for eq in parse_equations(name, equations):
        if not eq.is_state:
            symbols = sorted(eq.expr.free_symbols, key=lambda s: s.name)
            out.append((eq.name, tuple(s.name for s in symbols), sp.lambdify(symbols, eq.expr, "numpy")))
    return tuple(out)
