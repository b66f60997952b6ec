"""Generate the right-hand side, observation and initial-value functions from symbols.

One source text is generated per model and executed with `xp` bound to either
`jax.numpy` (diffrax backend) or `numpy` (SciPy reference backend), so both backends
run literally the same equations. The generator takes the assembled model's pieces as
arguments (it does not import `engine.model`, whose `AssembledModel.source` calls it).
Signatures (all values in canonical units):

    rhs(t, y, p, u) -> dy/dt          y: (n_states,), p: (n_params,), u: (n_dose_channels,)
    observe(t, y, p) -> (..., n_obs)  y: (..., n_states), t broadcastable to y[..., 0]
    init(p) -> y0
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Sequence

import sympy as sp
from sympy.printing.numpy import NumPyPrinter


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


def print_expr(expr: sp.Expr) -> str:
    """Python source of a SymPy expression, with `numpy.` functions (bound to jax.numpy or numpy)."""
    return _Printer({"fully_qualified_modules": True}).doprint(expr)


def generate_source(param_symbols: Sequence[str], states: Sequence, assignments: Sequence,
                    derivatives: Sequence[sp.Expr], dose_channels: Sequence[str],
                    observable_names: Sequence[str]) -> str:
    """The source text of rhs, observe and init of a flat model.

    param_symbols: flat ids in the order of the p vector; states: records with `.symbol`
    and `.initial` (a SymPy expression in parameter symbols); assignments: records with
    `.symbol` and `.expr`, in topological order; derivatives: one per state, without dose
    input; dose_channels: flat state ids that take the infusion vector u; observable_names:
    the symbols (states or assignments) returned by observe, in order.
    """
    lines: list[str] = []
    pset = "\n".join(f"    {s} = _p[{i}]" for i, s in enumerate(param_symbols))
    chan = {s: j for j, s in enumerate(dose_channels)}

    # rhs
    lines.append("def rhs(_t, _y, _p, _u):")
    lines.append("    t = _t")
    lines += [f"    {s.symbol} = _y[{i}]" for i, s in enumerate(states)]
    if pset:
        lines.append(pset)
    lines += [f"    {a.symbol} = {print_expr(a.expr)}" for a in assignments]
    outs = []
    for s, d in zip(states, derivatives):
        term = print_expr(d)
        if s.symbol in chan:
            term = f"({term}) + _u[{chan[s.symbol]}]"
        outs.append(f"({term}) + _z")
    lines.append("    _z = 0.0 * _y[0]")
    lines.append(f"    return numpy.stack([{', '.join(outs)}])")
    lines.append("")

    # observe
    lines.append("def observe(_t, _y, _p):")
    lines.append("    t = _t")
    lines += [f"    {s.symbol} = _y[..., {i}]" for i, s in enumerate(states)]
    if pset:
        lines.append(pset)
    lines += [f"    {a.symbol} = {print_expr(a.expr)}" for a in assignments]
    lines.append("    _z = 0.0 * _y[..., 0] + 0.0 * _t")
    obs = ", ".join(f"{name} + _z" for name in observable_names)
    lines.append(f"    return numpy.stack([{obs}], axis=-1)")
    lines.append("")

    # init
    lines.append("def init(_p):")
    if pset:
        lines.append(pset)
    inits = ", ".join(f"{print_expr(s.initial)} + 0.0 * _p[0]" if param_symbols else print_expr(s.initial)
                      for s in states)
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
