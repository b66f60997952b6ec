"""SBML export: valid L3V2, complete, and libRoadRunner reproduces ketasim's observables."""

from __future__ import annotations

import numpy as np
import pytest

libsbml = pytest.importorskip("libsbml")

import ketasim  # noqa: E402
from ketasim import DoseEvent, Patient  # noqa: E402
from ketasim.export.sbml import export_sbml_command, infix, to_sbml, to_sbml_file  # noqa: E402
from ketasim.mechanisms.registry import build_model  # noqa: E402
from ketasim.simulate import model_for, schedule_for  # noqa: E402

STANDARD = (DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0, duration=40),)
MIXED = STANDARD + (DoseEvent("ketamine", "oral", 50.0, start=60),
                    DoseEvent("ketamine", "iv", 10.0, start=200))
TS = np.arange(361.0)


def _read(text: str):
    doc = libsbml.readSBMLFromString(text)
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    return doc


def _without_circuit(species: str):
    """PK and receptor layers only: libRoadRunner compiles the circuit surrogate's exponentials slowly."""
    from ketasim.engine.assembler import assemble
    from ketasim.mechanisms.nmda import nmda_module
    from ketasim.mechanisms.offtargets import offtarget_module
    from ketasim.mechanisms.registry import pk_modules

    return assemble(pk_modules() + (nmda_module(), offtarget_module()), species=species, hypotheses={})


def _exported(regimen, patient: Patient, duration: float, full: bool = True):
    model = model_for(regimen, patient.species, None) if full else _without_circuit(patient.species)
    model = model.with_parameters(model.parameters.with_mapping(patient.overrides()))
    sched = schedule_for(model, regimen, patient.weight, duration)
    return model, sched, to_sbml(model, sched)


def _errors(doc) -> list[str]:
    n = doc.checkConsistency()
    return [doc.getError(i).getMessage() for i in range(n)
            if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def test_default_model_validates():
    doc = _read(to_sbml(build_model()))
    assert doc.getLevel() == 3 and doc.getVersion() == 2
    assert _errors(doc) == []
    assert doc.getModel().getTimeUnits() == "minute"


def test_model_with_schedule_validates():
    _, sched, text = _exported(MIXED, Patient(), 360.0)
    doc = _read(text)
    assert _errors(doc) == []
    assert doc.getModel().getNumEvents() == len(sched.breaks) - 2  # break 0 is the initial state


def test_every_name_is_exported():
    model = build_model()
    doc = _read(to_sbml(model))
    sbml = doc.getModel()
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
    for o in model.observables:
        assert sbml.getAssignmentRule(o.name) is not None
        assert sbml.getAssignmentRule(f"{o.name}__canonical") is not None
    outputs = {o.name for o in model.observables}
    for a in model.assignments:
        assert (f"{a.symbol}__canonical" if a.symbol in outputs else a.symbol) in ids
    n_expected = (len(model.param_symbols) + len(model.states) + len(model.dose_channels)
                  + len(model.assignments) + len(model.observables))
    assert sbml.getNumParameters() == n_expected
    assert sbml.getNumRules() == len(model.states) + len(model.assignments) + len(model.observables)


def test_infix_printer():
    import sympy as sp

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
    assert text.startswith("<?xml")
    msg = export_sbml_command(str(tmp_path / "dosed.xml"), STANDARD, 360.0)
    assert "wrote" in msg
    assert libsbml.readSBMLFromFile(str(tmp_path / "dosed.xml")).getModel().getNumEvents() == 1


def _rel_err(a: np.ndarray, b: np.ndarray) -> float:
    floor = np.maximum(np.abs(b), 1e-6 * np.abs(b).max())
    floor = np.where(floor > 0, floor, 1.0)
    return float(np.max(np.abs(a - b) / floor))


# libRoadRunner takes minutes to compile the full model with the circuit surrogate, and one
# to three minutes for the PK and receptor layers alone, so the default suite round-trips
# those layers once, under the mixed regimen (infusion, oral dose and bolus); the other
# regimens, weights and the full model run with -m slow.
@pytest.mark.parametrize("regimen,weight,full", [
    pytest.param(STANDARD, 70.0, False, marks=pytest.mark.slow), (MIXED, 70.0, False),
    pytest.param(MIXED, 80.0, False, marks=pytest.mark.slow),
    pytest.param(STANDARD, 70.0, True, marks=pytest.mark.slow)],
    ids=["standard-infusion", "infusion+oral+bolus", "mixed-80kg", "full-model"])
def test_roadrunner_matches_scipy(regimen, weight, full):
    roadrunner = pytest.importorskip("roadrunner")
    patient = Patient(weight_kg=weight)
    model, _, text = _exported(regimen, patient, 360.0, full)
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    names = list(model.observable_names)
    res = np.asarray(rr.simulate(times=TS, selections=["time"] + names))
    np.testing.assert_allclose(res[:, 0], TS)
    ref = ketasim.simulate(regimen, patient=patient, duration="6 h", times=TS, backend="scipy")
    names = [n for n in names if n in ref]
    bad = {}
    for j, name in enumerate(names):
        err = _rel_err(res[:, j + 1], ref[name].values)
        if err > 1e-4:
            bad[name] = err
    assert not bad, f"observables differ from the SciPy reference: {bad}"
    assert np.abs(ref["plasma_ketamine"].values).max() > 0
