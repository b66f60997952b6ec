"""`ketasim export omex`: a regimen's simulation as a COMBINE/OMEX archive that reproduces ketasim.

The archive holds the SBML export of the regimen's model (the doses as SBML events and
initial values), a SED-ML L1V3 uniform time course with a report and plots, and the
manifest. Executed by `ketasim.export.omex_run` (python-libsedml reads the SED-ML,
libRoadRunner runs the task), its report matches `ketasim.simulate` (SciPy reference) to
`agreement.TOLERANCE` (1e-4) relative, outside values below `agreement.FLOOR` of the
observable's largest magnitude. Loading the whole exported model takes libRoadRunner a few
seconds, so every round trip here (about 10 s each) runs in the default suite.
"""

from __future__ import annotations

import io
import zipfile
import xml.etree.ElementTree as ET

import numpy as np
import pytest

libsedml = pytest.importorskip("libsedml")

import libsbml  # noqa: E402

import ketasim  # noqa: E402
from ketasim import DoseEvent, Patient  # noqa: E402
from ketasim.cli import main  # noqa: E402
from ketasim.engine.assembler import assemble  # noqa: E402
from ketasim.engine.module import Module  # noqa: E402
from ketasim.export.agreement import TOLERANCE, worst_differences  # noqa: E402
from ketasim.export.omex import (DEFAULT_OBSERVABLES, KISAO_CVODE, MANIFEST_NS,  # noqa: E402
                                 TimeCourse, archive_files, parameter_target, regimen_archive, sedml_errors,
                                 to_sedml, zip_bytes)
from ketasim.export.omex_run import OmexRunError, read_archive, run_archive  # noqa: E402
from ketasim.export.sbml import to_sbml  # noqa: E402
from ketasim.parameters import Parameter  # noqa: E402

INFUSION = (DoseEvent("ketamine", "iv", 0.5, per_kg=True, duration=40),)
ORAL_REPEATS = (DoseEvent("ketamine", "oral", 50.0, every="12 h", count=4),)
COURSE = (DoseEvent("ketamine", "iv", 0.5, per_kg=True, duration=40, every="2 d", count=3),)
SENTINEL = b"sentinel: must survive\n"


def run_cli(capsys, *args):
    """`ketasim ARGS` in process: (exit status, non-empty stderr lines)."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    err = capsys.readouterr().err
    return info.value.code, [ln for ln in err.splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def infusion_archive(tmp_path_factory):
    """`ketasim export omex` of ketamine 0.5 mg/kg IV over 40 min, 6 h at 1-min steps."""
    out = tmp_path_factory.mktemp("omex") / "infusion.omex"
    with pytest.raises(SystemExit) as info:
        main(["export", "omex", "--out", str(out), "--duration", "6 h"])
    assert info.value.code in (0, None)
    return out


def agreement(report, regimen, patient: Patient, duration: float, names) -> dict[str, float]:
    """Worst relative difference per observable of the archive's report against ketasim."""
    ts = report["time"]
    ref = ketasim.simulate(regimen, patient=patient, duration=f"{duration} min", times=ts,
                           backend="scipy").sel(time=ts)
    got = np.stack([report[n] for n in names], axis=1)
    worst = worst_differences(got, np.stack([ref[n].values for n in names], axis=1), list(names))
    assert all(np.abs(ref[n].values).max() > 0 for n in names)
    return {n: err for n, (err, _) in worst.items()}


def test_archive_structure(infusion_archive):
    files = read_archive(infusion_archive)
    assert set(files) == {"manifest.xml", "model.xml", "simulation.sedml"}
    with zipfile.ZipFile(infusion_archive) as z:
        assert z.namelist()[0] == "manifest.xml"
    root = ET.fromstring(files["manifest.xml"])
    assert root.tag == f"{{{MANIFEST_NS}}}omexManifest"
    content = {c.get("location"): (c.get("format"), c.get("master")) for c in root}
    assert content == {
        ".": ("http://identifiers.org/combine.specifications/omex", None),
        "./manifest.xml": ("http://identifiers.org/combine.specifications/omex-manifest", None),
        "./model.xml": ("http://identifiers.org/combine.specifications/sbml.level-3.version-2", None),
        "./simulation.sedml": ("http://identifiers.org/combine.specifications/sed-ml.level-1.version-3", "true"),
    }
    sbml = libsbml.readSBMLFromString(files["model.xml"].decode())
    n = sbml.checkConsistency()
    assert [sbml.getError(i).getMessage() for i in range(n)
            if sbml.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR] == []
    model = sbml.getModel()
    assert (sbml.getLevel(), sbml.getVersion(), model.getTimeUnits()) == (3, 2, "minute")
    # the infusion: its rate from time 0 (an initial assignment), its end an event at 40 min
    assert model.getNumEvents() == 1
    assert libsbml.formulaToL3String(model.getEvent(0).getTrigger().getMath()) == "time >= 40"
    text = files["simulation.sedml"].decode()
    assert sedml_errors(text) == []
    doc = libsedml.readSedMLFromString(text)
    assert (doc.getLevel(), doc.getVersion()) == (1, 3)
    assert doc.getNumModels() == 1 and doc.getModel(0).getSource() == "model.xml"
    sim = doc.getSimulation(0)
    assert (sim.getInitialTime(), sim.getOutputStartTime(), sim.getOutputEndTime(), sim.getNumberOfPoints()) \
        == (0.0, 0.0, 360.0, 360)
    assert sim.getAlgorithm().getKisaoID() == KISAO_CVODE
    task = doc.getTask(0)
    assert doc.getModel(task.getModelReference()) is not None
    assert doc.getSimulation(task.getSimulationReference()) is not None
    ids = {model.getParameter(i).getId() for i in range(model.getNumParameters())}
    for name in DEFAULT_OBSERVABLES:
        dg = doc.getDataGenerator(f"dg_{name}")
        assert dg.getVariable(0).getTarget() == parameter_target(name) and name in ids
        assert dg.getVariable(0).getTaskReference() == task.getId()
    report = doc.getOutput("report")
    labels = [report.getDataSet(i).getLabel() for i in range(report.getNumDataSets())]
    assert labels == ["time", *DEFAULT_OBSERVABLES]
    for i in range(report.getNumDataSets()):
        assert doc.getDataGenerator(report.getDataSet(i).getDataReference()) is not None
    assert doc.getNumOutputs() == 1 + len(DEFAULT_OBSERVABLES)   # the report and a plot per observable


def test_infusion_archive_reproduces_ketasim(infusion_archive):
    report = run_archive(infusion_archive)
    assert report.labels == ("time", *DEFAULT_OBSERVABLES)
    assert np.array_equal(report["time"], np.arange(0.0, 361.0))
    worst = agreement(report, INFUSION, Patient(), 360.0, DEFAULT_OBSERVABLES)
    assert max(worst.values()) <= TOLERANCE, worst


def test_repeated_oral_doses_reproduce_ketasim(tmp_path):
    """Four oral doses 12 h apart at 80 kg: the later three are SBML events that add to the gut."""
    out = tmp_path / "oral.omex"
    with pytest.raises(SystemExit) as info:
        main(["export", "omex", "--out", str(out), "--route", "oral", "--dose", "50 mg", "--repeat-every", "12 h",
              "--repeat-count", "4", "--weight", "80 kg", "--duration", "2 d", "--step", "10 min",
              "--observable", "plasma_ketamine", "--observable", "plasma_norketamine", "--observable", "madrs"])
    assert info.value.code in (0, None)
    model = libsbml.readSBMLFromString(read_archive(out)["model.xml"].decode()).getModel()
    assert [libsbml.formulaToL3String(model.getEvent(i).getTrigger().getMath())
            for i in range(model.getNumEvents())] == ["time >= 720", "time >= 1440", "time >= 2160"]
    report = run_archive(out)
    assert len(report["time"]) == 289
    names = ("plasma_ketamine", "plasma_norketamine", "madrs")
    worst = agreement(report, ORAL_REPEATS, Patient(weight_kg=80.0), 2880.0, names)
    assert max(worst.values()) <= TOLERANCE, worst


def test_repeated_infusions_reproduce_ketasim_on_more_layers(tmp_path):
    """Three infusions two days apart over six days, the default and later layers' observables."""
    names = (*DEFAULT_OBSERVABLES, "nmda_block_pyramidal", "bdnf", "spine_density")
    out = tmp_path / "course.omex"
    files = regimen_archive(COURSE, Patient(), 6 * 1440.0, observables=names, step="10 min")
    out.write_bytes(zip_bytes(files))
    report = run_archive(out)
    worst = agreement(report, COURSE, Patient(), 6 * 1440.0, names)
    assert max(worst.values()) <= TOLERANCE, worst


def test_tellurium_runs_the_archive(infusion_archive, tmp_path):
    """A second SED-ML engine, tellurium's executor (where tellurium is installed), reproduces
    ketasim as well (its data generators: it writes the report only with its outputs)."""
    te = pytest.importorskip("tellurium")
    import matplotlib

    matplotlib.use("Agg")
    results = te.executeCombineArchive(str(infusion_archive), workingDir=str(tmp_path), createOutputs=False,
                                       saveOutputs=False)
    (run,) = results.values()
    table = {dg[3:]: np.asarray(values, dtype=float).ravel() for dg, values in run["dataGenerators"].items()}
    assert set(table) == {"time", *DEFAULT_OBSERVABLES}
    assert np.array_equal(table["time"], np.arange(0.0, 361.0))
    worst = agreement(table, INFUSION, Patient(), 360.0, DEFAULT_OBSERVABLES)
    assert max(worst.values()) <= TOLERANCE, worst


# ---- the executor on a small model: changes honoured, what it does not run refused ----

def _decay_model():
    """x' = -k x, x(0) = 2 (observable: x itself, dimensionless)."""
    mod = Module(name="m", equations="dx/dt = -k*x : 1", parameters=(Parameter("k", 0.1, "1/min", "test"),),
                 initial={"x": 2.0})
    return assemble((mod,), species="human", hypotheses={})


def _decay_sedml(course=TimeCourse(end=10.0, points=10)) -> tuple[str, str]:
    """(SBML, SED-ML) of the decay model with a report of the state x (a parameter in SBML)."""
    model = _decay_model()
    sbml = to_sbml(model, form="rules")
    doc = libsedml.readSedMLFromString(to_sedml(model, [], course))
    dg = doc.createDataGenerator()
    dg.setId("dg_x")
    var = dg.createVariable()
    var.setId("var_x")
    var.setTaskReference("task")
    var.setTarget(parameter_target("m__x"))
    dg.setMath(libsedml.parseL3Formula("2 * var_x - 1"))
    ds = doc.getOutput("report").createDataSet()
    ds.setId("ds_x")
    ds.setLabel("x")
    ds.setDataReference("dg_x")
    return sbml, doc


def _run(tmp_path, sbml: str, doc) -> "object":
    text = libsedml.writeSedMLToString(doc)
    path = tmp_path / "decay.omex"
    path.write_bytes(zip_bytes(archive_files(sbml, text)))
    return run_archive(path)


def test_executor_honours_model_changes_and_data_generator_math(tmp_path):
    pytest.importorskip("roadrunner")
    sbml, doc = _decay_sedml()
    report = _run(tmp_path, sbml, doc)
    t = np.arange(0.0, 11.0)
    assert np.allclose(report["time"], t)
    assert np.allclose(report["x"], 2 * 2.0 * np.exp(-0.1 * t) - 1, rtol=1e-6)
    change = doc.getModel("model").createChangeAttribute()
    change.setTarget(parameter_target("m__k") + "/@value")
    change.setNewValue("0.3")
    assert sedml_errors(libsedml.writeSedMLToString(doc)) == []
    report = _run(tmp_path, sbml, doc)
    # 2x - 1 crosses zero near t = 4.6 min, where only an absolute bound means anything: CVODE at
    # rtol 1e-8 with the archive's BDF order cap (3) is about 4e-7 off there
    assert np.allclose(report["x"], 2 * 2.0 * np.exp(-0.3 * t) - 1, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("breakage, words", [
    (lambda doc: doc.getSimulation(0).getAlgorithm().setKisaoID("KISAO:0000030"), "only CVODE"),
    (lambda doc: doc.getModel(0).setSource("elsewhere.xml"), "'elsewhere.xml' is not in the archive"),
    (lambda doc: doc.getDataGenerator("dg_x").setMath(libsedml.parseL3Formula("sin(var_x)")), "is not run"),
    (lambda doc: doc.getModel(0).createAddXML().setTarget("/sbml:sbml"), "only changeAttribute changes"),
])
def test_executor_refuses_what_it_does_not_run(tmp_path, breakage, words):
    pytest.importorskip("roadrunner")
    sbml, doc = _decay_sedml()
    breakage(doc)
    with pytest.raises(OmexRunError, match=words):
        _run(tmp_path, sbml, doc)


def test_executor_refuses_a_repeated_task(tmp_path):
    sbml, doc = _decay_sedml()
    rt = doc.createRepeatedTask()
    rt.setId("repeat")
    rt.setResetModel(True)
    rng = rt.createUniformRange()
    rng.setId("r")
    rng.setStart(0)
    rng.setEnd(1)
    rng.setNumberOfPoints(1)
    rng.setType("linear")
    rt.setRangeId("r")
    sub = rt.createSubTask()
    sub.setTask("task")
    sub.setOrder(1)
    doc.getDataGenerator("dg_x").getVariable(0).setTaskReference("repeat")
    with pytest.raises(OmexRunError, match="only plain tasks"):
        _run(tmp_path, sbml, doc)


# ---- refusals: one line, exit 2, no file written ----

@pytest.mark.parametrize("args, line", [
    (["--step", "7 min"], "error: --step: the duration (360 min) is not a whole number of steps of 7 min "
                          "(a SED-ML uniform time course has equal intervals)"),
    (["--step", "0 min"], "error: --step: must be a positive time (got 0 min)"),
    (["--duration", "730 d", "--step", "1 min"], "error: --step: at most 200,000 output intervals (got 1,051,200)"),
    (["--observable", "plasma_ketamin"],
     "error: --observable: unknown observable 'plasma_ketamin'; did you mean 'plasma_ketamine'?"),
    (["--form", "inline"], "error: --form: unknown SBML form 'inline' (one of staged, rules)"),
    (["--hypothesis", "nmda_block=foo"], "error: --hypothesis nmda_block: unknown value 'foo' (one of "
                                         "quasi_steady, kinetic)"),
    (["--route", "ip"], None),
    (["--repeat-count", "3"], "error: --repeat-every: a positive interval is needed when the count is 3"),
    (["--weight", "5 kg"], "error: --weight: a human weighs 30 to 200 kg (got 5 kg)"),
])
def test_refusals_are_one_line_and_write_nothing(tmp_path, capsys, args, line):
    out = tmp_path / "x.omex"
    out.write_bytes(SENTINEL)
    code, err = run_cli(capsys, "export", "omex", "--out", str(out), "--duration", "6 h", *args)
    assert code == 2 and len(err) == 1, err
    assert err[0] == line if line else err[0].startswith(f"error: {args[0]}: ")
    assert out.read_bytes() == SENTINEL
    assert [p.name for p in tmp_path.iterdir()] == ["x.omex"]   # no temporary left


def test_the_output_is_checked_before_any_work(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_bytes(SENTINEL)
    code, err = run_cli(capsys, "export", "omex", "--out", str(afile / "x.omex"))
    assert code == 2 and len(err) == 1 and err[0].startswith("error: --out: ")
    assert afile.read_bytes() == SENTINEL


def test_zip_bytes_round_trip():
    files = {"manifest.xml": b"<a/>", "model.xml": b"<b/>"}
    with zipfile.ZipFile(io.BytesIO(zip_bytes(files))) as z:
        assert {n: z.read(n) for n in z.namelist()} == files
