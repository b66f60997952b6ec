"""`engine.sympy_pickle`: expressions load back as the same trees, without re-evaluation."""

from __future__ import annotations

import pickle

import sympy as sp

from ketasim.engine import sympy_pickle
from ketasim.mechanisms.registry import build_model


def test_the_whole_model_loads_back_node_for_node():
    model = build_model("human", {}, frozenset({"ketamine"}))
    back = pickle.loads(sympy_pickle.dumps(model))
    assert back == model
    assert [sp.srepr(d) for d in back.derivatives] == [sp.srepr(d) for d in model.derivatives]
    assert [sp.srepr(a.expr) for a in back.assignments] == [sp.srepr(a.expr) for a in model.assignments]
    assert [sp.srepr(s.initial) for s in back.states] == [sp.srepr(s.initial) for s in model.states]


def test_loading_does_not_evaluate():
    """x*2*y stored as written is rebuilt as stored: an unevaluated Add stays unevaluated
    (a plain pickle would evaluate it to 2*x), so nothing is recomputed on load."""
    x = sp.Symbol("x")
    lazy = sp.Add(x, x, evaluate=False)
    assert pickle.loads(pickle.dumps(lazy)) == 2 * x                 # SymPy's own pickle evaluates
    back = pickle.loads(sympy_pickle.dumps(lazy))
    assert back.args == (x, x) and type(back) is sp.Add


def test_nodes_that_do_not_rebuild_exactly_are_pickled_as_usual():
    x, y = sp.symbols("x y")
    pw = sp.Piecewise((x, x > y), (y, True))
    assert sympy_pickle.rebuilder(sp.exp(x)) is sympy_pickle.rebuild_unevaluated
    assert sympy_pickle.rebuilder(x * y) is sympy_pickle.rebuild_canonical
    for expr in (pw, sp.Max(x, y, 0), sp.Heaviside(x - 1), sp.log(x) / (1 + sp.exp(-y))):
        assert pickle.loads(sympy_pickle.dumps(expr)) == expr


def test_a_class_whose_constructor_refuses_its_args_falls_back():
    class Pair(sp.Basic):
        def __new__(cls, a, b):          # no evaluate keyword: rebuild_unevaluated fails
            return sp.Basic.__new__(cls, a, b)

    node = Pair(sp.Integer(1), sp.Integer(2))
    assert sympy_pickle.rebuilder(node) is None
