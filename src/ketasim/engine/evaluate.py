"""Evaluate a module's assignments directly (no ODE): for algebraic modules and assays.

Used where the slow model's own equations answer an equilibrium question (binding
curves, steady-state block against concentration), so an assay and the model share one
declaration. Inputs are given in the units the module declares; results are in the
canonical units of the slow model (dimensionless quantities are plain fractions).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import sympy as sp

from ..errors import InputError
from ..units import to_canonical
from .module import Module


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
    for eq in module.assignments:
        symbols = sorted(eq.expr.free_symbols, key=lambda s: s.name)
        fn = sp.lambdify(symbols, eq.expr, "numpy")
        env[eq.name] = np.asarray(fn(*[env[s.name] for s in symbols]), dtype=float)
    return env
