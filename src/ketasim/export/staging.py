"""Which assignments the SBML export stores as stage states, so that inlining engines stay small.

Why: libRoadRunner compiles every rule by inlining the assignment rules it references,
recursively and once per reference, so an assignment that feeds many others (the NMDA
block feeds the circuit surrogate, the surrogate feeds every later layer) is compiled
again inside each of them: the full model's rules, 4,800 formula nodes as written, become
2.5 million nodes inlined (`inlined_size`), and loading it takes more than 20 minutes.

What: walking the assignments in evaluation (topological) order, an assignment whose
inlined expression - counting every reference to a stored assignment, a state, a
parameter or a number as one node - exceeds `INLINE_BUDGET` nodes and that another rule
reads is *stored*: the export gives it a rate rule that relaxes it onto its expression,
``dX/dt = (F - X) / STAGE_TAU``, instead of an assignment rule. The engine then keeps X in
its state vector and every reader loads it instead of recompiling F. X follows F with a
lag of about ``STAGE_TAU * dF/dt`` (STAGE_TAU = 1e-7 min, so a relative error of about
1e-7 for quantities that change on a time scale of a minute), and because the relaxation
pulls X back onto F from any value, a stored value that starts off F (another parameter
set, a bolus that jumps a state) is on F again within about 20 STAGE_TAU (2e-6 min,
about a tenth of a millisecond). The price: each stored assignment is a fast mode
(eigenvalue about -1/STAGE_TAU), so the model is stiff and needs an implicit integrator
(libRoadRunner's CVODE BDF, COPASI's LSODA, which switches to BDF); at an absolute
tolerance of 1e-14, and for some models at 1e-12, COPASI's LSODA can stall after a dose; the
round trips use 1e-11 (`engines.RTOL`, `engines.ATOL`). With the default budget the full model stores 37
assignments and its inlined size falls to about 24,000 nodes.

`stage_initial_values` gives the stored assignments' values at the start (the export
writes them as the initial values, so the trajectories start on F); `stage_values_function`
the same for many parameter sets (a population simulated by setting values only).
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np
import sympy as sp

from ..engine.codegen import compile_source, generate_source
from ..engine.model import AssembledModel

INLINE_BUDGET = 100    # nodes: an assignment read by another rule is stored above this size
STAGE_TAU = 1e-7       # min: relaxation time of a stored assignment onto its expression


def tree_size(expr: sp.Expr, sizes: dict[str, int]) -> int:
    """Nodes of `expr` once every symbol in `sizes` is replaced by its inlined tree.

    A symbol not in `sizes` (a state, a parameter, a stored assignment, time) counts one
    node, as does a number; every operation or function counts one node plus its
    arguments. This is the size an engine that inlines assignment rules compiles."""
    if isinstance(expr, sp.Symbol):
        return sizes.get(expr.name, 1)
    return 1 + sum(tree_size(a, sizes) for a in expr.args)


def readers(model: AssembledModel) -> dict[str, int]:
    """Per assignment symbol, how many rules (other assignments, derivatives) read it."""
    counts = {a.symbol: 0 for a in model.assignments}
    for expr in [a.expr for a in model.assignments] + list(model.derivatives):
        for s in expr.free_symbols:
            if s.name in counts:
                counts[s.name] += 1
    return counts


def inlined_sizes(model: AssembledModel, stored: Iterable[str] = ()) -> dict[str, int]:
    """Per assignment symbol, the size of its inlined expression when `stored` are stored.

    A stored assignment is one node to its readers (the value is loaded); its own entry
    is still the size of its expression (what its relaxation rule compiles)."""
    stored = set(stored)
    sizes: dict[str, int] = {}
    own: dict[str, int] = {}
    for a in model.assignments:                     # topological order
        own[a.symbol] = tree_size(a.expr, sizes)
        if a.symbol not in stored:
            sizes[a.symbol] = own[a.symbol]
    return own


def choose_stored(model: AssembledModel, budget: int = INLINE_BUDGET) -> tuple[str, ...]:
    """The assignments to store (evaluation order): inlined size above `budget`, and read.

    Greedy in evaluation order: once an assignment is stored, its readers count it as one
    node, so the assignments after it are measured with the stores chosen before them."""
    if budget < 1:
        raise ValueError(f"inline budget must be at least one node, got {budget}")
    read = readers(model)
    sizes: dict[str, int] = {}
    stored: list[str] = []
    for a in model.assignments:
        size = tree_size(a.expr, sizes)
        if size > budget and read[a.symbol] > 0:
            stored.append(a.symbol)
        else:
            sizes[a.symbol] = size
    return tuple(stored)


def stage_values_function(model: AssembledModel, stored: Sequence[str]
                          ) -> Callable[[np.ndarray, np.ndarray, float], np.ndarray]:
    """A function (p, y, t) -> the values (canonical units) of the `stored` assignments, in
    their order, for parameters p and states y (canonical) at time t (min), computed by
    ketasim's own generated NumPy equations. Built once, cheap per call (one patient each)."""
    symbols = tuple(a.symbol for a in model.assignments)
    source = generate_source(model.param_symbols, model.states, model.assignments,
                             model.derivatives, model.dose_channels, symbols)
    _, observe, _ = compile_source(source, "numpy")
    column = {s: j for j, s in enumerate(symbols)}
    pick = np.array([column[s] for s in stored], dtype=np.int64)

    def values(p: np.ndarray, y: np.ndarray, t: float = 0.0) -> np.ndarray:
        """The stored assignments' values for parameters p, states y at time t."""
        out = observe(np.float64(t), np.asarray(y, dtype=float), np.asarray(p, dtype=float))
        return np.asarray(out, dtype=float)[pick]

    return values


def stage_initial_values(model: AssembledModel, stored: Sequence[str], p: np.ndarray,
                         y0: np.ndarray, t0: float = 0.0) -> np.ndarray:
    """Values (canonical units) of the `stored` assignments at time t0 for parameters p and
    states y0 (canonical; include any bolus given at t0), in the order of `stored`."""
    return stage_values_function(model, stored)(p, y0, t0)
