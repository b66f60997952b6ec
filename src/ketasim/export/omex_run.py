"""Execute a COMBINE/OMEX archive's SED-ML with python-libsedml and libRoadRunner.

A small, strict SED-ML executor, enough for the archives `ketasim export omex` writes and
for archives like them; it refuses (`OmexRunError`) what it does not run rather than run
something else:

* the archive: a zip with ``manifest.xml``; the SED-ML file is the manifest's ``master``
  entry (else its only SED-ML entry);
* models: SBML (``urn:sedml:language:sbml...``) read from a file in the archive, or derived
  from another model of the document; ``changeAttribute`` changes of an SBML element's
  numeric attribute (``value``, ``size``, ``initialAmount``, ``initialConcentration``) by
  its id, applied to the SBML before it is loaded (so initial assignments see them);
  other changes (XML changes, computed changes) are refused;
* simulations: ``uniformTimeCourse`` (initial time, output start and end, numberOfPoints
  intervals) with the algorithm CVODE (KISAO:0000019) and its parameters relative
  tolerance (KISAO:0000209), absolute tolerance (KISAO:0000211), maximum number of
  steps (KISAO:0000415) and maximum BDF order (KISAO:0000219); other algorithms or
  parameters are refused;
* tasks: plain ``task``s (``repeatedTask`` is refused);
* data generators: arithmetic (+, -, *, /, power, numbers, the generator's parameters) of
  variables that name an SBML element by id (an XPath
  ``/sbml:sbml/sbml:model/sbml:listOfX/sbml:x[@id='ID']``) or the time symbol;
* outputs: a ``report``'s data sets, returned as a `Report` (plots are not drawn).

libRoadRunner is the dev extra's (`pip install ketasim[dev]`); both imports happen when
called.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .omex import FORMATS, KISAO_ATOL, KISAO_CVODE, KISAO_MAX_BDF_ORDER, KISAO_MAX_STEPS, KISAO_RTOL, MANIFEST_FILE, MANIFEST_NS, TIME_SYMBOL

XPATH = re.compile(r"^/sbml:sbml/sbml:model/sbml:listOf\w+/sbml:\w+\[@id=(['\"])([A-Za-z_]\w*)\1\](?:/@(\w+))?$")
NUMERIC_ATTRIBUTES = {"value": "setValue", "size": "setSize", "initialAmount": "setInitialAmount",
                      "initialConcentration": "setInitialConcentration"}


class OmexRunError(RuntimeError):
    """The archive or its SED-ML is broken, or asks for what this executor does not run."""


@dataclass(frozen=True)
class Report:
    """A SED-ML report's data: `labels` (each data set's label, else its id) and `data`
    (rows: output times; columns: data sets, in the report's order)."""

    id: str
    labels: tuple[str, ...]
    data: np.ndarray

    def __getitem__(self, label: str) -> np.ndarray:
        """The column of the data set labelled `label`."""
        if label not in self.labels:
            raise KeyError(f"report {self.id} has no data set {label!r} (it has {', '.join(self.labels)})")
        return self.data[:, self.labels.index(label)]


def read_archive(path: str | Path) -> dict[str, bytes]:
    """The archive's entries (name, without a leading './' -> bytes)."""
    try:
        with zipfile.ZipFile(path) as z:
            return {_name(n): z.read(n) for n in z.namelist() if not n.endswith("/")}
    except (OSError, zipfile.BadZipFile) as exc:
        raise OmexRunError(f"{path}: not a readable COMBINE archive ({exc})") from None


def _name(location: str) -> str:
    """An archive location as an entry name ('./model.xml' -> 'model.xml')."""
    return location[2:] if location.startswith("./") else location.lstrip("/")


def manifest(files: Mapping[str, bytes]) -> list[dict[str, str]]:
    """The manifest's content entries (location, format, master), as attribute mappings."""
    if MANIFEST_FILE not in files:
        raise OmexRunError(f"the archive has no {MANIFEST_FILE}")
    root = ET.fromstring(files[MANIFEST_FILE])
    if root.tag != f"{{{MANIFEST_NS}}}omexManifest":
        raise OmexRunError(f"{MANIFEST_FILE}: the root is {root.tag}, not an OMEX manifest")
    return [dict(c.attrib) for c in root.findall(f"{{{MANIFEST_NS}}}content")]


def master_sedml(files: Mapping[str, bytes]) -> str:
    """The SED-ML entry to execute: the manifest's master, else its only SED-ML entry."""
    entries = [e for e in manifest(files) if e.get("format", "").startswith(FORMATS["sedml"].rsplit(".level", 1)[0])]
    masters = [e for e in entries if e.get("master") == "true"]
    pick = masters or entries
    if len(pick) != 1:
        raise OmexRunError(f"the manifest names {len(pick)} SED-ML files to run (expected one master)")
    name = _name(pick[0]["location"])
    if name not in files:
        raise OmexRunError(f"the manifest lists {name}, which the archive lacks")
    return name


def run_archive(path: str | Path, report: str | None = None) -> Report:
    """Execute the archive's master SED-ML and return the report `report` (default: its first)."""
    files = read_archive(path)
    return run_sedml(files, master_sedml(files), report)


def run_sedml(files: Mapping[str, bytes], sedml_name: str, report: str | None = None) -> Report:
    """Execute the SED-ML entry `sedml_name` of `files` and return the report `report`."""
    import libsedml

    doc = libsedml.readSedMLFromString(files[sedml_name].decode("utf-8"))
    log = doc.getErrorLog()
    errors = [log.getError(i).getMessage().strip() for i in range(log.getNumErrors())
              if log.getError(i).getSeverity() >= libsedml.LIBSEDML_SEV_ERROR]
    if errors:
        raise OmexRunError(f"{sedml_name}: libsedml: {errors[0]}")
    reports = [doc.getOutput(i) for i in range(doc.getNumOutputs())
               if doc.getOutput(i).getTypeCode() == libsedml.SEDML_OUTPUT_REPORT]
    if not reports:
        raise OmexRunError(f"{sedml_name}: no report")
    chosen = reports[0] if report is None else next((r for r in reports if r.getId() == report), None)
    if chosen is None:
        raise OmexRunError(f"{sedml_name}: no report {report!r}")
    runner = _Runner(doc, files, sedml_name)
    labels, columns = [], []
    for i in range(chosen.getNumDataSets()):
        ds = chosen.getDataSet(i)
        labels.append(ds.getLabel() or ds.getId())
        columns.append(runner.data_generator(ds.getDataReference()))
    if len({len(c) for c in columns}) > 1:
        raise OmexRunError(f"{sedml_name}: report {chosen.getId()}'s data sets differ in length")
    return Report(chosen.getId(), tuple(labels), np.stack(columns, axis=1))


class _Runner:
    """One document's models, tasks and data generators, each evaluated once."""

    def __init__(self, doc: Any, files: Mapping[str, bytes], where: str) -> None:
        self.doc, self.files, self.where = doc, files, where
        self.results: dict[str, dict[str, np.ndarray]] = {}   # task id -> selection -> values

    def fail(self, message: str) -> OmexRunError:
        """An OmexRunError naming the SED-ML file."""
        return OmexRunError(f"{self.where}: {message}")

    def sbml_text(self, model_id: str, seen: tuple[str, ...] = ()) -> str:
        """The SBML of model `model_id`, its source read (or derived) and its changes applied."""
        import libsbml
        import libsedml

        model = self.doc.getModel(model_id)
        if model is None:
            raise self.fail(f"no model {model_id!r}")
        if model_id in seen:
            raise self.fail(f"model {model_id!r} derives from itself")
        if not (model.getLanguage() or "urn:sedml:language:sbml").startswith("urn:sedml:language:sbml"):
            raise self.fail(f"model {model_id!r}: language {model.getLanguage()} is not SBML")
        source = model.getSource()
        if self.doc.getModel(source.lstrip("#")) is not None and source.lstrip("#") != model_id:
            text = self.sbml_text(source.lstrip("#"), seen + (model_id,))
        elif _name(source) in self.files:
            text = self.files[_name(source)].decode("utf-8")
        else:
            raise self.fail(f"model {model_id!r}: source {source!r} is not in the archive")
        if model.getNumChanges() == 0:
            return text
        sbml = libsbml.readSBMLFromString(text)
        for i in range(model.getNumChanges()):
            change = model.getChange(i)
            if change.getTypeCode() != libsedml.SEDML_CHANGE_ATTRIBUTE:
                raise self.fail(f"model {model_id!r}: only changeAttribute changes are run "
                                f"(got {change.getElementName()})")
            sid, attribute = self.target(change.getTarget())
            element = sbml.getModel().getElementBySId(sid)
            if element is None or attribute not in NUMERIC_ATTRIBUTES:
                raise self.fail(f"model {model_id!r}: cannot change {change.getTarget()}")
            code = getattr(element, NUMERIC_ATTRIBUTES[attribute])(float(change.getNewValue()))
            if code != libsbml.LIBSBML_OPERATION_SUCCESS:
                raise self.fail(f"model {model_id!r}: cannot set {attribute} of {sid}")
        return libsbml.writeSBMLToString(sbml)

    def target(self, xpath: str) -> tuple[str, str | None]:
        """(SBML id, attribute or None) of an XPath naming an SBML element by id."""
        m = XPATH.match(xpath.strip())
        if m is None:
            raise self.fail(f"target {xpath!r}: only /sbml:sbml/sbml:model/sbml:listOfX/sbml:x[@id='ID'] is run")
        return m.group(2), m.group(3)

    def run_task(self, task_id: str) -> dict[str, np.ndarray]:
        """Every selectable value of task `task_id` (time and the ids its variables name)."""
        import libsedml

        if task_id in self.results:
            return self.results[task_id]
        task = self.doc.getTask(task_id)
        if task is None:
            raise self.fail(f"no task {task_id!r}")
        if task.getTypeCode() != libsedml.SEDML_TASK:
            raise self.fail(f"task {task_id!r}: only plain tasks are run (got {task.getElementName()})")
        sim = self.doc.getSimulation(task.getSimulationReference())
        if sim is None or sim.getTypeCode() != libsedml.SEDML_SIMULATION_UNIFORMTIMECOURSE:
            raise self.fail(f"task {task_id!r}: only a uniformTimeCourse simulation is run")
        rtol, atol, steps, order = self.algorithm(sim.getAlgorithm())
        ids = sorted(self.selections(task_id))
        from .engines import load_roadrunner

        rr = load_roadrunner(self.sbml_text(task.getModelReference()), rtol, atol, order)
        if steps is not None:
            rr.integrator.maximum_num_steps = steps
        t0, start, end, n = (sim.getInitialTime(), sim.getOutputStartTime(), sim.getOutputEndTime(),
                             sim.getNumberOfPoints())
        if not (t0 <= start <= end) or n < 1:
            raise self.fail(f"simulation {sim.getId()}: needs initialTime <= outputStartTime <= outputEndTime "
                            "and numberOfPoints >= 1")
        times = np.linspace(start, end, n + 1)
        ask = np.concatenate([[t0], times]) if t0 < start else times
        out = np.asarray(rr.simulate(times=ask, selections=["time", *ids]))
        if t0 < start:
            out = out[1:]
        if out.shape[0] != n + 1 or not np.allclose(out[:, 0], times):
            raise self.fail(f"task {task_id!r}: libRoadRunner returned other times than those asked for")
        self.results[task_id] = {TIME_SYMBOL: out[:, 0], **{s: out[:, 1 + j] for j, s in enumerate(ids)}}
        return self.results[task_id]

    def algorithm(self, alg: Any) -> tuple[float, float, int | None, int]:
        """(relative tolerance, absolute tolerance, maximum steps or None, maximum BDF order)
        of a CVODE algorithm; unset values are the export's round-trip settings."""
        from .engines import ATOL, MAX_BDF_ORDER, RTOL

        if alg is None or alg.getKisaoID().replace("_", ":") != KISAO_CVODE:
            raise self.fail(f"algorithm {alg.getKisaoID() if alg else None}: only CVODE ({KISAO_CVODE}) is run")
        rtol, atol, steps, order = RTOL, ATOL, None, MAX_BDF_ORDER
        for i in range(alg.getNumAlgorithmParameters()):
            p = alg.getAlgorithmParameter(i)
            kisao, value = p.getKisaoID().replace("_", ":"), p.getValue()
            if kisao == KISAO_RTOL:
                rtol = float(value)
            elif kisao == KISAO_ATOL:
                atol = float(value)
            elif kisao == KISAO_MAX_STEPS:
                steps = int(float(value))
            elif kisao == KISAO_MAX_BDF_ORDER:
                order = int(float(value))
            else:
                raise self.fail(f"algorithm parameter {kisao} is not run")
        return rtol, atol, steps, order

    def selections(self, task_id: str) -> set[str]:
        """The SBML ids that the document's variables read from task `task_id`."""
        out = set()
        for i in range(self.doc.getNumDataGenerators()):
            dg = self.doc.getDataGenerator(i)
            for j in range(dg.getNumVariables()):
                v = dg.getVariable(j)
                if v.getTaskReference() == task_id and not v.isSetSymbol():
                    sid, attribute = self.target(v.getTarget())
                    if attribute is not None:
                        raise self.fail(f"variable {v.getId()}: target an element, not an attribute")
                    out.add(sid)
        return out

    def data_generator(self, dg_id: str) -> np.ndarray:
        """The values of data generator `dg_id` (its math of its variables and parameters)."""
        dg = self.doc.getDataGenerator(dg_id)
        if dg is None:
            raise self.fail(f"no data generator {dg_id!r}")
        names: dict[str, Any] = {}
        for j in range(dg.getNumParameters()):
            p = dg.getParameter(j)
            names[p.getId()] = p.getValue()
        for j in range(dg.getNumVariables()):
            v = dg.getVariable(j)
            values = self.run_task(v.getTaskReference())
            if v.isSetSymbol():
                if v.getSymbol() != TIME_SYMBOL:
                    raise self.fail(f"variable {v.getId()}: symbol {v.getSymbol()} is not run")
                names[v.getId()] = values[TIME_SYMBOL]
            else:
                names[v.getId()] = values[self.target(v.getTarget())[0]]
        if dg.getMath() is None:
            raise self.fail(f"data generator {dg_id!r} has no math")
        import libsbml
        import libsedml

        # libsedml's Python ASTNode does not expose its node types: the formula is read
        # again by libsbml, whose AST does (the L3 infix text is the same language)
        formula = libsedml.formulaToL3String(dg.getMath())
        ast = libsbml.parseL3Formula(formula)
        if ast is None:
            raise self.fail(f"data generator {dg_id!r}: cannot read its math {formula!r}")
        return np.asarray(self.evaluate(ast, names, dg_id), dtype=float)

    def evaluate(self, node: Any, names: Mapping[str, Any], dg_id: str) -> Any:
        """A data generator's math (numbers, names, + - * / and power) over arrays; node:
        a libsbml ASTNode."""
        import libsbml  # its AST node types (see data_generator)

        kind = node.getType()
        args = [self.evaluate(node.getChild(i), names, dg_id) for i in range(node.getNumChildren())]
        if kind == libsbml.AST_NAME:
            if node.getName() not in names:
                raise self.fail(f"data generator {dg_id!r}: unknown name {node.getName()!r}")
            return names[node.getName()]
        if kind in (libsbml.AST_INTEGER, libsbml.AST_REAL, libsbml.AST_REAL_E, libsbml.AST_RATIONAL):
            return float(node.getValue())
        if kind == libsbml.AST_PLUS:
            return sum(args) if args else 0.0
        if kind == libsbml.AST_MINUS:
            return -args[0] if len(args) == 1 else args[0] - args[1]
        if kind == libsbml.AST_TIMES:
            return np.prod(np.broadcast_arrays(*args), axis=0) if args else 1.0
        if kind == libsbml.AST_DIVIDE:
            return args[0] / args[1]
        if kind in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
            return np.power(args[0], args[1])
        raise self.fail(f"data generator {dg_id!r}: {libsbml.formulaToL3String(node)} is not run "
                        "(numbers, names, + - * / and power only)")

