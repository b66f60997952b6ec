"""Export an `AssembledModel` (and optionally a dosing `Schedule`) to SBML Level 3 Version 2.

Everything is written as SBML ``parameter``s in ketasim's canonical units (minute, mg,
L (= dm^3), µmol); the model's ``timeUnits`` is a unit definition for the minute and
ketasim's time symbol ``t`` is SBML's ``time`` csymbol. Naming scheme (SIds):

* state ``<module>__<name>``: non-constant parameter with a ``rateRule`` (the
  derivative). A dose channel additionally gets a non-constant parameter
  ``u_<state>`` (mg/min, initial 0) added to its rate rule (zero-order input).
* model parameter ``<module>__<name>``: constant parameter with its canonical value; its
  declared value, unit, source and description are in the parameter's ``notes``.
* assignment ``<symbol>``: non-constant parameter in canonical units, defined by an
  ``assignmentRule`` - or, in the ``staged`` form, when it is one of the stored
  assignments (`staging.choose_stored`), by a ``rateRule`` that relaxes it onto its
  expression, ``(expression - <symbol>) / stage_tau``, with its value at the start as its
  initial value (see `staging` for why and how close). The canonical value of an
  observable is renamed ``<name>__canonical`` (every reference is renamed with it), so that
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

Forms (`FORMS`): ``staged`` (the default) keeps the expression an engine compiles small
when the engine inlines assignment rules (libRoadRunner); ``rules`` writes every
assignment as an assignment rule - exact, for engines that evaluate the rules in order
(COPASI), but libRoadRunner takes more than 20 minutes to load the full model in it.

Initial values of states are numbers when constant, else ``initialAssignment``s of their
(canonical) initial expression in terms of the parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import libsbml
import numpy as np
import sympy as sp

from ..choices import unknown_name
from ..engine.dosing import Schedule
from ..engine.model import AssembledModel
from ..errors import InputError
from ..units import canonical_unit, unit
from .document import DocumentBuilder
from .errors import SBMLExportError
from .infix import infix
from .staging import STAGE_TAU, choose_stored, stage_initial_values

FORMS = ("staged", "rules")
TAU_ID = "stage_tau"

__all__ = ["FORMS", "SBMLExportError", "build_document", "export_sbml_command", "infix",
           "check_form", "initial_states", "to_sbml", "to_sbml_file"]


def canon_label(text: str) -> str:
    """The canonical unit of a declared unit text, for notes ('canonical' if unreadable)."""
    try:
        return f"{canonical_unit(unit(text).dimensionality):~}" or "1"
    except Exception:  # noqa: BLE001 - a label only
        return "canonical"


def initial_states(model: AssembledModel, schedule: Schedule | None = None) -> np.ndarray:
    """The state vector at the start (canonical units): initial values plus segment 0's bolus."""
    _, _, init = model.functions("numpy")
    y0 = np.asarray(init(model.param_vector), dtype=float)
    if schedule is not None and schedule.segments > 0:
        y0 = y0 + np.asarray(schedule.jumps[0], dtype=float)
    return y0


def check_form(form: str) -> None:
    """Refuse (InputError naming `form`) a form that is not one of `FORMS`."""
    if form not in FORMS:
        raise InputError(unknown_name("form", "SBML form", form, FORMS))


def stored_of(model: AssembledModel, form: str) -> tuple[str, ...]:
    """The assignments that `form` stores as stage states (none in the ``rules`` form)."""
    check_form(form)
    return choose_stored(model) if form == "staged" else ()


def build_document(model: AssembledModel, schedule: Schedule | None = None,
                   model_id: str = "ketasim", form: str = "staged") -> libsbml.SBMLDocument:
    """The libsbml document for `model` in `form` (see the module docstring for the mapping)."""
    stored = stored_of(model, form)
    b = DocumentBuilder(model_id)
    obs_names = {o.name for o in model.observables}
    rename = {n: f"{n}__canonical" for n in obs_names}
    state_syms = [s.symbol for s in model.states]
    chan_index = {c: j for j, c in enumerate(model.dose_channels)}
    p_values = dict(zip(model.param_symbols, model.param_vector))

    # parameters
    for sym, name in zip(model.param_symbols, model.param_names):
        rec = model.parameters[name]
        notes = [f"canonical value in {canon_label(rec.unit)}; declared {rec.value!r} {rec.unit}",
                 f"source: {rec.source}"]
        if rec.description:
            notes.append(rec.description)
        if rec.note:
            notes.append(rec.note)
        b.parameter(rename.get(sym, sym), p_values[sym], True, notes)
    if stored:
        b.parameter(TAU_ID, STAGE_TAU, True,
                    ["relaxation time (min) of the stored assignments onto their expressions: "
                     "d(stored)/dt = (expression - stored) / stage_tau",
                     "stored so that engines which inline assignment rules compile each shared "
                     "expression once (ketasim.export.staging)"])

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
                                 f"({canon_label(model.states[i].unit)})"])
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
                    [f"state {s.module}.{s.name}, canonical unit {canon_label(s.unit)} "
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

    # assignments (topological order): rules, or stage states relaxing onto their expression
    start = (dict(zip(stored, stage_initial_values(model, stored, model.param_vector,
                                                   initial_states(model, schedule))))
             if stored else {})
    for a in model.assignments:
        sid = rename.get(a.symbol, a.symbol)
        label = f"{a.module}.{a.name}, canonical unit {canon_label(a.unit)} (declared {a.unit})"
        if a.symbol in start:
            b.parameter(sid, start[a.symbol], False,
                        [label, "stored: relaxes onto its expression with time constant stage_tau; "
                         "initial value = the expression at the start"])
            b.rate_rule(sid, f"({infix(a.expr, rename)} - {sid}) / {TAU_ID}")
        else:
            b.parameter(sid, None, False, [label])
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


def to_sbml(model: AssembledModel, schedule: Schedule | None = None, form: str = "staged") -> str:
    """The model (and optionally its dosing schedule) as an SBML L3V2 string in `form`."""
    doc = build_document(model, schedule, form=form)
    text = libsbml.writeSBMLToString(doc)
    if not text:
        raise SBMLExportError("libsbml could not write the document")
    return text


def to_sbml_file(model: AssembledModel, path: str | Path, schedule: Schedule | None = None,
                 form: str = "staged") -> Path:
    """Write `to_sbml(model, schedule, form)` to `path`; returns the path."""
    path = Path(path)
    path.write_text(to_sbml(model, schedule, form), encoding="utf-8")
    return path


def export_sbml_command(out_path: str | None, regimen: Sequence | None = None,
                        duration_min: float | None = None, weight_kg: float | None = None,
                        hypotheses: Mapping[str, str] | None = None, species: str = "human",
                        form: str = "staged") -> str:
    """CLI body: the model for `species` and `hypotheses` (every switch selectable; the
    defaults where not given), with the regimen's schedule when given, as SBML in `form`.

    Writes `out_path` and returns a one-line message, or returns the SBML text when
    `out_path` is None. A regimen needs `duration_min`; weight defaults to the standard
    adult (70 kg).
    """
    from ..mechanisms.registry import build_model
    from ..patient import Patient

    check_form(form)
    schedule = None
    if regimen:
        from ..simulate import model_for, schedule_for

        regimen = tuple(regimen)
        if duration_min is None:
            raise ValueError("duration: needed to export a regimen")
        patient = Patient(species=species, weight_kg=weight_kg)
        model = model_for(regimen, species, hypotheses)
        model = model.with_parameters(model.parameters.with_mapping(patient.overrides()))
        schedule = schedule_for(model, regimen, patient.weight, float(duration_min))
    else:
        model = build_model(species, dict(hypotheses or {}))
    text = to_sbml(model, schedule, form)
    if out_path is None:
        return text
    Path(out_path).write_text(text, encoding="utf-8")
    return f"wrote {out_path} ({len(model.states)} states, {len(model.param_symbols)} parameters)"
