"""A regimen's simulation as a COMBINE/OMEX archive: the SBML model, a SED-ML L1V3 file, a manifest.

The archive (a zip file, COMBINE archive specification 1.0) holds three entries:

* ``manifest.xml``: the OMEX manifest, listing the archive itself, the manifest, the model
  (format ``sbml.level-3.version-2``) and the SED-ML file (``sed-ml.level-1.version-3``,
  marked ``master``);
* ``model.xml``: the SBML export (`sbml.to_sbml`) of the model built for the regimen's
  drugs, with the patient's parameters (weight, genotypes, stress) and the regimen's
  `Schedule` in it. **How the regimen is encoded**: as SBML itself, the way the SBML
  export writes a schedule. The doses at time 0 are initial values (a bolus is added to its
  state by an ``initialAssignment``, an infusion's rate is the initial value of its input
  ``u_<state>``), every later dose start and infusion end is an event ``dose_<k>`` with
  trigger ``time >= t_k`` that adds the boluses and sets the infusion rates of segment k.
  So any engine that runs SBML events runs the regimen, and the SED-ML task is one plain
  task; no SED-ML model changes or repeated tasks are needed (every option of the
  regimen compiles to a `Schedule`, and every `Schedule` is such events);
* ``simulation.sedml``: SED-ML Level 1 Version 3: the model (``source="model.xml"``), one
  ``uniformTimeCourse`` in the SBML's time unit, the minute (initial time 0, output from 0
  to the duration, ``numberOfPoints`` intervals, so numberOfPoints + 1 rows), the
  algorithm CVODE (KISAO:0000019; the staged form is stiff and needs a BDF method) with
  the tolerances of the export's round trips (`engines.RTOL`, `engines.ATOL`,
  `engines.MAX_STEPS`: KISAO:0000209, KISAO:0000211, KISAO:0000415) and its maximum BDF
  order (`engines.MAX_BDF_ORDER`, KISAO:0000219; see there why), one task, a data
  generator per observable (``dg_<name>``: the SBML parameter of that name, in the
  observable's declared unit) and for time (``dg_time``), one report ``report`` (columns
  ``time`` and the observables, each dataSet labelled by its name) and one 2-D plot per
  observable against time.

`ketasim.export.omex_run.run_archive` executes such an archive (python-libsedml and
libRoadRunner); tellurium's SED-ML executor runs it as well.
"""

from __future__ import annotations

import html
import io
import math
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..choices import check_name
from ..engine.model import AssembledModel
from ..errors import InputError
from ..limits import MAX_OUTPUT_INTERVALS, check_count
from ..units import QuantityLike, minutes
from .engines import ATOL, MAX_BDF_ORDER, MAX_STEPS, RTOL
from .errors import SBMLExportError

SEDML_LEVEL, SEDML_VERSION = 1, 3
MODEL_FILE = "model.xml"
SEDML_FILE = "simulation.sedml"
MANIFEST_FILE = "manifest.xml"
MANIFEST_NS = "http://identifiers.org/combine.specifications/omex-manifest"
FORMATS = {  # manifest format URIs (identifiers.org, COMBINE specifications)
    "omex": "http://identifiers.org/combine.specifications/omex",
    "manifest": MANIFEST_NS,
    "sbml": "http://identifiers.org/combine.specifications/sbml.level-3.version-2",
    "sedml": "http://identifiers.org/combine.specifications/sed-ml.level-1.version-3",
}
SBML_NS = "http://www.sbml.org/sbml/level3/version2/core"
SBML_LANGUAGE = "urn:sedml:language:sbml.level-3.version-2"
TIME_SYMBOL = "urn:sedml:symbol:time"
KISAO_CVODE = "KISAO:0000019"
KISAO_RTOL, KISAO_ATOL, KISAO_MAX_STEPS = "KISAO:0000209", "KISAO:0000211", "KISAO:0000415"
KISAO_MAX_BDF_ORDER = "KISAO:0000219"   # 'maximum stiff order' (BDF), as libRoadRunner's maximum_bdf_order
TASK_ID, SIM_ID, MODEL_ID, REPORT_ID = "task", "timecourse", "model", "report"
DEFAULT_OBSERVABLES = ("plasma_ketamine", "brain_ketamine", "madrs")


def parameter_target(sid: str) -> str:
    """The SED-ML XPath of the SBML (global) parameter `sid`."""
    return f"/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='{sid}']"


@dataclass(frozen=True)
class TimeCourse:
    """A uniform time course in minutes (the SBML's time unit): from `start` (the model's
    initial time and the first output) to `end` in `points` equal intervals."""

    end: float
    points: int
    start: float = 0.0

    @property
    def step(self) -> float:
        """The output interval, minutes."""
        return (self.end - self.start) / self.points

    def times(self):
        """The output times (numberOfPoints + 1 of them), minutes."""
        import numpy as np

        return np.linspace(self.start, self.end, self.points + 1)


def default_step(duration: float) -> float:
    """The output step (min) when none is given: 1 min up to a day, 10 min beyond."""
    return 1.0 if duration <= 1440.0 else 10.0


def time_course(duration: float, step: QuantityLike | None, field: str = "--step") -> TimeCourse:
    """The archive's time course over [0, duration] minutes at `step` (a quantity; None:
    `default_step`). Refused (InputError naming `field`): a step that is not positive, not
    a whole fraction of the duration (SED-ML's uniform time course has equal intervals
    ending at the duration), or more than `limits.MAX_OUTPUT_INTERVALS` intervals."""
    dt = default_step(duration) if step is None else minutes(step, field)
    if not dt > 0:
        raise InputError(f"{field}: must be a positive time (got {dt:g} min)")
    n = duration / dt
    if n > MAX_OUTPUT_INTERVALS:
        check_count(math.ceil(n), MAX_OUTPUT_INTERVALS, field, "output intervals")
    k = max(int(round(n)), 1)
    if abs(n - k) > 1e-9 * max(n, 1.0):
        raise InputError(f"{field}: the duration ({duration:g} min) is not a whole number of steps of {dt:g} min "
                         "(a SED-ML uniform time course has equal intervals)")
    return TimeCourse(end=float(duration), points=k)


def check_observables(model: AssembledModel, names: Sequence[str], field: str = "--observable") -> tuple[str, ...]:
    """`names` (default: those of `DEFAULT_OBSERVABLES` that the model has), each an observable
    of `model` (InputError naming `field` otherwise), without repeats, in order."""
    known = list(model.observable_names)
    if not names:
        return tuple(n for n in DEFAULT_OBSERVABLES if n in known)
    out: list[str] = []
    for n in names:
        check_name(n, known, field, "observable")
        if n not in out:
            out.append(n)
    return tuple(out)


def _check(code: object, what: str) -> None:
    """Raise SBMLExportError unless a libsedml call returned success (or an object)."""
    import libsedml

    if code is None:
        raise SBMLExportError(f"libsedml: {what} failed (returned None)")
    if isinstance(code, int) and code != libsedml.LIBSEDML_OPERATION_SUCCESS:
        raise SBMLExportError(f"libsedml: {what} failed ({code})")


def sedml_document(model: AssembledModel, observables: Sequence[str], course: TimeCourse,
                   description: str = ""):
    """The libsedml SedDocument (L1V3) of the archive (see the module docstring)."""
    import libsedml

    obs = {o.name: o for o in model.observables}
    doc = libsedml.SedDocument(SEDML_LEVEL, SEDML_VERSION)
    _check(doc.getNamespaces().add(SBML_NS, "sbml"), "declare the sbml namespace prefix of the XPath targets")
    if description:
        _check(doc.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(description)}</p></body>'),
               "setNotes")
    m = doc.createModel()
    for call, value in (("setId", MODEL_ID), ("setLanguage", SBML_LANGUAGE), ("setSource", MODEL_FILE)):
        _check(getattr(m, call)(value), f"Model.{call}")
    sim = doc.createUniformTimeCourse()
    _check(sim.setId(SIM_ID), "UniformTimeCourse.setId")
    _check(sim.setInitialTime(course.start), "setInitialTime")
    _check(sim.setOutputStartTime(course.start), "setOutputStartTime")
    _check(sim.setOutputEndTime(course.end), "setOutputEndTime")
    _check(sim.setNumberOfPoints(course.points), "setNumberOfPoints")
    alg = sim.createAlgorithm()
    _check(alg.setKisaoID(KISAO_CVODE), "Algorithm.setKisaoID")
    for kisao, value in ((KISAO_RTOL, RTOL), (KISAO_ATOL, ATOL), (KISAO_MAX_STEPS, MAX_STEPS),
                         (KISAO_MAX_BDF_ORDER, MAX_BDF_ORDER)):
        ap = alg.createAlgorithmParameter()
        _check(ap.setKisaoID(kisao), "AlgorithmParameter.setKisaoID")
        _check(ap.setValue(repr(value) if isinstance(value, float) else str(value)), "AlgorithmParameter.setValue")
    task = doc.createTask()
    _check(task.setId(TASK_ID), "Task.setId")
    _check(task.setModelReference(MODEL_ID), "Task.setModelReference")
    _check(task.setSimulationReference(SIM_ID), "Task.setSimulationReference")

    def generator(name: str, label: str, target: str | None) -> str:
        """A data generator dg_<name> of one variable (the SBML id `name`, or time)."""
        dg = doc.createDataGenerator()
        _check(dg.setId(f"dg_{name}"), f"DataGenerator.setId({name})")
        _check(dg.setName(label), f"DataGenerator.setName({name})")
        var = dg.createVariable()
        _check(var.setId(f"var_{name}"), f"Variable.setId({name})")
        _check(var.setTaskReference(TASK_ID), f"Variable.setTaskReference({name})")
        if target is None:
            _check(var.setSymbol(TIME_SYMBOL), "Variable.setSymbol(time)")
        else:
            _check(var.setTarget(target), f"Variable.setTarget({name})")
        _check(dg.setMath(libsedml.parseL3Formula(f"var_{name}")), f"DataGenerator.setMath({name})")
        return f"dg_{name}"

    columns = [("time", generator("time", "time (min)", None))]
    for n in observables:
        columns.append((n, generator(n, f"{obs[n].long_name} ({obs[n].unit})", parameter_target(n))))
    report = doc.createReport()
    _check(report.setId(REPORT_ID), "Report.setId")
    _check(report.setName("time (min) and the observables in their declared units"), "Report.setName")
    for label, ref in columns:
        ds = report.createDataSet()
        _check(ds.setId(f"ds_{label}"), f"DataSet.setId({label})")
        _check(ds.setLabel(label), f"DataSet.setLabel({label})")
        _check(ds.setDataReference(ref), f"DataSet.setDataReference({label})")
    for label, ref in columns[1:]:
        plot = doc.createPlot2D()
        _check(plot.setId(f"plot_{label}"), f"Plot2D.setId({label})")
        _check(plot.setName(f"{label} ({obs[label].unit})"), f"Plot2D.setName({label})")
        c = plot.createCurve()
        _check(c.setId(f"curve_{label}"), f"Curve.setId({label})")
        _check(c.setLogX(False), "Curve.setLogX")
        _check(c.setLogY(False), "Curve.setLogY")
        _check(c.setXDataReference("dg_time"), "Curve.setXDataReference")
        _check(c.setYDataReference(ref), f"Curve.setYDataReference({label})")
    return doc


def sedml_errors(text: str) -> list[str]:
    """What libsedml finds wrong reading the SED-ML `text` (python-libsedml 2.x checks a
    document as it reads it: required attributes, known elements, the level and version):
    the messages of its errors (and fatal ones)."""
    import libsedml

    doc = libsedml.readSedMLFromString(text)
    log = doc.getErrorLog()
    return [log.getError(i).getMessage().strip() for i in range(log.getNumErrors())
            if log.getError(i).getSeverity() >= libsedml.LIBSEDML_SEV_ERROR]


def to_sedml(model: AssembledModel, observables: Sequence[str], course: TimeCourse, description: str = "") -> str:
    """The SED-ML text, checked by libsedml (SBMLExportError if it finds an error)."""
    import libsedml

    text = libsedml.writeSedMLToString(sedml_document(model, observables, course, description))
    if not text:
        raise SBMLExportError("libsedml could not write the SED-ML document")
    errors = sedml_errors(text)
    if errors:
        raise SBMLExportError(f"libsedml finds the SED-ML invalid: {errors[0]}")
    return text


def manifest_xml(entries: Mapping[str, str], master: str = SEDML_FILE) -> bytes:
    """The OMEX manifest of the archive itself, the manifest and `entries` (file name ->
    format URI), `master` marked as the file to execute."""
    ET.register_namespace("", MANIFEST_NS)
    root = ET.Element(f"{{{MANIFEST_NS}}}omexManifest")
    rows = [(".", FORMATS["omex"]), (f"./{MANIFEST_FILE}", FORMATS["manifest"])]
    rows += [(f"./{name}", fmt) for name, fmt in entries.items()]
    for location, fmt in rows:
        attrs = {"location": location, "format": fmt}
        if location == f"./{master}":
            attrs["master"] = "true"
        ET.SubElement(root, f"{{{MANIFEST_NS}}}content", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def archive_files(sbml: str, sedml: str) -> dict[str, bytes]:
    """The archive's entries (name -> bytes), the manifest first."""
    return {MANIFEST_FILE: manifest_xml({MODEL_FILE: FORMATS["sbml"], SEDML_FILE: FORMATS["sedml"]}),
            MODEL_FILE: sbml.encode("utf-8"), SEDML_FILE: sedml.encode("utf-8")}


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """The archive as zip bytes (deflated; entries in the given order)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def write_archive(path: Path, files: Mapping[str, bytes]) -> None:
    """Write the archive's zip bytes to `path` (the caller writes atomically)."""
    Path(path).write_bytes(zip_bytes(files))


def regimen_archive(regimen: Sequence, patient=None, duration: float = 1440.0,
                    hypotheses: Mapping[str, str] | None = None, form: str = "staged",
                    observables: Sequence[str] = (), step: QuantityLike | None = None,
                    parameters: Mapping[str, float] | None = None, description: str = "",
                    fields: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """The archive's entries for a regimen given to `patient` over `duration` minutes (the
    simulation `ketasim.simulate(regimen, patient, duration, hypotheses, parameters=...)`
    runs): the model built for the regimen's drugs with the patient's (and `parameters`')
    values and the regimen's schedule as SBML in `form`, and its SED-ML time course at
    `step` with `observables` (default `DEFAULT_OBSERVABLES`) as report columns.

    Every input is checked before the export: the form, the time course (`time_course`),
    the observables (`check_observables`); errors name `fields[...]` ('step',
    'observable'; the command line's options by default)."""
    from ..patient import Patient
    from ..simulate import model_for, schedule_for
    from .sbml import check_form, to_sbml

    fields = {"step": "--step", "observable": "--observable", **dict(fields or {})}
    regimen = tuple(regimen)
    patient = patient or Patient()
    check_form(form)
    course = time_course(float(duration), step, fields["step"])
    model = model_for(regimen, patient.species, hypotheses)
    names = check_observables(model, observables, fields["observable"])
    if not names:
        raise InputError(f"{fields['observable']}: the model has none of the default observables "
                         f"({', '.join(DEFAULT_OBSERVABLES)}); name one")
    pset = model.parameters.with_mapping(patient.overrides(), "patient").with_mapping(dict(parameters or {}))
    model = model.with_parameters(pset)
    schedule = schedule_for(model, regimen, patient.weight, float(duration))
    sbml = to_sbml(model, schedule, form)
    return archive_files(sbml, to_sedml(model, names, course, description))
