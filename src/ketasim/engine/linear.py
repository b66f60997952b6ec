"""Exact solution of models that are linear within dosing segments.

Linear compartmental PK (dy/dt = A(p) y + b(p) + B u, u constant per segment) has the
exact solution y(t0 + h) = e^{Ah} y(t0) + ∫0^h e^{As} ds (b + B u); both terms come from
one matrix exponential of the augmented matrix [[A, c], [0, 0]] h. This is the approach
of the analytical ADVAN routines of NONMEM; here it is derived automatically from the
symbolic declarations: the assembled derivatives are checked to be affine in the states
(and free of t), A and b are generated as code, and solving a patient is a scan of
matrix-vector products over the output grid with one `expm` per distinct (segment, step).
Models that are not linear use diffrax.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numpy as np
import sympy as sp

from .codegen import print_expr
from .derived_cache import cached_json

if TYPE_CHECKING:
    from .dosing import Schedule
    from .model import AssembledModel


_CONST, _AFFINE, NONLINEAR = 0, 1, 2   # the classes of `kind_of`


def kind_of(expr: sp.Expr, kinds: dict[sp.Symbol, int]) -> int:
    """Conservative class of `expr` in the states: 0 free of states and t, 1 affine, 2 maybe not.

    `kinds` gives the class of every symbol that is a state (1), t (2) or an assignment;
    other symbols are constants. A product of two state-dependent factors, a state-dependent
    power, divisor or function argument counts as nonlinear without expanding anything.
    """
    if expr.is_Symbol:
        return kinds.get(expr, _CONST)
    if expr.is_Number or not expr.free_symbols & kinds.keys():
        return _CONST
    parts = [kind_of(a, kinds) for a in expr.args]
    if expr.is_Add:
        return max(parts)
    if expr.is_Mul:
        dependent = [k for k in parts if k != _CONST]
        return NONLINEAR if len(dependent) > 1 or max(parts) == NONLINEAR else max(parts)
    if expr.is_Pow:
        base, exp = parts
        if exp != _CONST:
            return NONLINEAR
        return base if base == _CONST or expr.exp == 1 else NONLINEAR
    return NONLINEAR  # a function of state-dependent arguments


def state_kinds(model: "AssembledModel") -> dict[sp.Symbol, int]:
    """The `kind_of` class of every state (affine), of t (nonlinear) and of every assignment."""
    kinds: dict[sp.Symbol, int] = {sp.Symbol(s.symbol): _AFFINE for s in model.states}
    kinds[sp.Symbol("t")] = NONLINEAR
    for a in model.assignments:
        kinds[sp.Symbol(a.symbol)] = kind_of(a.expr, kinds)
    return kinds


def surely_nonlinear(model: "AssembledModel") -> bool:
    """True when some derivative is nonlinear in the states (or depends on t) by `kind_of`.

    A cheap structural test, linear in the size of the declarations: the full check
    substitutes every assignment into every derivative, which grows with the model's depth
    and takes tens of seconds once the later layers are in.
    """
    kinds = state_kinds(model)
    return any(kind_of(d, kinds) == NONLINEAR for d in model.derivatives)


def affine_parts(model: "AssembledModel", block: tuple[int, ...]) -> tuple[sp.Matrix, sp.Matrix, bool]:
    """(A, b, affine) of the derivatives of the states `block` in those states: dy/dt = A y + b,
    with only the assignments the block reads substituted (memoised, so the deeper layers'
    are never expanded). affine is False when a coefficient still reads a block state or t."""
    defs = {sp.Symbol(a.symbol): a.expr for a in model.assignments}
    memo: dict[sp.Symbol, sp.Expr] = {}

    def expand(expr: sp.Expr) -> sp.Expr:
        subs = {}
        for s in expr.free_symbols & defs.keys():
            if s not in memo:
                memo[s] = expand(defs[s])
            subs[s] = memo[s]
        return expr.xreplace(subs) if subs else expr

    ys = [sp.Symbol(model.states[i].symbol) for i in block]
    yset, zero, t = set(ys), {y: 0 for y in ys}, sp.Symbol("t")
    n = len(block)
    A, b = sp.zeros(n, n), sp.zeros(n, 1)
    affine = True
    for r, i in enumerate(block):
        d = expand(model.derivatives[i])
        affine &= t not in d.free_symbols
        for c, y in enumerate(ys):
            if y in d.free_symbols:
                A[r, c] = sp.diff(d, y)
                affine &= not A[r, c].free_symbols & yset
        b[r] = d.xreplace(zero)
    return A, b, affine


def linear_parts_exprs(model: "AssembledModel") -> tuple[sp.Matrix, sp.Matrix] | None:
    """(A, b) if the model is affine in its states with t-free coefficients, else None."""
    if surely_nonlinear(model):
        return None
    A, b, affine = affine_parts(model, tuple(range(len(model.states))))
    return (A, b) if affine else None


@dataclass(frozen=True)
class LinearForm:
    """Generated `linear_parts(p) -> (A, b)` source and the sparsity of A, b and y0."""

    source: str
    a_nonzero: np.ndarray      # (n, n) bool
    b_nonzero: np.ndarray      # (n,) bool
    init_nonzero: np.ndarray   # (n,) bool


_SOLVERS: dict[tuple, object] = {}


def linear_form(model: "AssembledModel") -> LinearForm | None:
    """The model's linear form, or None if it is not linear (cached: `cached_form`)."""
    def encode(form: LinearForm | None):
        return None if form is None else {
            "source": form.source, "a_nonzero": form.a_nonzero.tolist(),
            "b_nonzero": form.b_nonzero.tolist(), "init_nonzero": form.init_nonzero.tolist()}

    def decode(data) -> LinearForm | None:
        if data is None:
            return None
        return LinearForm(data["source"], np.array(data["a_nonzero"], dtype=bool),
                          np.array(data["b_nonzero"], dtype=bool), np.array(data["init_nonzero"], dtype=bool))

    return cached_form("linear", model, _derive_linear_form, encode, decode)


def cached_form(kind: str, model: "AssembledModel", derive, encode, decode):
    """`derive(model)`, cached in memory and, because symbolic analysis takes a noticeable
    part of a run's start-up, on disk beside JAX's compilation cache (`derived_cache`,
    folder `kind`, keyed by the model source). encode/decode turn the result into JSON
    data and back; an unreadable entry is derived again."""
    return cached_json(kind, model.source, lambda: derive(model), encode, decode)


def _derive_linear_form(model: "AssembledModel") -> LinearForm | None:
    parts = linear_parts_exprs(model)
    if parts is None:
        return None
    A, b = parts
    n = len(model.states)
    return LinearForm(
        source=affine_source(model.param_symbols, A, b),
        a_nonzero=np.array([[A[i, j] != 0 for j in range(n)] for i in range(n)], dtype=bool),
        b_nonzero=np.array([b[i] != 0 for i in range(n)], dtype=bool),
        init_nonzero=np.array([s.initial != 0 for s in model.states], dtype=bool),
    )


def affine_source(param_symbols, A: sp.Matrix, b: sp.Matrix) -> str:
    """Source of `linear_parts(_p) -> (A, b)` for symbolic A (n, n) and b (n, 1) in the
    flat parameter symbols (common subexpressions shared; `numpy` bound by the caller)."""
    n = A.shape[0]
    entries = [(i, j, A[i, j]) for i in range(n) for j in range(n) if A[i, j] != 0]
    exprs = [e for _, _, e in entries] + [b[i] for i in range(n)]
    repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_c"))
    lines = ["def linear_parts(_p):"]
    lines += [f"    {s} = _p[{k}]" for k, s in enumerate(param_symbols)]
    lines += [f"    {s} = {print_expr(e)}" for s, e in repl]
    lines.append("    _0 = 0.0 * _p[0]")
    flat = ["_0"] * (n * n)
    for (i, j, _), e in zip(entries, reduced[: len(entries)]):
        flat[i * n + j] = f"({print_expr(e)}) + _0"
    lines.append(f"    _A = numpy.stack([{', '.join(flat)}]).reshape(({n}, {n}))" if n else "    _A = numpy.zeros((0, 0))")
    bs = ", ".join(f"{print_expr(e)} + 0.0 * _p[0]" for e in reduced[len(entries):])
    lines.append(f"    _b = numpy.stack([{bs}])" if n else "    _b = numpy.zeros(0)")
    lines.append("    return _A, _b")
    return "\n".join(lines) + "\n"


def active_states(model: "AssembledModel", dosed: np.ndarray) -> tuple[int, ...]:
    """States that can become nonzero: the closure, along the nonzero entries of A, of
    the dosed states and those with a nonzero constant input or initial value. All other
    states stay exactly at zero, so they can be left out of the exact solve."""
    form = linear_form(model)
    nz = form.a_nonzero
    active = set(np.flatnonzero(dosed | form.b_nonzero | form.init_nonzero).tolist())
    frontier = list(active)
    while frontier:
        j = frontier.pop()
        for i in np.flatnonzero(nz[:, j]).tolist():
            if i not in active:
                active.add(i)
                frontier.append(i)
    return tuple(sorted(active))


def is_linear(model: "AssembledModel") -> bool:
    return linear_form(model) is not None


def plan(breaks: np.ndarray, ts: np.ndarray):
    """Host-side structure shared by all patients with the same timing.

    Returns (grid, seg, is_start, pair, pairs, out_idx): the union grid of break and
    output times; per interval its segment, whether a jump applies at its left end, and
    the index of its (segment, step) pair; the distinct pairs; where outputs sit.
    """
    grid = np.unique(np.concatenate([breaks, ts]))
    K = len(breaks) - 1
    seg = np.clip(np.searchsorted(breaks, grid[:-1], side="right") - 1, 0, K - 1)
    is_start = np.isin(grid[:-1], breaks[:-1])
    steps = np.diff(grid)
    keys = list(zip(seg.tolist(), np.round(steps, 12).tolist()))
    uniq = list(dict.fromkeys(keys))
    pair = np.array([uniq.index(k) for k in keys]) if keys else np.zeros(0, int)
    pairs = np.array(uniq, dtype=float).reshape(-1, 2)
    out_idx = np.searchsorted(grid, ts)
    return grid, seg, is_start, pair, pairs, out_idx


def input_matrix(rows: tuple[int, ...], channels: tuple[int, ...]) -> np.ndarray:
    """(len(rows), len(channels)) 0/1 matrix B taking the infusion rates u (mg/min per dose
    channel; `channels`: each channel's state index) into the derivatives of the states `rows`."""
    where = {s: r for r, s in enumerate(rows)}
    out = np.zeros((len(rows), len(channels)))
    for c, s in enumerate(channels):
        if s in where:
            out[where[s], c] = 1.0
    return out


def make_linear_solve(source: str, model: "AssembledModel", active: tuple[int, ...]):
    """A pure function solve(p, jumps, rates, plan_arrays) -> (ys, ok) for JAX (vmappable)."""
    import jax
    import jax.numpy as jnp
    from jax.scipy.linalg import expm

    from . import jaxconfig  # noqa: F401  (float64 and the compilation cache)
    from .codegen import namespace

    form = linear_form(model)
    if form is None:
        raise ValueError("model is not linear in its states")
    linear_parts = namespace(form.source, "jax")["linear_parts"]
    _, _, init = model.functions("jax")
    n_all = len(model.states)
    act = np.asarray(active, dtype=int)
    n = len(act)
    Bmat = jnp.asarray(input_matrix(active, tuple(model.state_index[c] for c in model.dose_channels)))

    def solve(p, jumps, rates, seg, is_start, pair, pair_seg, pair_h, out_idx):
        A_all, b_all = linear_parts(p)
        A, b = A_all[act][:, act], b_all[act]
        jumps = jumps[:, act]
        c = b[None, :] + rates @ Bmat.T                        # (K, n)
        def aug(k, h):
            M = jnp.zeros((n + 1, n + 1), dtype=A.dtype)
            M = M.at[:n, :n].set(A).at[:n, n].set(c[k])
            return expm(M * h)
        E = jax.vmap(aug)(pair_seg, pair_h)                    # (U, n+1, n+1)
        y0 = init(p)[act]

        def step(y, i):
            y = y + jnp.where(is_start[i], jumps[seg[i]], 0.0)
            e = E[pair[i]]
            return e[:n, :n] @ y + e[:n, n], y

        y_end, ys = jax.lax.scan(step, y0, jnp.arange(seg.shape[0]), unroll=1)
        ys = jnp.concatenate([ys, y_end[None]], axis=0)        # values on the union grid
        out = jnp.zeros((out_idx.shape[0], n_all), dtype=ys.dtype).at[:, act].set(ys[out_idx])
        return out, jnp.all(jnp.isfinite(out))

    return solve


def jitted_linear(source: str, model: "AssembledModel", batched: bool, active: tuple[int, ...]):
    """jit (and vmap over p, jumps, rates when batched), cached by model source."""
    import jax

    from . import jaxconfig

    key = (source, batched, active)
    if key not in _SOLVERS:
        fn = make_linear_solve(source, model, active)
        if batched:
            fn = jax.vmap(fn, in_axes=(0, 0, 0) + (None,) * 6)
        _SOLVERS[key] = jaxconfig.jit(fn)
    return _SOLVERS[key]


def solve_linear(model: "AssembledModel", p, schedule: "Schedule", ts):
    """Solve one patient (or a batch, for a batched schedule) exactly; returns (ys, ok)."""
    import jax.numpy as jnp

    from . import jaxconfig  # noqa: F401

    jumps, rates, batched = schedule.jumps, schedule.rates, schedule.batched
    grid, seg, is_start, pair, pairs, out_idx = plan(np.asarray(schedule.breaks), np.asarray(ts))
    J = np.asarray(jumps)
    dosed = np.abs(J.reshape(-1, J.shape[-1])).sum(axis=0) > 0
    R = np.asarray(rates)
    chan_dosed = np.abs(R.reshape(-1, R.shape[-1])).sum(axis=0) > 0
    for c, used in zip(model.dose_channels, chan_dosed):
        dosed[model.state_index[c]] |= bool(used)
    fn = jitted_linear(model.source, model, batched, active_states(model, dosed))
    return fn(jnp.asarray(p), jnp.asarray(jumps), jnp.asarray(rates), jnp.asarray(seg), jnp.asarray(is_start),
              jnp.asarray(pair), jnp.asarray(pairs[:, 0].astype(int)), jnp.asarray(pairs[:, 1]),
              jnp.asarray(out_idx))
