"""Module equations rendered as presentation MathML (native in Chromium/Firefox, no JS).

A state equation renders as  d name / d t = rhs , an assignment as  name = rhs ; each
comes with its unit text. Symbol names: `A_central`, `ka_oral` and `k10` become
subscripted (a base of one or two letters); other names such as `body_weight` or
`plasma_s_ketamine` stay whole so they can be matched to the equation text.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.mathml import MathMLPresentationPrinter

_LETTERS_DIGITS = re.compile(r"^([A-Za-z]+)(\d+)$")

# Named MathML entities that sympy emits; numeric references work in any HTML/XML parser.
_ENTITIES = {
    "&InvisibleTimes;": "&#x2062;",
    "&ExponentialE;": "&#x2147;",
    "&ImaginaryI;": "&#x2148;",
    "&ApplyFunction;": "&#x2061;",
    "&dd;": "&#x2146;",
    "&infin;": "&#x221E;",
    "&pi;": "&#x3C0;",
}


class _Printer(MathMLPresentationPrinter):
    """Presentation printer with readable handling of model identifiers."""

    def _mi(self, text: str):
        mi = self.dom.createElement("mi")
        mi.appendChild(self.dom.createTextNode(text))
        return mi

    def _print_Symbol(self, sym, style="plain"):
        name = sym.name
        base = sub = None
        if name.count("_") == 1 and 0 < name.index("_") <= 2 and not name.endswith("_"):
            base, sub = name.split("_")
        else:
            m = _LETTERS_DIGITS.match(name)
            if m and len(m.group(1)) <= 2:
                base, sub = m.group(1), m.group(2)
        if base is None:
            x = self._mi(name)
        else:
            x = self.dom.createElement("msub")
            x.appendChild(self._mi(base))
            if sub.isdigit():
                mn = self.dom.createElement("mn")
                mn.appendChild(self.dom.createTextNode(sub))
                x.appendChild(mn)
            else:
                x.appendChild(self._mi(sub))
        if style == "bold":
            x.setAttribute("mathvariant", "bold")
        return x


def _to_mathml(expr) -> str:
    # An explicit dot for products: multi-letter identifiers side by side would read as one.
    out = _Printer({"order": "none", "mul_symbol": "dot"}).doprint(expr)
    for a, b in _ENTITIES.items():
        out = out.replace(a, b)
    return out


def symbol_mathml(name: str) -> str:
    """Presentation MathML (inner content, no <math>) for one identifier."""
    return _to_mathml(sp.Symbol(name))


def equation_mathml(name: str, expr, is_state: bool) -> str:
    """One equation as a complete <math display="block"> element."""
    lhs = symbol_mathml(name)
    if is_state:
        lhs = (
            "<mfrac><mrow><mi mathvariant=\"normal\">d</mi>" + lhs + "</mrow>"
            "<mrow><mi mathvariant=\"normal\">d</mi><mi>t</mi></mrow></mfrac>"
        )
    rhs = _to_mathml(expr)
    return (
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
        f"<mrow>{lhs}<mo>=</mo>{rhs}</mrow></math>"
    )


def model_equations_mathml(model) -> list[list[tuple[str, str]]]:
    """`module_equations_mathml` of every module of `model`, in order. Printing some 400
    equations as MathML takes about 0.2 s, so the result is kept on disk
    (`engine.derived_cache`), keyed by the modules' equation text and the package's content
    (the printer is part of the package)."""
    from ..engine.derived_cache import cached_json
    from ..cache import package_digest

    key = repr((package_digest(), [(m.name, m.equations) for m in model.modules]))
    return cached_json("mathml", key, lambda: [module_equations_mathml(m) for m in model.modules],
                       encode=lambda rows: rows,
                       decode=lambda rows: [[(str(mml), str(unit)) for mml, unit in mod] for mod in rows])


def module_equations_mathml(module) -> list[tuple[str, str]]:
    """[(MathML of the equation, unit text)] for every equation of `module`, in order.

    The MathML string is a complete <math> element; the unit is the text after the colon
    in the module's declaration (e.g. "mg", "ng/mL", "1/min").
    """
    return [(equation_mathml(e.name, e.expr, e.is_state), e.unit) for e in module.parsed]
