"""Generate the right-hand side, observation and initial-value functions from symbols.

One source text is generated per model and executed with `xp` bound to either
`jax.numpy` (diffrax backend) or `numpy` (SciPy reference backend), so both backends
run literally the same equations. The generator takes the assembled model's pieces as
arguments (it does not import `engine.model`, whose `AssembledModel.source` calls it).
Signatures (all values in canonical units):

    rhs(t, y, p, u, rows=None) -> dy/dt   y: (n_states,), p: (n_params,), u: (n_dose_channels,);
                                      rows (a tuple of state indices): only those derivatives
    observe(t, y, p) -> (..., n_obs)  y: (..., n_states), t broadcastable to y[..., 0]
    init(p) -> y0
    constants(p) -> c                 the assignments that read only parameters, (n_constants,)
    rhs_c(t, y, p, u, c, rows=None)   rhs with those read from c instead of computed

Why `constants` and `rhs_c`: about half of a ketamine model's assignments (receptor
equilibria, Mg²⁺ unblock, allometric scales) depend on the parameters alone, and an
integrator evaluates the right-hand side thousands of times per patient with the same
parameters. XLA does not hoist them out of a solver's loop; `compile_hoisted` gives the
pair, and a solver computes c once per patient (same operations, the same values).

Why `rows`: a solver that integrates some states only (`engine.solver_split`, the slow rest)
asks for their derivatives alone, so the others and the assignments only they read are
never computed (XLA does not drop them through a stack and a gather: selecting the rest's
rows of all derivatives took 2.55 s per 256 esketamine trial patients, 2.22 s with the rows
alone; 2 cores, same run).
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
    chan = {s: j for j, s in enumerate(dose_channels)}

    def names_in(exprs) -> set[str]:
        """The names of the symbols that `exprs` read."""
        return {str(x) for e in exprs for x in sp.sympify(e).free_symbols}

    def pset(used: set[str]) -> list[str]:
        """The reads of the parameters named in `used` only (a traced read is two operations, and
        a whole-model right-hand side uses a fraction of the model's several hundred parameters)."""
        return [f"    {s} = _p[{i}]" for i, s in enumerate(param_symbols) if str(s) in used]

    printed = [(str(a.symbol), print_expr(a.expr)) for a in assignments]   # printed once, used four times
    outs = []
    for s, d in zip(states, derivatives):
        term = print_expr(d)
        if s.symbol in chan:
            term = f"({term}) + _u[{chan[s.symbol]}]"
        outs.append(f"({term}) + _z")

    def derivative_function(header: str, hoisted: tuple[str, ...]) -> list[str]:
        """The text of an rhs-shaped function; the assignments in `hoisted` are read from _c."""
        used = names_in([a.expr for a in assignments if str(a.symbol) not in hoisted] + list(derivatives))
        body = [header, "    t = _t"] + [f"    {s.symbol} = _y[{i}]" for i, s in enumerate(states)]
        body += pset(used)
        body += [f"    {h} = _c[{i}]" for i, h in enumerate(hoisted) if h in used]
        body += [f"    {sym} = {text}" for sym, text in printed if sym not in hoisted]
        return body + ["    _z = 0.0 * _y[0]", f"    _d = ({''.join(o + ', ' for o in outs)})",
                       "    return numpy.stack(_d if _rows is None else [_d[_i] for _i in _rows])", ""]

    lines += derivative_function("def rhs(_t, _y, _p, _u, _rows=None):", ())

    # constants, rhs_c: the parameter-only assignments computed once (see the module docstring)
    hoisted = parameter_only(param_symbols, assignments)
    lines.append("def constants(_p):")
    lines += pset(names_in([a.expr for a in assignments if str(a.symbol) in hoisted]))
    lines += [f"    {sym} = {text}" for sym, text in printed if sym in hoisted]
    zero = "0.0 * _p[0]" if param_symbols else "0.0"
    lines.append(f"    return numpy.stack([{', '.join(f'{h} + {zero}' for h in hoisted)}])" if hoisted
                 else "    return numpy.zeros(0)")
    lines.append("")
    lines += derivative_function("def rhs_c(_t, _y, _p, _u, _c, _rows=None):", hoisted)

    # observe
    lines.append("def observe(_t, _y, _p):")
    lines.append("    t = _t")
    lines += [f"    {s.symbol} = _y[..., {i}]" for i, s in enumerate(states)]
    lines += pset(names_in([a.expr for a in assignments]))
    lines += [f"    {sym} = {text}" for sym, text in printed]
    lines.append("    _z = 0.0 * _y[..., 0] + 0.0 * _t")
    obs = ", ".join(f"{name} + _z" for name in observable_names)
    lines.append(f"    return numpy.stack([{obs}], axis=-1)")
    lines.append("")

    # init
    lines.append("def init(_p):")
    lines += pset(names_in([s.initial for s in states]))
    inits = ", ".join(f"{print_expr(s.initial)} + 0.0 * _p[0]" if param_symbols else print_expr(s.initial)
                      for s in states)
    lines.append(f"    return numpy.stack([{inits}])")
    return "\n".join(lines) + "\n"


def parameter_only(param_symbols: Sequence[str], assignments: Sequence) -> tuple[str, ...]:
    """Symbols of the assignments (in their order) that read only parameters and other such
    assignments: no state, no time, no dose input."""
    known = {str(s) for s in param_symbols}
    out = []
    for a in assignments:
        if {str(x) for x in a.expr.free_symbols} <= known:
            known.add(str(a.symbol))
            out.append(str(a.symbol))
    return tuple(out)


def compile_source(source: str, backend: str):
    """(rhs, observe, init) from generated source, with `numpy` bound to jax.numpy or numpy."""
    ns = namespace(source, backend)
    return ns["rhs"], ns["observe"], ns["init"]


def compile_hoisted(source: str, backend: str):
    """(constants, rhs_c) from generated source: the right-hand side with its parameter-only
    assignments computed once per parameter vector (see the module docstring)."""
    ns = namespace(source, backend)
    return ns["constants"], ns["rhs_c"]


@lru_cache(maxsize=64)
def namespace(source: str, backend: str) -> dict:
    """The generated functions, with `numpy` bound to jax.numpy or numpy.

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
    return namespace
