"""Dimensional analysis of symbolic equations with pint.

Each symbol is given a unit; the expression tree is walked and every sum, function
argument and power is checked, so that `A/V + k` with mismatched dimensions is refused
at build time with a message naming the equation.
"""

from __future__ import annotations

from typing import Mapping

import pint
import sympy as sp

from ..units import ureg


class DimensionError(ValueError):
    """An equation is dimensionally inconsistent."""


def dimension_of(expr: sp.Expr, units: Mapping[str, pint.Unit], where: str) -> pint.util.UnitsContainer:
    """The dimensionality of `expr` given the unit of each free symbol."""
    return _walk(expr, units, where).dimensionality


def _walk(expr: sp.Expr, units: Mapping[str, pint.Unit], where: str) -> pint.Quantity:
    if isinstance(expr, sp.Symbol):
        if expr.name not in units:
            raise DimensionError(f"{where}: no unit known for symbol {expr.name!r}")
        return 1.0 * units[expr.name]
    if expr.is_Number:
        return 1.0 * ureg.dimensionless
    if isinstance(expr, sp.Add):
        terms = [_walk(a, units, where) for a in expr.args]
        first = terms[0].dimensionality
        for a, q in zip(expr.args, terms):
            if q.dimensionality != first:
                raise DimensionError(
                    f"{where}: terms of a sum differ in dimension: {expr.args[0]} is {first}, {a} is {q.dimensionality}"
                )
        return terms[0]
    if isinstance(expr, sp.Mul):
        out = 1.0 * ureg.dimensionless
        for a in expr.args:
            out = out * _walk(a, units, where)
        return out
    if isinstance(expr, sp.Pow):
        base = _walk(expr.base, units, where)
        exp = expr.exp
        if exp.is_Number:
            return base ** float(exp)
        e = _walk(exp, units, where)
        if not e.dimensionless:
            raise DimensionError(f"{where}: exponent {exp} must be dimensionless")
        if not base.dimensionless:
            raise DimensionError(f"{where}: {expr.base} raised to a symbolic power must be dimensionless")
        return 1.0 * ureg.dimensionless
    if isinstance(expr, (sp.Max, sp.Min)):
        qs = [_walk(a, units, where) for a in expr.args]
        for a, q in zip(expr.args, qs):
            if q.dimensionality != qs[0].dimensionality:
                raise DimensionError(f"{where}: arguments of {expr.func} differ in dimension ({a})")
        return qs[0]
    if isinstance(expr, sp.Abs):
        return _walk(expr.args[0], units, where)
    if isinstance(expr, sp.Function):  # exp, log, tanh, ...
        for a in expr.args:
            if not _walk(a, units, where).dimensionless:
                raise DimensionError(f"{where}: argument of {expr.func} must be dimensionless, got {a}")
        return 1.0 * ureg.dimensionless
    raise DimensionError(f"{where}: unsupported expression {expr!r}")
