"""Pickles of SymPy expressions that load without re-evaluating them.

SymPy pickles an expression as its class and arguments, so loading it calls `Add(*args)`,
`Mul(*args)`, `Pow(b, e)`, ... again: each node is flattened, sorted and simplified anew,
although it was already canonical when it was dumped. For the assembled model (some 2,300
compound nodes in 400 equations) that is 0.24 s of every warm `ketasim run`
(`engine.model_cache`), against 0.02 s when each node is rebuilt from its arguments as they
are: `Add`/`Mul` through `_from_args` (SymPy's constructor for arguments already in
canonical form), every other compound class with `evaluate=False`.

`dumps` uses that rebuild only for a node where it is checked, at dump time, to give the
same node back (same class, equal, same arguments in the same order); any other node
(and everything that is not a SymPy compound) is pickled as usual. So a load gives the
same expression trees as the plain pickle, and the output is an ordinary pickle:
`pickle.loads` reads it (with this module importable).
"""

from __future__ import annotations

import io
import pickle
from typing import Any, Callable

import sympy as sp


def rebuild_canonical(cls: type, args: tuple) -> sp.Basic:
    """An `Add` or `Mul` from arguments already in canonical order (no flattening or sorting)."""
    return cls._from_args(args)


def rebuild_unevaluated(cls: type, args: tuple) -> sp.Basic:
    """A compound node of `cls` from `args` with SymPy's evaluation switched off."""
    return cls(*args, evaluate=False)


def rebuilder(node: sp.Basic) -> Callable[[type, tuple], sp.Basic] | None:
    """The rebuild that gives `node` back exactly, or None (the node is pickled as usual)."""
    cls, args = type(node), node.args
    build = rebuild_canonical if isinstance(node, (sp.Add, sp.Mul)) else rebuild_unevaluated
    try:
        again = build(cls, args)
    except Exception:  # noqa: BLE001 -- a class whose constructor takes other arguments: the usual pickle
        return None
    return build if type(again) is cls and again.args == args and again == node else None


class FastPickler(pickle.Pickler):
    """A pickler that writes checked SymPy compounds as (rebuild, class, arguments)."""

    def reducer_override(self, obj: Any):
        if isinstance(obj, sp.Basic) and not obj.is_Atom:
            build = rebuilder(obj)
            if build is not None:
                return build, (type(obj), obj.args)
        return NotImplemented


def dumps(obj: Any) -> bytes:
    """`pickle.dumps(obj)` (highest protocol) with SymPy compounds that load without evaluation."""
    with io.BytesIO() as buffer:
        FastPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
        return buffer.getvalue()
