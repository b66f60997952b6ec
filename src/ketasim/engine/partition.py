"""The time-scale structure of a model: its linear upstream block and the slow rest.

A ketamine model's states fall into two groups. The pharmacokinetic compartments (depots,
central and peripheral amounts, effect sites, metabolites) obey linear equations that
read no state outside their own group: a block that is affine in its states with
t-free coefficients, upstream of everything else. The rest (plasticity, systems, mood)
is nonlinear but slow: its fastest own time constant is minutes, not the fraction of a
minute of a central compartment. `partition` finds the largest such upstream block L
(the largest set of states whose derivatives read only states of the set and are affine
in them), the rest R, and the states of L that R reads (the feed). `engine.solver_split`
solves L exactly and integrates only R.

The analysis is structural (`linear.kind_of`, no expansion) plus the symbolic A and b of
L, generated as code like `linear.linear_form` and cached on disk beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from .linear import affine_source, cached_form, kind_of, state_kinds

if TYPE_CHECKING:
    from .model import AssembledModel

NONLINEAR = 2


@dataclass(frozen=True)
class Partition:
    """Indices into the model's state vector.

    linear: the upstream affine block L (sorted); rest: every other state (sorted); feed:
    the states of L that the derivatives of `rest` read (sorted, a subset of `linear`);
    source: generated `linear_parts(_p) -> (A, b)` of L alone, A (len(linear),)*2 and b
    (len(linear),) in the order of `linear`.
    """

    linear: tuple[int, ...]
    rest: tuple[int, ...]
    feed: tuple[int, ...]
    source: str

    @property
    def useful(self) -> bool:
        """Whether splitting pays: both blocks are non-empty."""
        return bool(self.linear) and bool(self.rest)


def state_reads(model: "AssembledModel") -> list[frozenset[int]]:
    """For each state, the indices of the states its derivative reads (through assignments)."""
    index = {sp.Symbol(s.symbol): i for i, s in enumerate(model.states)}
    reads: dict[sp.Symbol, frozenset[int]] = {}

    def of(expr: sp.Expr) -> frozenset[int]:
        out: set[int] = set()
        for s in expr.free_symbols:
            if s in index:
                out.add(index[s])
            elif s in reads:
                out |= reads[s]
        return frozenset(out)

    for a in model.assignments:
        reads[sp.Symbol(a.symbol)] = of(a.expr)
    return [of(d) for d in model.derivatives]


def upstream_linear(model: "AssembledModel") -> tuple[int, ...]:
    """The largest set of states whose derivatives are affine (by `linear.kind_of`) and read
    only states of the set: start from every state, drop offenders until none is left."""
    kinds = state_kinds(model)
    reads = state_reads(model)
    keep = {i for i, d in enumerate(model.derivatives) if kind_of(d, kinds) != NONLINEAR}
    changed = True
    while changed:
        changed = False
        for i in sorted(keep):
            if not reads[i] <= keep:
                keep.discard(i)
                changed = True
    return tuple(sorted(keep))


def block_parts(model: "AssembledModel", block: tuple[int, ...]) -> tuple[sp.Matrix, sp.Matrix]:
    """(A, b) of the block's derivatives, affine in the block's states: only the assignments
    the block reads are substituted (the deeper layers' are never expanded)."""
    memo: dict[sp.Symbol, sp.Expr] = {}
    defs = {sp.Symbol(a.symbol): a.expr for a in model.assignments}

    def expand(expr: sp.Expr) -> sp.Expr:
        subs = {}
        for s in expr.free_symbols:
            if s in defs:
                if s not in memo:
                    memo[s] = expand(defs[s])
                subs[s] = memo[s]
        return expr.xreplace(subs) if subs else expr

    ys = [sp.Symbol(model.states[i].symbol) for i in block]
    zero = {y: 0 for y in ys}
    n = len(block)
    A, b = sp.zeros(n, n), sp.zeros(n, 1)
    for r, i in enumerate(block):
        d = expand(model.derivatives[i])
        for c, y in enumerate(ys):
            if y in d.free_symbols:
                A[r, c] = sp.diff(d, y)
        b[r] = d.xreplace(zero)
    return A, b


def derive_partition(model: "AssembledModel") -> Partition:
    """The model's `Partition` (see the module docstring)."""
    linear = upstream_linear(model)
    rest = tuple(i for i in range(len(model.states)) if i not in set(linear))
    reads = state_reads(model)
    feed = tuple(sorted(set().union(*(reads[i] for i in rest)) & set(linear))) if rest else ()
    A, b = block_parts(model, linear) if linear else (sp.zeros(0, 0), sp.zeros(0, 1))
    return Partition(linear, rest, feed, affine_source(model.param_symbols, A, b))


def partition(model: "AssembledModel") -> Partition:
    """`derive_partition`, cached in memory and on disk (keyed like `linear.linear_form`)."""
    def encode(part: Partition) -> dict:
        return {"linear": list(part.linear), "rest": list(part.rest), "feed": list(part.feed),
                "source": part.source}

    def decode(data: dict) -> Partition:
        return Partition(tuple(data["linear"]), tuple(data["rest"]), tuple(data["feed"]), data["source"])

    return cached_form("partition", model, derive_partition, encode, decode)


def block_matrix(part: Partition, channels: tuple[int, ...]) -> np.ndarray:
    """(len(linear), len(channels)) 0/1 matrix taking infusion rates into the block's states."""
    where = {s: r for r, s in enumerate(part.linear)}
    out = np.zeros((len(part.linear), len(channels)))
    for c, s in enumerate(channels):
        if s in where:
            out[where[s], c] = 1.0
    return out
