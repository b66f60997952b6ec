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

from .linear import NONLINEAR, affine_parts, affine_source, cached_form, kind_of, state_kinds

if TYPE_CHECKING:
    from .model import AssembledModel


@dataclass(frozen=True)
class Partition:
    """Indices into the model's state vector.

    linear: the upstream affine block L (sorted); rest: every other state (sorted); feed:
    the states of L that the derivatives of `rest` read (sorted, a subset of `linear`);
    source: generated `linear_parts(_p) -> (A, b)` of L alone, A (len(linear),)*2 and b
    (len(linear),) in the order of `linear`. rest_reads: for each state of `rest`, the
    positions in `rest` of the other rest states its derivative reads (the structure of the
    rest's Jacobian, `block_solve.structure_of`). linear_reads: the same for `linear` (the
    structural nonzeros of A off its diagonal; the modal form works block by block over them).
    """

    linear: tuple[int, ...]
    rest: tuple[int, ...]
    feed: tuple[int, ...]
    source: str
    rest_reads: tuple[tuple[int, ...], ...]
    linear_reads: tuple[tuple[int, ...], ...]

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


def upstream_linear(model: "AssembledModel", reads: list[frozenset[int]]) -> tuple[int, ...]:
    """The largest set of states whose derivatives are affine (by `linear.kind_of`) and read
    only states of the set (`reads`: `state_reads(model)`): start from every state, drop
    offenders until none is left."""
    kinds = state_kinds(model)
    keep = {i for i, d in enumerate(model.derivatives) if kind_of(d, kinds) != NONLINEAR}
    changed = True
    while changed:
        changed = False
        for i in sorted(keep):
            if not reads[i] <= keep:
                keep.discard(i)
                changed = True
    return tuple(sorted(keep))


def derive_partition(model: "AssembledModel") -> Partition:
    """The model's `Partition` (see the module docstring)."""
    reads = state_reads(model)
    linear = upstream_linear(model, reads)
    rest = tuple(i for i in range(len(model.states)) if i not in set(linear))
    feed = tuple(sorted(set().union(*(reads[i] for i in rest)) & set(linear))) if rest else ()
    A, b, _ = affine_parts(model, linear)   # affine by construction (upstream_linear)
    where = {s: k for k, s in enumerate(rest)}
    rest_reads = tuple(tuple(sorted(where[j] for j in reads[i] if j in where and j != i)) for i in rest)
    linear_reads = tuple(tuple(j for j in range(len(linear)) if j != i and A[i, j] != 0) for i in range(len(linear)))
    return Partition(linear, rest, feed, affine_source(model.param_symbols, A, b), rest_reads, linear_reads)


def partition(model: "AssembledModel") -> Partition:
    """`derive_partition`, cached in memory and on disk (keyed like `linear.linear_form`)."""
    def encode(part: Partition) -> dict:
        return {"linear": list(part.linear), "rest": list(part.rest), "feed": list(part.feed),
                "source": part.source, "rest_reads": [list(r) for r in part.rest_reads],
                "linear_reads": [list(r) for r in part.linear_reads]}

    def decode(data: dict) -> Partition:
        return Partition(tuple(data["linear"]), tuple(data["rest"]), tuple(data["feed"]), data["source"],
                         tuple(tuple(r) for r in data["rest_reads"]),
                         tuple(tuple(r) for r in data["linear_reads"]))   # an entry without them: derived again

    return cached_form("partition", model, derive_partition, encode, decode)

