"""How large an SBML model's rules become in an engine that inlines assignment rules.

libRoadRunner compiles each rule's formula with every assignment-ruled symbol it reads
replaced by that rule's formula, recursively and once per reference. The size of what it
compiles is therefore the node count of each rule's formula with assignment rules
expanded (`InlinedSize.inlined`), not the size of the document (`InlinedSize.direct`).
Its load time grows with the inlined size; this measure is what the export keeps small.
"""

from __future__ import annotations

from dataclasses import dataclass

import libsbml


@dataclass(frozen=True)
class InlinedSize:
    """Node counts (libsbml AST nodes) over every rule of an SBML model.

    direct: the formulas as written; inlined: with assignment rules expanded, summed over
    all rules (assignment and rate rules); largest: the largest single expanded rule;
    rules: the number of rules."""

    direct: int
    inlined: int
    largest: int
    rules: int


def node_count(ast: libsbml.ASTNode) -> int:
    """Nodes of a libsbml AST (every operator, function, name and number counts one)."""
    return 1 + sum(node_count(ast.getChild(i)) for i in range(ast.getNumChildren()))


def inlined_size(doc: libsbml.SBMLDocument) -> InlinedSize:
    """The `InlinedSize` of the document's model (assignment rules expanded, memoised)."""
    model = doc.getModel()
    rules = [model.getRule(i) for i in range(model.getNumRules())]
    assigned = {r.getVariable(): r.getMath() for r in rules if r.isAssignment()}
    memo: dict[str, int] = {}

    def expanded(ast: libsbml.ASTNode) -> int:
        """Nodes of `ast` with every assignment-ruled name replaced by its expanded rule."""
        if ast.isName() and ast.getName() in assigned:
            return symbol_size(ast.getName())
        return 1 + sum(expanded(ast.getChild(i)) for i in range(ast.getNumChildren()))

    def symbol_size(sid: str) -> int:
        """Expanded size of the rule of `sid`, computed once."""
        if sid not in memo:
            memo[sid] = expanded(assigned[sid])
        return memo[sid]

    sizes = [expanded(r.getMath()) for r in rules]
    return InlinedSize(direct=sum(node_count(r.getMath()) for r in rules), inlined=sum(sizes),
                       largest=max(sizes, default=0), rules=len(rules))
