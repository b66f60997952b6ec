"""A libsbml Level 3 Version 2 document built one checked call at a time.

Every element the export writes (parameters, rules, initial assignments, events) goes
through `DocumentBuilder`, which refuses a duplicate or invalid SId and turns every
libsbml failure code into an `SBMLExportError` naming the call. Time is in minutes: the
model's ``timeUnits`` is a unit definition ``minute`` (60 s).
"""

from __future__ import annotations

import html
import math
from typing import Sequence

import libsbml

from .errors import SBMLExportError
from .infix import formula_ast

LEVEL, VERSION = 3, 2

# Names that the L3 infix parser reads as constants/operators, never as SIds.
RESERVED = {"time", "t", "pi", "e", "exponentiale", "avogadro", "true", "false", "inf", "infinity",
            "nan", "notanumber", "INF", "NaN", "and", "or", "not", "xor"}


def check(code: object, what: str) -> None:
    """Raise SBMLExportError unless a libsbml call returned success (or an object)."""
    if code is None:
        raise SBMLExportError(f"libsbml: {what} failed (returned None)")
    if isinstance(code, int) and code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(f"libsbml: {what} failed: {libsbml.OperationReturnValue_toString(code)}")


def set_notes(obj: libsbml.SBase, lines: Sequence[str]) -> None:
    """Attach XHTML notes to an SBML element, one paragraph per line (escaped)."""
    body = "".join(f"<p>{html.escape(s)}</p>" for s in lines)
    check(obj.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'), "setNotes")


class DocumentBuilder:
    """An SBML L3V2 document with one model whose time unit is the minute."""

    def __init__(self, model_id: str) -> None:
        """Create the document, its model `model_id` and the ``minute`` unit definition."""
        self.doc = libsbml.SBMLDocument(LEVEL, VERSION)
        self.model = self.doc.createModel()
        check(self.model, "createModel")
        check(self.model.setId(model_id), "Model.setId")
        ud = self.model.createUnitDefinition()
        check(ud, "createUnitDefinition")
        check(ud.setId("minute"), "UnitDefinition.setId")
        u = ud.createUnit()
        check(u, "createUnit")
        check(u.setKind(libsbml.UNIT_KIND_SECOND), "Unit.setKind")
        check(u.setExponent(1), "Unit.setExponent")
        check(u.setScale(0), "Unit.setScale")
        check(u.setMultiplier(60.0), "Unit.setMultiplier")
        check(self.model.setTimeUnits("minute"), "Model.setTimeUnits")
        self.ids: set[str] = set()

    def parameter(self, sid: str, value: float | None, constant: bool,
                  notes: Sequence[str] = ()) -> libsbml.Parameter:
        """A global parameter `sid` (value None: set by a rule or initial assignment)."""
        if sid in self.ids:
            raise SBMLExportError(f"SBML id {sid!r} would be defined twice")
        if sid in RESERVED:
            raise SBMLExportError(f"{sid!r} is a reserved name in SBML formulas")
        if not libsbml.SyntaxChecker.isValidSBMLSId(sid):
            raise SBMLExportError(f"{sid!r} is not a valid SBML identifier")
        self.ids.add(sid)
        prm = self.model.createParameter()
        check(prm, "createParameter")
        check(prm.setId(sid), f"Parameter.setId({sid})")
        check(prm.setConstant(constant), f"Parameter.setConstant({sid})")
        if value is not None:
            if not math.isfinite(float(value)):
                raise SBMLExportError(f"parameter {sid}: non-finite value {value}")
            check(prm.setValue(float(value)), f"Parameter.setValue({sid})")
        if notes:
            set_notes(prm, notes)
        return prm

    def rate_rule(self, sid: str, formula: str) -> None:
        """d(sid)/dt = formula (per minute)."""
        r = self.model.createRateRule()
        check(r, "createRateRule")
        check(r.setVariable(sid), f"RateRule.setVariable({sid})")
        check(r.setMath(formula_ast(formula)), f"RateRule.setMath({sid})")

    def assignment_rule(self, sid: str, formula: str) -> None:
        """sid = formula at every instant."""
        r = self.model.createAssignmentRule()
        check(r, "createAssignmentRule")
        check(r.setVariable(sid), f"AssignmentRule.setVariable({sid})")
        check(r.setMath(formula_ast(formula)), f"AssignmentRule.setMath({sid})")

    def initial_assignment(self, sid: str, formula: str) -> None:
        """sid = formula at the start of the simulation."""
        ia = self.model.createInitialAssignment()
        check(ia, "createInitialAssignment")
        check(ia.setSymbol(sid), f"InitialAssignment.setSymbol({sid})")
        check(ia.setMath(formula_ast(formula)), f"InitialAssignment.setMath({sid})")

    def event(self, eid: str, trigger: str, assignments: Sequence[tuple[str, str]]) -> None:
        """An event `eid` that fires once when `trigger` becomes true (persistent, not true
        at the start) and assigns each (variable, formula), with values from the trigger time."""
        ev = self.model.createEvent()
        check(ev, "createEvent")
        check(ev.setId(eid), f"Event.setId({eid})")
        check(ev.setUseValuesFromTriggerTime(True), "Event.setUseValuesFromTriggerTime")
        trig = ev.createTrigger()
        check(trig, "createTrigger")
        check(trig.setInitialValue(False), "Trigger.setInitialValue")
        check(trig.setPersistent(True), "Trigger.setPersistent")
        check(trig.setMath(formula_ast(trigger)), f"Trigger.setMath({eid})")
        for var, formula in assignments:
            ea = ev.createEventAssignment()
            check(ea, "createEventAssignment")
            check(ea.setVariable(var), f"EventAssignment.setVariable({var})")
            check(ea.setMath(formula_ast(formula)), f"EventAssignment.setMath({var})")
