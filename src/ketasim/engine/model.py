"""The assembled model: one flat state vector, one RHS, every output an observable."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

import numpy as np
import sympy as sp

from ..parameters import ParameterSet
from ..units import to_canonical_factor
from .codegen import compile_source, generate_source
from .module import Module


def flat_symbol(module: str, name: str) -> str:
    """The flat symbol id 'module__name' of a module's parameter, state or assignment."""
    return f"{module}__{name}"


def qualified_name(symbol: str) -> str:
    """The qualified name 'module.name' of a flat symbol id 'module__name' (`flat_symbol`'s inverse)."""
    module, _, name = symbol.partition("__")
    return f"{module}.{name}"


@dataclass(frozen=True)
class StateInfo:
    symbol: str      # flat symbol id, e.g. "ketamine_s__A_central"
    module: str
    name: str
    unit: str
    initial: sp.Expr  # canonical units, in terms of parameter symbols


@dataclass(frozen=True)
class Assignment:
    symbol: str
    module: str
    name: str
    expr: sp.Expr    # in flat symbol ids
    unit: str
    is_output: bool


@dataclass(frozen=True)
class Observable:
    name: str
    unit: str
    long_name: str
    source: str

    @property
    def factor(self) -> float:
        """Divide a canonical magnitude by this to express it in `unit`."""
        return to_canonical_factor(self.unit)


@dataclass(frozen=True)
class AssembledModel:
    """A flat, immutable model. Generated functions are cached per instance."""

    modules: tuple[Module, ...]
    species: str
    hypotheses: Mapping[str, str]
    parameters: ParameterSet               # qualified 'module.param' -> record
    param_symbols: tuple[str, ...]         # flat ids in the order of the p vector
    states: tuple[StateInfo, ...]
    assignments: tuple[Assignment, ...]    # topological order
    derivatives: tuple[sp.Expr, ...]       # one per state, flat ids, no dose input
    dose_channels: tuple[str, ...]         # flat state ids that accept infusions
    observables: tuple[Observable, ...] = field(default=())

    # ----- vectors -------------------------------------------------------------
    @property
    def state_index(self) -> dict[str, int]:
        return {s.symbol: i for i, s in enumerate(self.states)}

    @property
    def qualified_state_index(self) -> dict[str, int]:
        return {f"{s.module}.{s.name}": i for i, s in enumerate(self.states)}

    @cached_property
    def param_names(self) -> tuple[str, ...]:
        """Qualified parameter names ('module.param') in the order of the p vector."""
        return tuple(qualified_name(sym) for sym in self.param_symbols)

    @cached_property
    def param_index(self) -> Mapping[str, int]:
        """Column of each parameter in the p vector, by qualified name ('module.param').

        Read-only by contract (a plain dict, so that a model with its caches still pickles)."""
        return {name: j for j, name in enumerate(self.param_names)}

    @property
    def param_vector(self) -> np.ndarray:
        return self.param_vector_of(self.parameters)

    def param_vector_of(self, params: ParameterSet) -> np.ndarray:
        return np.array([params[name].canonical for name in self.param_names])

    @property
    def observable_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.observables)

    def with_parameters(self, params: ParameterSet) -> "AssembledModel":
        """The same model with another parameter set (pharmpy-style, immutable)."""
        from dataclasses import replace

        return replace(self, parameters=params)

    # ----- generated code -------------------------------------------------------
    @cached_property
    def source(self) -> str:
        """The generated source of rhs, observe and init (see `engine.codegen`)."""
        return generate_source(self.param_symbols, self.states, self.assignments, self.derivatives,
                               self.dose_channels, self.observable_names)

    def functions(self, backend: str):
        """(rhs, observe, init) compiled for 'jax' or 'numpy'."""
        return compile_source(self.source, backend)
