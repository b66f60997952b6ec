"""The validation scorecard: it can fail, it counts the three classes apart, it lists unsourced values."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.experiments.loader import library
from ketasim.experiments.results import ExperimentResult, MeasureResult
from ketasim.validation.finding_figure import finding_figure
from ketasim.validation.hypotheses import (HypothesisTable, Variant, conflicts, distinct_runs, file_value,
                                          relevant, table_json, with_hypothesis)
from ketasim.validation.library_run import LibraryEntry, capped, run_library
from ketasim.validation.classification import Classification, classify_library
from ketasim.validation.scorecard import Scorecard, Tally, scorecard_json
from ketasim.validation.scorecard_html import render_scorecard
from ketasim.validation.unsourced import unsourced_parameters

GLUN2A = "receptor-kotermanski-glun2a-mg"


def library_by_id():
    return {e.id: e for e in library()}


@pytest.fixture(scope="module")
def lib():
    return library_by_id()


def _with_parameters(exp, values):
    protocol = exp.protocol.model_copy(update={"parameters": {**exp.protocol.parameters, **values}})
    return exp.model_copy(update={"protocol": protocol})


def test_a_wrong_parameter_makes_a_known_experiment_miss(lib):
    """Mg2+ bound seven times tighter in GluN2A (K0 0.5 instead of Jahr & Stevens' 3.57 mM)
    competes ketamine out of the channel: the IC50 in 1 mM Mg2+ rises far past Kotermanski &
    Johnson's 5.35 uM +- 25% (about 1 + 1/K(-66 mV) = 120-fold over the Mg-free 0.33 uM
    instead of 18-fold), and the scorecard fails."""
    exp = lib[GLUN2A]
    right, wrong = run_library([exp, _with_parameters(exp, {"nmda.mg_k0_glun2a": 0.5})])
    assert right.passed and not wrong.passed
    ic50_right, ic50_wrong = right.result.measures[0].simulated, wrong.result.measures[0].simulated
    assert ic50_wrong > 1.25 * 5.35 and ic50_wrong > 2 * ic50_right
    sc = Scorecard((right, wrong), frozenset(), ())
    assert not sc.passed
    assert sc.layers["receptor"].all.total == 2 and sc.layers["receptor"].all.passed == 1
    kind = sc.class_of(right).kind  # both entries are the same experiment, so of one class
    assert sc.layers["total"].of(kind) == Tally(2, 1)


def _entry(lib, eid, passed):
    exp = lib[eid]
    m = MeasureResult("x", 1.0, 1.0 if passed else 2.0, "1", passed, None, "±10%")
    res = ExperimentResult(exp.id, exp.title, exp.source, tuple(exp.tags), {}, (m,))
    return LibraryEntry(exp, res, "", 0.1)


def test_scorecard_counts_the_three_classes_apart_per_layer(lib):
    pk = [e for e in lib if e.startswith("pk-")][:3]
    entries = (_entry(lib, pk[0], True), _entry(lib, pk[1], False), _entry(lib, pk[2], True),
               _entry(lib, GLUN2A, False))
    classes = {pk[0]: Classification("calibration", ("m.k: source x",)), pk[1]: Classification("validation"),
               pk[2]: Classification("consistency", ("hypotheses.s = v (protocol) changes what it measures",)),
               GLUN2A: Classification("validation")}
    sc = Scorecard(entries, frozenset(), (), classes=classes)
    layers = sc.layers
    assert list(layers) == ["pk", "receptor", "total"]
    assert layers["pk"].calibration == Tally(1, 1) and layers["pk"].consistency == Tally(1, 1)
    assert layers["pk"].validation == Tally(1, 0) and layers["receptor"].validation == Tally(1, 0)
    assert (layers["total"].all.total, layers["total"].all.passed) == (4, 2)
    data = scorecard_json(sc)
    # the shape of docs/architecture.md §5 is kept: experiments[] and summary.total/passed/by_tag
    assert data["summary"]["total"] == 4 and data["summary"]["passed"] == 2
    assert data["summary"]["by_tag"] == {"pk": [3, 2], "receptor": [1, 0]}
    s = data["summary"]
    assert (s["calibration"], s["consistency"], s["validation"]) == ([1, 1], [1, 1], [2, 0])
    assert s["by_layer"]["pk"]["consistency"] == [1, 1] and s["by_layer"]["receptor"]["calibration"] == [0, 0]
    assert [e["class"] for e in data["experiments"]] == ["calibration", "validation", "consistency", "validation"]
    assert [e["calibration"] for e in data["experiments"]] == [True, False, False, False]
    assert data["experiments"][0]["class_reasons"] == ["m.k: source x"]
    assert {"id", "tags", "hypotheses", "passed", "measures"} <= set(data["experiments"][0])
    # without given classes they are derived; a fitted file's experiments are calibration
    derived = Scorecard(entries, frozenset({pk[1]}), ())
    assert derived.class_of(entries[1]).kind == "calibration"
    assert derived.classes == {**classify_library(lib[e] for e in (pk[0], pk[2], GLUN2A)),
                               pk[1]: derived.class_of(entries[1])}


def test_scorecard_shows_each_measures_tolerance_basis(lib):
    exp = lib[GLUN2A]
    spec = exp.measure[0].model_copy(update={"tolerance_basis": "sd", "tolerance_note": "SD 0.9, n = 6"})
    exp = exp.model_copy(update={"measure": [spec]})
    m = MeasureResult("IC50", 5.0, 5.35, "uM", True, None, "±25%")
    entry = LibraryEntry(exp, ExperimentResult(exp.id, exp.title, exp.source, tuple(exp.tags), {}, (m,)),
                         "", 0.1)
    sc = Scorecard((entry,), frozenset(), (), classes={exp.id: Classification("calibration", ("nmda.k: source y",))})
    row = scorecard_json(sc)["experiments"][0]["measures"][0]
    assert (row["tolerance_basis"], row["tolerance_note"]) == ("sd", "SD 0.9, n = 6")
    html = render_scorecard(sc)
    assert "sd: SD 0.9, n = 6" in html and "nmda.k: source y" in html and "consistency" in html


def test_trial_size_cap_is_applied_and_recorded(lib):
    trial = next(e for e in lib.values() if e.protocol.arms)
    n = trial.protocol.population.n
    assert capped(trial, 10).protocol.population.n == min(n, 10)
    assert capped(trial, n + 5).protocol.population.n == n
    assert capped(trial, None) is trial
    assert lib[trial.id].protocol.population.n == n  # the library's record is not mutated


def test_unsourced_parameters_are_listed_once_with_their_reasons():
    rows = unsourced_parameters()
    assert rows and all(r.source in ("assumed", "fitted") and r.note.strip() for r in rows)
    keys = [(r.owner, r.name, r.species) for r in rows]
    assert len(keys) == len(set(keys))
    owners = {r.owner for r in rows}
    assert {"circuit", "clinical (statistical)", "nmda"} <= owners
    fitted = {r.name for r in rows if r.source == "fitted"}
    assert "mood_synaptic_weight" in fitted  # fitted to the 24-h response (Han 2016)


def test_html_scorecard_is_offline_and_plots_curves(lib):
    entries = run_library([lib[GLUN2A], lib["receptor-jahr-stevens-mg-block"]])
    sc = Scorecard(tuple(entries), frozenset(), unsourced_parameters()[:5], {"tags": "receptor"})
    html = render_scorecard(sc)
    assert html.count("<svg") == 2  # one small plot per curve-shaped finding
    assert "<script" not in html and "src=" not in html and "@import" not in html
    assert "Kotermanski" in html and "Totals per layer" in html
    fig = finding_figure(entries[1])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "voltage (mV)" and ax.get_ylabel() == "mg_remaining (dimensionless (1))"
    # the three published points (value_at -65, -30, 0 mV) sit on the curve's axis: each a short shaded
    # band (the tolerance) with a diamond at the published value, no error bars
    assert len(ax.containers) == 0 and len(ax.collections) == 3
    diamonds = sorted((float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in ax.lines
                      if line.get_marker() == "D")
    assert diamonds == [(-65.0, 0.06), (-30.0, 0.36), (0.0, 0.78)]
    for band, (_, value) in zip(sorted(ax.collections, key=lambda c: c.get_paths()[0].vertices[:, 0].mean()),
                                diamonds):
        ys = band.get_paths()[0].vertices[:, 1]
        tol = 0.01 if value == 0.06 else 0.02
        assert ys.min() == pytest.approx(value - tol) and ys.max() == pytest.approx(value + tol)


def test_hypothesis_variants_and_conflicts(lib):
    will = lib["clinical-williams2018-naltrexone"]
    assert file_value(will, "opioid_gate", "none") == "permissive"
    flipped = with_hypothesis(will, "opioid_gate", "none")
    assert file_value(flipped, "opioid_gate", "permissive") == "none"
    assert will.protocol.hypotheses.get("opioid_gate", "permissive") == "permissive"  # original untouched
    pk = lib["pk-end-of-infusion-cmax"]
    # a downstream switch cannot change plasma ketamine; the NMDA block scheme changes BDNF
    assert not relevant(pk, "opioid_gate", ("permissive", "none"))
    assert relevant(lib["plasticity-dose-20mgkg-bdnf"], "nmda_block", ("quasi_steady", "kinetic"))
    # the disposition models share equations and differ in values only: a trial of ketamine
    # still depends on them (its generated code alone would not tell)
    assert relevant(lib["clinical-murrough2013-midazolam"], "ketamine_pk", ("population", "domino1982"))
    t = HypothesisTable({"g": ("a", "b")},
                        {("x", "g", "a"): True, ("x", "g", "b"): False,
                         ("y", "g", "a"): False, ("y", "g", "b"): True,
                         ("z", "g", "a"): True, ("z", "g", "b"): True},
                        {k: () for k in [("x", "g", "a"), ("x", "g", "b"), ("y", "g", "a"), ("y", "g", "b"),
                                         ("z", "g", "a"), ("z", "g", "b")]},
                        {("x", "g"): "a", ("y", "g"): "b", ("z", "g"): "a"}, {"x": "X", "y": "Y", "z": "Z"})
    found = conflicts(t)
    assert [(c.first, c.first_value, c.second, c.second_value) for c in found] == [("x", "a", "y", "b")]
    assert t.explained("g", "a") == ["x", "z"]
    assert table_json(t)["explained"]["g=b"] == ["y", "z"]


def test_a_files_own_values_run_once_for_every_switch(lib):
    will = lib["clinical-williams2018-naltrexone"]  # opioid_gate = permissive in its file
    runs = [Variant(s, v, with_hypothesis(will, s, v), "") for s, v in
            [("opioid_gate", "permissive"), ("opioid_gate", "none"),
             ("lhb_sustained", "trapping"), ("lhb_sustained", "acute_only"),
             ("ketamine_pk", "population"), ("ketamine_pk", "domino1982")]]
    todo, index = distinct_runs(runs)
    # permissive (the file's), trapping and population (defaults) are one run; none, acute_only
    # and domino1982 one each
    assert index == [0, 1, 0, 2, 0, 3] and len(todo) == 4
    assert todo[1].protocol.hypotheses["opioid_gate"] == "none"
    other = lib["clinical-yoon2019-naltrexone"]
    todo, index = distinct_runs([Variant("opioid_gate", "none", with_hypothesis(will, "opioid_gate", "none"), ""),
                                 Variant("opioid_gate", "none", with_hypothesis(other, "opioid_gate", "none"), "")])
    assert index == [0, 1]  # same hypotheses, other experiment: two runs


def test_hypotheses_command_runs_each_value_and_reports_a_refused_one(tmp_path):
    out = tmp_path / "h.json"
    r = CliRunner().invoke(app, ["hypotheses", "--id", "pk-end-of-infusion-cmax", "--json", str(out)])
    assert r.exit_code == 0, r.output
    row = json.loads(out.read_text())["experiments"]["pk-end-of-infusion-cmax"]
    peak = {k: {m["name"]: m["simulated"] for m in ms}.get("plasma_ketamine max") for k, ms in row["measures"].items()}
    # the venous population model was set from the 185 ng/mL venous mean (a calibration, +-15%);
    # herd2007's smaller central volume peaks higher and misses it
    assert peak["ketamine_pk=population"] == pytest.approx(185.0, rel=0.15)
    assert peak["ketamine_pk=herd2007"] > 185.0 * 1.15
    assert row["passed"] == {"ketamine_pk=population": True, "ketamine_pk=domino1982": False,
                             "ketamine_pk=herd2007": False}
    # the file measured venous blood; domino1982 stands for arterial: refused, and said why
    assert list(row["errors"]) == ["ketamine_pk=domino1982"] and "arterial" in row["errors"]["ketamine_pk=domino1982"]
    assert "error: pk-end-of-infusion-cmax under ketamine_pk=domino1982" in r.output


def test_validate_cli_writes_scorecard_and_refuses_bad_input(tmp_path):
    runner = CliRunner()
    out_json, out_html = tmp_path / "sc.json", tmp_path / "sc.html"
    r = runner.invoke(app, ["validate", "--id", GLUN2A, "--json", str(out_json), "--html", str(out_html),
                            "--strict"])
    assert r.exit_code == 0, r.output
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["summary"]["total"] == 1 and data["summary"]["passed"] == 1
    kind = classify_library([library_by_id()[GLUN2A]])[GLUN2A].kind
    assert data["experiments"][0]["class"] == kind and data["experiments"][0]["calibration"] == (kind == "calibration")
    assert any(u["source"] == "fitted" for u in data["unsourced_parameters"])
    assert "<svg" in out_html.read_text(encoding="utf-8")
    for args, field in ((["--tags", "pharmacology"], "--tags"), (["--id", "no-such"], "--id"),
                        (["--patients", "0"], "--patients"), (["--jobs", "0"], "--jobs")):
        bad = runner.invoke(app, ["validate", *args, "--json", str(out_json)])
        assert bad.exit_code == 2 and field in bad.output and "Traceback" not in bad.output
    assert json.loads(out_json.read_text(encoding="utf-8"))["summary"]["total"] == 1  # nothing overwritten


def test_validate_loads_a_fitted_parameter_file_and_counts_its_experiments_as_calibration(tmp_path):
    """A parameter file fitted (here: badly) to the GluN2A experiment: its value reaches the
    run (the experiment misses, --strict exits 1) and the experiment counts as calibration."""
    from ketasim.analysis.parameter_file import FitProvenance, ParameterFile, save_parameter_file

    prov = FitProvenance((GLUN2A,), 1.0, 0.5, "2026-11-23", "0.1.0", "test", 3)
    save_parameter_file(ParameterFile({"nmda.mg_k0_glun2a": 0.5}, prov), tmp_path / "fitted.toml")
    out_json = tmp_path / "sc.json"
    r = CliRunner().invoke(app, ["validate", "--id", GLUN2A, "--parameters", str(tmp_path / "fitted.toml"),
                                 "--json", str(out_json), "--strict"])
    assert r.exit_code == 1, r.output
    data = json.loads(out_json.read_text(encoding="utf-8"))
    exp = data["experiments"][0]
    assert exp["calibration"] is True and exp["passed"] is False
    assert exp["measures"][0]["simulated"] > 1.25 * 5.35
    assert data["summary"]["calibration"] == [1, 0] and data["summary"]["validation"] == [0, 0]
    assert data["summary"]["consistency"] == [0, 0]
    assert any("fitted parameter file" in r for r in exp["class_reasons"])
    assert GLUN2A in data["settings"]["parameter_file_provenance"]
