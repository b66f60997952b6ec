"""A diffrax solve's options as a record (no JAX or diffrax import here, so that code which
only names a solve, e.g. to find its exported program, stays light)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SolverOptions:
    """Solver (a diffrax method name), tolerances (relative and absolute, canonical units)
    and step budget per dosing segment."""

    method: str = "tsit5"
    rtol: float = 1e-8
    atol: float = 1e-10
    max_steps: int = 100_000
