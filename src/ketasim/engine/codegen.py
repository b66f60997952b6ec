"""Generate the right-hand side, observation and initial-value functions from symbols.

One source text is generated per model and executed with `xp` bound to either
`jax.numpy` (diffrax backend) or `numpy` (SciPy reference backend), so both backends
run literally the same equations. Signatures (all values in canonical units):

    rhs(t, y, p, u) -> dy/dt          y: (n_states,), p: (n_params,), u: (n_dose_channels,)
    observe(t, y, p) -> (..., n_obs)  y: (..., n_states), t broadcastable to y[..., 0]
    init(p) -> y0
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

if TYPE_CHECKING:
    from .model import AssembledModel


class _Printer(NumPyPrinter):
    """NumPy printer that writes Max/Min as nested maximum/minimum (JAX-friendly)."""

    def _print_Max(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.maximum({out}, {a})"
        return out

    def _print_Min(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.minimum({out}, {a})"
        return out


def _pr(expr: sp.Expr) -> str:
    return _Printer({"fully_qualified_modules": True}).doprint(expr)


def generate_source(model: "AssembledModel") -> str:
    lines: list[str] = []
    pset = "\n".join(f"    {s} = _p[{i}]" for i, s in enumerate(model.param_symbols))
    chan = {s: j for j, s in enumerate(model.dose_channels)}

    # rhs
    lines.append("def rhs(_t, _y, _p, _u):")
    lines.append("    t = _t")
    lines += [f"    {s.symbol} = _y[{i}]" for i, s in enumerate(model.states)]
    if pset:
        lines.append(pset)
    lines += [f"    {a.symbol} = {_pr(a.expr)}" for a in model.assignments]
    outs = []
    for s, d in zip(model.states, model.derivatives):
        term = _pr(d)
        if s.symbol in chan:
            term = f"({term}) + _u[{chan[s.symbol]}]"
        outs.append(f"({term}) + _z")
    lines.append("    _z = 0.0 * _y[0]")
    lines.append(f"    return numpy.stack([{', '.join(outs)}])")
    lines.append("")

    # observe
    lines.append("def observe(_t, _y, _p):")
    lines.append("    t = _t")
    lines += [f"    {s.symbol} = _y[..., {i}]" for i, s in enumerate(model.states)]
    if pset:
        lines.append(pset)
    lines += [f"    {a.symbol} = {_pr(a.expr)}" for a in model.assignments]
    lines.append("    _z = 0.0 * _y[..., 0] + 0.0 * _t")
    obs = ", ".join(f"{o.name} + _z" for o in model.observables)
    lines.append(f"    return numpy.stack([{obs}], axis=-1)")
    lines.append("")

    # init
    lines.append("def init(_p):")
    if pset:
        lines.append(pset)
    inits = ", ".join(f"{_pr(s.initial)} + 0.0 * _p[0]" if model.param_symbols else _pr(s.initial)
                      for s in model.states)
    lines.append(f"    return numpy.stack([{inits}])")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=64)
def compile_source(source: str, backend: str):
    """(rhs, observe, init) from generated source, with `numpy` bound to jax.numpy or numpy.

    Cached by source text: a model's equations are executed once per backend and process.
    """
    if backend == "jax":
        xp = importlib.import_module("jax.numpy")
    elif backend == "numpy":
        xp = importlib.import_module("numpy")
    else:
        raise ValueError(f"unknown backend {backend!r} (jax or numpy)")
    namespace: dict[str, object] = {"numpy": xp}
    exec(compile(source, f"<ketasim generated {backend}>", "exec"), namespace)
    return namespace["rhs"], namespace["observe"], namespace["init"]


def compile_functions(model: "AssembledModel", backend: str):
    """(rhs, observe, init) of an assembled model for 'jax' or 'numpy'."""
    return compile_source(model.source, backend)
