"""SBML export: valid L3V2, complete, and in the staged form small where engines inline rules.

The round trips through libRoadRunner and COPASI are in tests/test_sbml_engines.py.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

libsbml = pytest.importorskip("libsbml")

import ketasim  # noqa: E402
from ketasim import DoseEvent, Patient  # noqa: E402
from ketasim.engine.assembler import assemble  # noqa: E402
from ketasim.engine.module import Module  # noqa: E402
from ketasim.errors import InputError  # noqa: E402
from ketasim.export.inlined_size import inlined_size  # noqa: E402
from ketasim.export.sbml import (TAU_ID, build_document, export_sbml_command, infix,  # noqa: E402
                                 to_sbml, to_sbml_file)
from ketasim.export.staging import (INLINE_BUDGET, STAGE_TAU, choose_stored, inlined_sizes,  # noqa: E402
                                    readers, tree_size)
from ketasim.mechanisms.registry import HYPOTHESES, build_model  # noqa: E402
from ketasim.parameters import Parameter  # noqa: E402
from ketasim.simulate import model_for, schedule_for  # noqa: E402

STANDARD = (DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0, duration=40),)
MIXED = STANDARD + (DoseEvent("ketamine", "oral", 50.0, start=60),
                    DoseEvent("ketamine", "iv", 10.0, start=200))


def _read(text: str):
    doc = libsbml.readSBMLFromString(text)
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    return doc


def _exported(regimen, patient: Patient, duration: float, form: str = "staged"):
    model = model_for(regimen, patient.species, None)
    model = model.with_parameters(model.parameters.with_mapping(patient.overrides()))
    sched = schedule_for(model, regimen, patient.weight, duration)
    return model, sched, to_sbml(model, sched, form)


def _errors(doc) -> list[str]:
    n = doc.checkConsistency()
    return [doc.getError(i).getMessage() for i in range(n)
            if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


@pytest.mark.parametrize("form", ["staged", "rules"])
def test_default_model_validates(form):
    doc = _read(to_sbml(build_model(), form=form))
    assert doc.getLevel() == 3 and doc.getVersion() == 2
    assert _errors(doc) == []
    assert doc.getModel().getTimeUnits() == "minute"


def test_model_with_schedule_validates():
    _, sched, text = _exported(MIXED, Patient(), 360.0)
    doc = _read(text)
    assert _errors(doc) == []
    assert doc.getModel().getNumEvents() == len(sched.breaks) - 2  # break 0 is the initial state


@pytest.mark.parametrize("form", ["staged", "rules"])
def test_every_name_is_exported(form):
    model = build_model()
    sbml = _read(to_sbml(model, form=form)).getModel()
    stored = set(choose_stored(model)) if form == "staged" else set()
    assert (len(stored) > 10) == (form == "staged")
    ids = {sbml.getParameter(i).getId() for i in range(sbml.getNumParameters())}
    for sym, value in zip(model.param_symbols, model.param_vector):
        assert sym in ids
        prm = sbml.getParameter(sym)
        # libSBML writes doubles with 15 significant digits
        assert prm.getConstant() and prm.getValue() == pytest.approx(value, rel=1e-14)
    for s in model.states:
        assert s.symbol in ids and not sbml.getParameter(s.symbol).getConstant()
        assert sbml.getRateRule(s.symbol) is not None
    for c in model.dose_channels:
        assert f"u_{c}" in ids
    outputs = {o.name for o in model.observables}
    for o in model.observables:
        assert sbml.getAssignmentRule(o.name) is not None
    for a in model.assignments:
        sid = f"{a.symbol}__canonical" if a.symbol in outputs else a.symbol
        assert sid in ids
        if a.symbol in stored:   # a stage state: relaxes onto its expression, starts on it
            assert sbml.getAssignmentRule(sid) is None and sbml.getRateRule(sid) is not None
            assert sbml.getParameter(sid).isSetValue()
            assert TAU_ID in libsbml.formulaToL3String(sbml.getRateRule(sid).getMath())
        else:
            assert sbml.getAssignmentRule(sid) is not None and sbml.getRateRule(sid) is None
    n_expected = (len(model.param_symbols) + len(model.states) + len(model.dose_channels)
                  + len(model.assignments) + len(model.observables) + (1 if stored else 0))
    assert sbml.getNumParameters() == n_expected
    assert sbml.getNumRules() == len(model.states) + len(model.assignments) + len(model.observables)
    assert (TAU_ID in ids) == bool(stored)
    if stored:
        assert sbml.getParameter(TAU_ID).getValue() == STAGE_TAU


def test_staged_form_is_small_where_rules_are_inlined():
    """What libRoadRunner compiles: millions of nodes in the rules form, tens of thousands staged."""
    model = build_model()
    rules = inlined_size(build_document(model, form="rules"))
    staged = inlined_size(build_document(model, form="staged"))
    assert rules.rules == staged.rules
    assert rules.inlined > 1_000_000 and rules.largest > 100_000
    assert staged.inlined < 50_000 and staged.largest < 2_000
    assert staged.direct < 1.2 * rules.direct     # the same equations, written once
    for species in ("rat", "mouse"):
        assert inlined_size(build_document(build_model(species), form="staged")).inlined < 50_000, species


@pytest.mark.parametrize("switch", list(HYPOTHESES))
def test_every_hypothesis_alternative_stays_small(switch):
    for value in HYPOTHESES[switch][1:]:
        model = build_model(hypotheses={switch: value})
        assert model.hypotheses[switch] == value
        stored = choose_stored(model)
        sizes, read = inlined_sizes(model, stored), readers(model)
        # what other rules inline is within the budget; what is compiled once is small
        assert all(sizes[s] <= INLINE_BUDGET for s in sizes if read[s] and s not in stored), f"{switch}={value}"
        assert max(sizes.values()) < 2_000, f"{switch}={value}"


def test_stage_states_start_on_ketasim_values():
    """A stored observable's initial value in the file is ketasim's own value at t = 0."""
    model, _, text = _exported(STANDARD, Patient(weight_kg=80.0), 360.0)
    sbml = _read(text).getModel()
    stored = [s for s in choose_stored(model) if s in set(model.observable_names)]
    assert stored
    ds = ketasim.simulate(STANDARD, patient=Patient(weight_kg=80.0), duration="1 h", backend="scipy")
    factor = {o.name: o.factor for o in model.observables}
    for name in stored:
        got = sbml.getParameter(f"{name}__canonical").getValue()
        assert got == pytest.approx(float(ds[name].values[0]) * factor[name], rel=1e-9, abs=1e-300), name


def _chain_model():
    """x' = -k x (1 + d/1000) with a = x**2 + x (5 nodes), b = a**2 + a (13), c = b**2 + b (29),
    d = c + 1 (31), counting as sympy writes them (a*a is a**2: a power node, a, 2)."""
    mod = Module(name="m", equations="""
        dx/dt = -k*x*(1 + d/1000) : 1
        a = x*x + x : 1
        b = a*a + a : 1
        c = b*b + b : 1
        d = c + 1 : 1
    """, parameters=(Parameter("k", 1.0, "1/min", "test"),), initial={"x": 1.0})
    return assemble((mod,), species="human", hypotheses={})


def test_tree_size_counts_inlined_nodes():
    x, y = sp.symbols("x y")
    assert tree_size(x * y + x, {}) == 5
    assert tree_size(x * y + x, {"x": 3}) == 9
    model = _chain_model()
    sizes = inlined_sizes(model)
    assert [sizes[f"m__{n}"] for n in "abcd"] == [5, 13, 29, 31]


@pytest.mark.parametrize("budget, stored", [
    (100, ()), (20, ("m__c",)), (10, ("m__b",)), (4, ("m__a", "m__b", "m__c")),
    (2, ("m__a", "m__b", "m__c", "m__d"))])
def test_choose_stored_keeps_every_read_expression_within_budget(budget, stored):
    model = _chain_model()
    assert choose_stored(model, budget) == stored
    sizes = inlined_sizes(model, stored)
    # measured with the stores: every assignment read as an expression is within the budget
    assert all(sizes[s] <= budget for s in sizes if s not in stored)


def test_infix_printer():
    x, y, t = sp.symbols("x y t")
    for expr, want in [(sp.log(x), "ln"), (sp.exp(x), "exp"), (sp.Max(x, y), "max"), (x ** y, "pow")]:
        assert want in infix(expr)
    assert infix(x * t) in ("(x * time)", "(time * x)")
    assert libsbml.parseL3Formula(infix(sp.Piecewise((x, x > 1), (y, True)))) is not None


def test_file_and_command(tmp_path):
    out = tmp_path / "model.xml"
    to_sbml_file(build_model(), out)
    assert _errors(libsbml.readSBMLFromFile(str(out))) == []
    text = export_sbml_command(None)
    assert text.startswith("<?xml") and TAU_ID in text
    msg = export_sbml_command(str(tmp_path / "dosed.xml"), STANDARD, 360.0)
    assert "wrote" in msg
    assert libsbml.readSBMLFromFile(str(tmp_path / "dosed.xml")).getModel().getNumEvents() == 1
    uniform = export_sbml_command(None, hypotheses={"circuit_block": "uniform"}, form="rules")
    assert "nmda_block_mean" in uniform and TAU_ID not in uniform
    assert "nmda_block_mean" not in text
    with pytest.raises(InputError, match="form: unknown SBML form 'inline'"):
        export_sbml_command(None, form="inline")


def test_cli_selects_hypotheses_and_form(tmp_path):
    out = tmp_path / "kinetic.xml"
    r = subprocess.run([sys.executable, "-m", "ketasim.cli", "export", "sbml", "--out", str(out),
                        "--hypothesis", "nmda_block=kinetic", "--form", "rules"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    model = build_model(hypotheses={"nmda_block": "kinetic"})
    sbml = libsbml.readSBMLFromFile(str(out)).getModel()
    assert sbml.getNumRules() == len(model.states) + len(model.assignments) + len(model.observables)
    assert len(model.states) > len(build_model().states)    # the kinetic block is integrated
    assert sbml.getParameter(TAU_ID) is None
    r = subprocess.run([sys.executable, "-m", "ketasim.cli", "export", "sbml", "--form", "inline"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and r.stderr.strip() == "error: --form: unknown SBML form 'inline' (one of staged, rules)"
