"""SymPy expressions as SBML Level 3 infix formulas, and those formulas as libsbml ASTs."""

from __future__ import annotations

import math

import libsbml
import sympy as sp

from .errors import SBMLExportError

FUNCTIONS = {sp.Max: "max", sp.Min: "min", sp.Abs: "abs", sp.sin: "sin", sp.cos: "cos",
             sp.tan: "tan", sp.tanh: "tanh", sp.floor: "floor", sp.ceiling: "ceil"}
RELATIONS = {sp.StrictGreaterThan: ">", sp.GreaterThan: ">=", sp.StrictLessThan: "<",
             sp.LessThan: "<=", sp.Equality: "==", sp.Unequality: "!="}


def number_text(x: sp.Expr | float) -> str:
    """A finite number as L3 infix text (negative numbers parenthesised); refuses inf and nan."""
    v = float(x)
    if not math.isfinite(v):
        raise SBMLExportError(f"non-finite number {x} in an expression")
    s = repr(v)
    return f"({s})" if v < 0 else s


def infix(expr: sp.Expr, rename: dict[str, str] | None = None) -> str:
    """A sympy expression as an SBML L3 infix formula (fully parenthesised).

    The symbol ``t`` becomes ``time``; ``rename`` maps symbol names to SIds.
    """
    rename = rename or {}

    def p(e: sp.Basic) -> str:
        """The formula text of one sub-expression (recursive)."""
        if isinstance(e, sp.Symbol):
            return "time" if e.name == "t" else rename.get(e.name, e.name)
        if e.is_Number:
            return number_text(e)
        if e is sp.pi:
            return "pi"
        if e is sp.E:
            return "exponentiale"
        if isinstance(e, sp.Add):
            return "(" + " + ".join(p(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            return "(" + " * ".join(p(a) for a in e.args) + ")"
        if isinstance(e, sp.Pow):
            b, x = e.args
            if x == sp.Rational(1, 2):
                return f"sqrt({p(b)})"
            return f"pow({p(b)}, {p(x)})"
        if isinstance(e, sp.exp):
            return f"exp({p(e.args[0])})"
        if isinstance(e, sp.log):
            return f"ln({p(e.args[0])})"
        for cls, name in FUNCTIONS.items():
            if isinstance(e, cls):
                return f"{name}(" + ", ".join(p(a) for a in e.args) + ")"
        for cls, op in RELATIONS.items():
            if isinstance(e, cls):
                return f"({p(e.lhs)} {op} {p(e.rhs)})"
        if isinstance(e, sp.And):
            return "(" + " && ".join(p(a) for a in e.args) + ")"
        if isinstance(e, sp.Or):
            return "(" + " || ".join(p(a) for a in e.args) + ")"
        if isinstance(e, sp.Not):
            return f"!({p(e.args[0])})"
        if e is sp.true:
            return "true"
        if e is sp.false:
            return "false"
        if isinstance(e, sp.Piecewise):
            parts: list[str] = []
            for val, cond in e.args:
                if cond is sp.true:
                    parts.append(p(val))
                else:
                    parts += [p(val), p(cond)]
            return "piecewise(" + ", ".join(parts) + ")"
        if isinstance(e, sp.Heaviside):
            a = p(e.args[0])
            return f"piecewise(1, {a} > 0, 0.5, {a} == 0, 0)"
        raise SBMLExportError(f"cannot express {type(e).__name__} ({e}) in SBML")

    return p(sp.sympify(expr))


def formula_ast(formula: str) -> libsbml.ASTNode:
    """libsbml's AST of an L3 infix formula; SBMLExportError (with libsbml's reason) if unparsable."""
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise SBMLExportError(f"libsbml could not parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return ast
