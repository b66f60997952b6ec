"""Export an `AssembledModel` (and optionally a dosing `Schedule`) to SBML Level 3 Version 2.

Everything is written as SBML ``parameter``s in ketasim's canonical units (minute, mg,
L (= dm^3), µmol); the model's ``timeUnits`` is a unit definition for the minute and
ketasim's time symbol ``t`` is SBML's ``time`` csymbol. Naming scheme (SIds):

* state ``<module>__<name>``: non-constant parameter with a ``rateRule`` (the
  derivative). A dose channel additionally gets a non-constant parameter
  ``u_<state>`` (mg/min, initial 0) added to its rate rule (zero-order input).
* model parameter ``<module>__<name>``: constant parameter with its canonical value; its
  declared value, unit, source and description are in the parameter's ``notes``.
* assignment ``<symbol>``: non-constant parameter with an ``assignmentRule`` in
  canonical units. The canonical value of an observable is renamed
  ``<name>__canonical`` (every reference is renamed with it), so that
* observable ``<name>``: the parameter named exactly like the observable holds the value
  in its DECLARED unit (``<name>__canonical / factor``), as in `ketasim.simulate` output.
* dosing (only when a `Schedule` is given), K segments ``breaks[k]..breaks[k+1]``:
  ``jump_<k>_<state>`` (constant, mg or canonical unit of the state) for every nonzero
  bolus jump, and ``rate_<k>_<chan>`` (constant, mg/min) for every segment k and every
  channel that is infused in any segment (channels never infused keep ``u_* = 0``).
  Segment 0 is applied as initial values (``initialAssignment``s: state = initial +
  ``jump_0_<state>``, ``u_<chan>`` = ``rate_0_<chan>``); each later break is an event
  ``dose_<k>`` with trigger ``time >= breaks[k]`` (initialValue false, persistent,
  useValuesFromTriggerTime true) assigning ``state := state + jump_<k>_<state>`` and
  ``u_<chan> := rate_<k>_<chan>``. Because the amounts are parameters, another patient's
  schedule with the same pattern can be simulated by setting parameter values only.

Initial values of states are numbers when constant, else ``initialAssignment``s of their
(canonical) initial expression in terms of the parameters.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Sequence

import libsbml
import numpy as np
import sympy as sp

from ..engine.dosing import Schedule
from ..engine.model import AssembledModel
from ..units import canonical_unit, unit

LEVEL, VERSION = 3, 2

# Names that the L3 infix parser reads as constants/operators, never as SIds.
_RESERVED = {"time", "t", "pi", "e", "exponentiale", "avogadro", "true", "false", "inf", "infinity",
             "nan", "notanumber", "INF", "NaN", "and", "or", "not", "xor"}


class SBMLExportError(RuntimeError):
    """libsbml refused an operation, or the model cannot be expressed in SBML."""


def _check(code, what: str) -> None:
    """Raise unless a libsbml call returned LIBSBML_OPERATION_SUCCESS (or an object)."""
    if code is None:
        raise SBMLExportError(f"libsbml: {what} failed (returned None)")
    if isinstance(code, int) and code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(f"libsbml: {what} failed: {libsbml.OperationReturnValue_toString(code)}")


# ----- sympy -> L3 infix --------------------------------------------------------------

def _num(x) -> str:
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

    def p(e) -> str:
        if isinstance(e, sp.Symbol):
            return "time" if e.name == "t" else rename.get(e.name, e.name)
        if e.is_Number:
            return _num(e)
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
        funcs = {sp.Max: "max", sp.Min: "min", sp.Abs: "abs", sp.sin: "sin", sp.cos: "cos",
                 sp.tan: "tan", sp.tanh: "tanh", sp.floor: "floor", sp.ceiling: "ceil"}
        for cls, name in funcs.items():
            if isinstance(e, cls):
                return f"{name}(" + ", ".join(p(a) for a in e.args) + ")"
        rel = {sp.StrictGreaterThan: ">", sp.GreaterThan: ">=", sp.StrictLessThan: "<",
               sp.LessThan: "<=", sp.Equality: "==", sp.Unequality: "!="}
        for cls, op in rel.items():
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


def _math(formula: str) -> libsbml.ASTNode:
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise SBMLExportError(f"libsbml could not parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return ast


# ----- document building ---------------------------------------------------------------

def _notes(obj, lines: Sequence[str]) -> None:
    body = "".join(f"<p>{html.escape(s)}</p>" for s in lines)
    _check(obj.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'), "setNotes")


def _canon_label(text: str) -> str:
    try:
        return f"{canonical_unit(unit(text).dimensionality):~}" or "1"
    except Exception:  # noqa: BLE001 - a label only
        return "canonical"


class _Builder:
    def __init__(self, model_id: str):
        self.doc = libsbml.SBMLDocument(LEVEL, VERSION)
        self.model = self.doc.createModel()
        _check(self.model, "createModel")
        _check(self.model.setId(model_id), "Model.setId")
        ud = self.model.createUnitDefinition()
        _check(ud, "createUnitDefinition")
        _check(ud.setId("minute"), "UnitDefinition.setId")
        u = ud.createUnit()
        _check(u, "createUnit")
        _check(u.setKind(libsbml.UNIT_KIND_SECOND), "Unit.setKind")
        _check(u.setExponent(1), "Unit.setExponent")
        _check(u.setScale(0), "Unit.setScale")
        _check(u.setMultiplier(60.0), "Unit.setMultiplier")
        _check(self.model.setTimeUnits("minute"), "Model.setTimeUnits")
        self.ids: set[str] = set()

    def parameter(self, sid: str, value: float | None, constant: bool, notes: Sequence[str] = ()):
        if sid in self.ids:
            raise SBMLExportError(f"SBML id {sid!r} would be defined twice")
        if sid in _RESERVED:
            raise SBMLExportError(f"{sid!r} is a reserved name in SBML formulas")
        if not libsbml.SyntaxChecker.isValidSBMLSId(sid):
            raise SBMLExportError(f"{sid!r} is not a valid SBML identifier")
        self.ids.add(sid)
        prm = self.model.createParameter()
        _check(prm, "createParameter")
        _check(prm.setId(sid), f"Parameter.setId({sid})")
        _check(prm.setConstant(constant), f"Parameter.setConstant({sid})")
        if value is not None:
            if not math.isfinite(float(value)):
                raise SBMLExportError(f"parameter {sid}: non-finite value {value}")
            _check(prm.setValue(float(value)), f"Parameter.setValue({sid})")
        if notes:
            _notes(prm, notes)
        return prm

    def rate_rule(self, sid: str, formula: str) -> None:
        r = self.model.createRateRule()
        _check(r, "createRateRule")
        _check(r.setVariable(sid), f"RateRule.setVariable({sid})")
        _check(r.setMath(_math(formula)), f"RateRule.setMath({sid})")

    def assignment_rule(self, sid: str, formula: str) -> None:
        r = self.model.createAssignmentRule()
        _check(r, "createAssignmentRule")
        _check(r.setVariable(sid), f"AssignmentRule.setVariable({sid})")
        _check(r.setMath(_math(formula)), f"AssignmentRule.setMath({sid})")

    def initial_assignment(self, sid: str, formula: str) -> None:
        ia = self.model.createInitialAssignment()
        _check(ia, "createInitialAssignment")
        _check(ia.setSymbol(sid), f"InitialAssignment.setSymbol({sid})")
        _check(ia.setMath(_math(formula)), f"InitialAssignment.setMath({sid})")

    def event(self, eid: str, trigger: str, assignments: Sequence[tuple[str, str]]) -> None:
        ev = self.model.createEvent()
        _check(ev, "createEvent")
        _check(ev.setId(eid), f"Event.setId({eid})")
        _check(ev.setUseValuesFromTriggerTime(True), "Event.setUseValuesFromTriggerTime")
        trig = ev.createTrigger()
        _check(trig, "createTrigger")
        _check(trig.setInitialValue(False), "Trigger.setInitialValue")
        _check(trig.setPersistent(True), "Trigger.setPersistent")
        _check(trig.setMath(_math(trigger)), f"Trigger.setMath({eid})")
        for var, formula in assignments:
            ea = ev.createEventAssignment()
            _check(ea, "createEventAssignment")
            _check(ea.setVariable(var), f"EventAssignment.setVariable({var})")
            _check(ea.setMath(_math(formula)), f"EventAssignment.setMath({var})")


def build_document(model: AssembledModel, schedule: Schedule | None = None,
                   model_id: str = "ketasim") -> libsbml.SBMLDocument:
    """The libsbml document for `model` (see the module docstring for the mapping)."""
    b = _Builder(model_id)
    obs_names = {o.name for o in model.observables}
    rename = {n: f"{n}__canonical" for n in obs_names}
    state_syms = [s.symbol for s in model.states]
    chan_index = {c: j for j, c in enumerate(model.dose_channels)}
    p_values = dict(zip(model.param_symbols, model.param_vector))

    # parameters
    for sym, name in zip(model.param_symbols, model.param_names):
        rec = model.parameters[name]
        notes = [f"canonical value in {_canon_label(rec.unit)}; declared {rec.value!r} {rec.unit}",
                 f"source: {rec.source}"]
        if rec.description:
            notes.append(rec.description)
        if rec.note:
            notes.append(rec.note)
        b.parameter(rename.get(sym, sym), p_values[sym], True, notes)

    # dosing parameters
    K = 0
    infused: list[int] = []
    if schedule is not None:
        jumps = np.asarray(schedule.jumps, dtype=float)
        rates = np.asarray(schedule.rates, dtype=float)
        K = len(schedule.breaks) - 1
        if jumps.shape != (K, len(state_syms)) or rates.shape != (K, len(model.dose_channels)):
            raise SBMLExportError("schedule does not match the model (jumps/rates shape)")
        infused = [j for j in range(len(model.dose_channels)) if np.any(rates[:, j] != 0.0)]
        for k in range(K):
            for i, s in enumerate(state_syms):
                if jumps[k, i] != 0.0:
                    b.parameter(f"jump_{k}_{s}", jumps[k, i], True,
                                [f"bolus added to {s} at t = {schedule.breaks[k]:g} min "
                                 f"({_canon_label(model.states[i].unit)})"])
            for j in infused:
                c = model.dose_channels[j]
                b.parameter(f"rate_{k}_{c}", rates[k, j], True,
                            [f"infusion rate into {c} from t = {schedule.breaks[k]:g} min (mg/min)"])

    # states
    for i, s in enumerate(model.states):
        init = sp.sympify(s.initial)
        has_jump0 = schedule is not None and K > 0 and schedule.jumps[0][i] != 0.0
        numeric = not init.free_symbols
        b.parameter(s.symbol, float(init) if numeric else None, False,
                    [f"state {s.module}.{s.name}, canonical unit {_canon_label(s.unit)} "
                     f"(declared {s.unit})"])
        if not numeric or has_jump0:
            formula = infix(init, rename)
            if has_jump0:
                formula = f"{formula} + jump_0_{s.symbol}"
            b.initial_assignment(s.symbol, formula)
        if s.symbol in chan_index:
            j = chan_index[s.symbol]
            b.parameter(f"u_{s.symbol}", 0.0, False,
                        [f"zero-order input into {s.symbol} (mg/min)"])
            if schedule is not None and K > 0 and j in infused:
                b.initial_assignment(f"u_{s.symbol}", f"rate_0_{s.symbol}")

    # assignments (topological order) and observables
    for a in model.assignments:
        sid = rename.get(a.symbol, a.symbol)
        b.parameter(sid, None, False, [f"{a.module}.{a.name}, canonical unit {_canon_label(a.unit)} "
                                       f"(declared {a.unit})"])
        b.assignment_rule(sid, infix(a.expr, rename))
    for o in model.observables:
        b.parameter(o.name, None, False, [f"{o.long_name} in {o.unit}", f"source: {o.source}"])
        factor = float(o.factor)
        b.assignment_rule(o.name, rename[o.name] if factor == 1.0 else f"{rename[o.name]} / {repr(factor)}")

    # rate rules
    for s, d in zip(model.states, model.derivatives):
        formula = infix(d, rename)
        if s.symbol in chan_index:
            formula = f"{formula} + u_{s.symbol}"
        b.rate_rule(s.symbol, formula)

    # events for breaks 1..K-1
    if schedule is not None:
        for k in range(1, K):
            assigns = [(s, f"{s} + jump_{k}_{s}") for i, s in enumerate(state_syms)
                       if schedule.jumps[k][i] != 0.0]
            assigns += [(f"u_{model.dose_channels[j]}", f"rate_{k}_{model.dose_channels[j]}") for j in infused]
            if assigns:
                b.event(f"dose_{k}", f"time >= {repr(float(schedule.breaks[k]))}", assigns)
    return b.doc


def to_sbml(model: AssembledModel, schedule: Schedule | None = None) -> str:
    """The model (and optionally its dosing schedule) as an SBML L3V2 string."""
    doc = build_document(model, schedule)
    text = libsbml.writeSBMLToString(doc)
    if not text:
        raise SBMLExportError("libsbml could not write the document")
    return text


def to_sbml_file(model: AssembledModel, path: str | Path, schedule: Schedule | None = None) -> Path:
    """Write `to_sbml(model, schedule)` to `path`; returns the path."""
    path = Path(path)
    path.write_text(to_sbml(model, schedule), encoding="utf-8")
    return path


def export_sbml_command(out_path: str | None, regimen=None, duration_min: float | None = None,
                        weight_kg: float | None = None) -> str:
    """CLI body: the default model (with the regimen's schedule when given) as SBML.

    Writes `out_path` and returns a one-line message, or returns the SBML text when
    `out_path` is None. A regimen needs `duration_min`; weight defaults to the standard
    adult (70 kg).
    """
    from ..mechanisms.registry import build_model
    from ..patient import Patient

    schedule = None
    if regimen:
        from ..simulate import model_for, schedule_for

        regimen = tuple(regimen)
        if duration_min is None:
            raise ValueError("duration: needed to export a regimen")
        patient = Patient() if weight_kg is None else Patient(weight_kg=weight_kg)
        model = model_for(regimen, patient.species, None)
        model = model.with_parameters(model.parameters.with_mapping(patient.overrides()))
        schedule = schedule_for(model, regimen, patient.weight, float(duration_min))
    else:
        model = build_model()
    text = to_sbml(model, schedule)
    if out_path is None:
        return text
    Path(out_path).write_text(text, encoding="utf-8")
    return f"wrote {out_path} ({len(model.states)} states, {len(model.param_symbols)} parameters)"
