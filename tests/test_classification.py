"""Each experiment's class is derived (calibration > consistency > validation), with reasons;
the library's experiments cite registered publications and say where each tolerance comes from."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from ketasim.engine.assembler import assemble
from ketasim.engine.module import Module
from ketasim.experiments.loader import ExperimentFileError, library, parse_experiment
from ketasim.parameters import UNSOURCED, Parameter, p
from ketasim.validation.catalogue import CatalogueEntry, parameter_catalogue
from ketasim.validation.closure import closure, reduce_model
from ketasim.validation.classification import (Classification, Pin, citations, classify, classify_experiment,
                                               classify_library, relevant_pins)
from ketasim.validation.reclassify import class_changes, reclassified


def _pk(**extra) -> dict:
    """A hand-built in-vivo experiment: plasma ketamine after the standard 40-min infusion."""
    data = {"id": "pk-hand-built", "title": "t", "source": "s", "tags": ["pk"],
            "protocol": {"duration": "3 h", "doses": [{"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg",
                                                      "duration": "40 min"}]},
            "measure": [{"observable": "plasma_ketamine", "statistic": "max", "unit": "ng/mL",
                         "expected": 185, "rel_tol": 0.25}]}
    data.update(extra)
    return data


def _q(name: str, source: str, note: str = "") -> Parameter:
    return Parameter(name=name, value=1.0, unit="1", source=source, note=note)


@pytest.fixture(scope="module")
def lib():
    return {e.id: e for e in library()}


@pytest.fixture(scope="module")
def classes(lib):
    return classify_library(lib.values())


# ----- the pure rule ------------------------------------------------------------------

def test_a_parameter_citing_the_experiments_source_makes_it_calibration():
    exp = parse_experiment(_pk(references=["domino1982"]))
    cat = (CatalogueEntry("ketamine_s", _q("cl", "domino1982")), CatalogueEntry("ketamine_s", _q("ke0", "olofsen2012")))
    got = classify(exp, frozenset(), cat, ())
    assert got == Classification("calibration", ("ketamine_s.cl: source domino1982",))


def test_a_note_naming_the_key_or_the_id_cites_it_but_a_longer_key_does_not():
    exp = parse_experiment(_pk(references=["domino1982"]))
    cat = (CatalogueEntry("a", _q("x", "assumed", "set to the Domino 1982 mean (domino1982)")),
           CatalogueEntry("b", _q("y", "fitted", "fitted to pk-hand-built's Cmax")),
           CatalogueEntry("c", _q("z", "assumed", "as in domino1982b, another paper")),
           CatalogueEntry("d", _q("w", "assumed", "see pk-hand-built-2")))
    assert citations(exp, cat) == ("a.x: note names domino1982", "b.y: note names pk-hand-built")
    assert classify(exp, frozenset(), cat, ()).kind == "calibration"


def test_precedence_calibration_then_consistency_then_validation():
    exp = parse_experiment(_pk(references=["domino1982"]))
    pin = Pin("opioid_gate", "none", "protocol")
    citing = (CatalogueEntry("m", _q("k", "domino1982")),)
    other = (CatalogueEntry("m", _q("k", "olofsen2012")),)
    assert classify(exp, frozenset(), citing, (pin,)).kind == "calibration"
    got = classify(exp, frozenset(), other, (pin,))
    assert got.kind == "consistency" and got.reasons == ("hypotheses.opioid_gate = none (protocol) changes what it measures",)
    assert classify(exp, frozenset(), other, ()) == Classification("validation", ())
    fitted = classify(exp, frozenset({"pk-hand-built"}), other, ())
    assert fitted.kind == "calibration" and "fitted parameter file" in fitted.reasons[0]
    with pytest.raises(ValueError):
        Classification("prediction")


# ----- on assembled models ---------------------------------------------------------------

def test_hand_built_experiments_are_classified_on_their_assembled_model():
    # the default (population) disposition is upstream of plasma ketamine: the S clearance of
    # Fanta 2015 and the peripheral compartments of Perez-Ruixo 2021
    cal = classify_experiment(parse_experiment(_pk(references=["fanta2015", "perezruixo2021"])))
    assert cal.kind == "calibration"
    assert "ketamine_s.cl: source fanta2015" in cal.reasons and "ketamine_r.q2: source perezruixo2021" in cal.reasons
    # a paper no parameter upstream of plasma ketamine cites
    assert classify_experiment(parse_experiment(_pk(references=["williams2018"]))).kind == "validation"
    # the fitted file's experiments are calibration whatever they cite
    assert classify_experiment(parse_experiment(_pk()), frozenset({"pk-hand-built"})).kind == "calibration"
    # a switch downstream of plasma ketamine changes nothing it measures: still validation
    protocol = {**_pk()["protocol"], "hypotheses": {"opioid_gate": "none"}}
    assert classify_experiment(parse_experiment(_pk(protocol=protocol))).kind == "validation"
    # the NMDA block scheme is upstream of BDNF: pinning it makes a BDNF finding consistency
    bdnf = _pk(measure=[{"observable": "bdnf", "statistic": "value_at", "at": "30 min", "range": [0.9, 1.1]}],
               protocol={**_pk()["protocol"], "hypotheses": {"nmda_block": "kinetic"}})
    got = classify_experiment(parse_experiment(bdnf))
    assert got == Classification("consistency",
                                 ("hypotheses.nmda_block = kinetic (protocol) changes what it measures",))


def test_in_vitro_a_switch_counts_only_when_the_assay_reads_it(lib):
    def pinned(exp, switch, value):
        return exp.model_copy(update={"protocol": exp.protocol.model_copy(update={"hypotheses": {switch: value}})})

    # the binding assay evaluates the off-target module, whose D2 term the switch sets
    binding = classify(pinned(lib["receptor-opioid-mor-ki"], "ketamine_d2", "high_affinity"), frozenset(), (),
                       relevant_pins(pinned(lib["receptor-opioid-mor-ki"], "ketamine_d2", "high_affinity")))
    assert binding.kind == "consistency" and "ketamine_d2 = high_affinity" in binding.reasons[0]
    # the voltage clamp runs the receptor scheme, which no switch changes
    clamp = pinned(lib["receptor-kotermanski-glun2a-mg"], "nmda_block", "kinetic")
    assert relevant_pins(clamp) == ()


def test_the_catalogue_follows_the_measures(lib):
    pk = {e.owner for e in parameter_catalogue(lib["pk-end-of-infusion-cmax"])}
    assert {"ketamine_s", "ketamine_r", "patient"} <= pk
    assert not pk & {"circuit", "circuit network", "mood", "clinical (statistical)"}
    circuit = {e.owner for e in parameter_catalogue(lib["circuit-disinhibition"])}
    assert {"circuit", "circuit network", "nmda"} <= circuit and "clinical (statistical)" not in circuit
    trial = {e.owner for e in parameter_catalogue(lib["clinical-williams2018-naltrexone"])}
    assert {"circuit network", "clinical (statistical)", "mood", "pk_naltrexone"} <= trial
    assert {e.owner for e in parameter_catalogue(lib["receptor-kotermanski-glun2a-mg"])} == {"receptor scheme"}
    assert {e.owner for e in parameter_catalogue(lib["receptor-opioid-mor-ki"])} == {"offtargets"}


def _names(catalogue) -> set[str]:
    return {e.qualified for e in catalogue}


def test_the_closure_sets_undosed_depots_to_zero():
    # depot -> central -> concentration; a Hill effect of the concentration with a parameter exponent
    pk = Module(name="pk", equations="""
        dA_depot/dt = -ka * A_depot : mg
        dA_central/dt = F * ka * A_depot - ke * A_central : mg
        conc = A_central / V : mg/L
        effect = (conc / ec50) ** h / ((conc / ec50) ** h + 1) : 1
        """, parameters=tuple(p(n, v, u, "assumed", note="test value") for n, v, u in (
            ("ka", 1.0, "1/min"), ("F", 0.5, "1"), ("ke", 0.1, "1/min"), ("V", 10.0, "L"), ("h", 2.0, "1"),
            ("ec50", 1.0, "mg/L"))),
        outputs=("conc", "effect"), dose_targets=("A_depot", "A_central"))
    model = assemble([pk])
    iv = reduce_model(model, {"pk__A_central"})
    assert iv.zero == {"pk__A_depot"}
    assert closure(iv, ["conc"]).parameters == {"pk.ke", "pk.V"}
    depot = reduce_model(model, {"pk__A_depot"})
    assert closure(depot, ["conc"]).parameters == {"pk.ka", "pk.F", "pk.ke", "pk.V"}
    assert closure(depot, ["effect"]).parameters == {"pk.ka", "pk.F", "pk.ke", "pk.V", "pk.h", "pk.ec50"}
    # nothing dosed: the concentration and, through 0**h with h > 0, the effect stay zero
    none = reduce_model(model, ())
    assert {"conc", "effect", "pk__A_central"} <= none.zero
    assert closure(none, ["effect"]).parameters == frozenset()


def test_an_iv_only_experiment_leaves_out_the_absorption_routes():
    iv = _names(parameter_catalogue(parse_experiment(_pk())))
    for e in ("s", "r"):
        assert {f"ketamine_{e}.{q}" for q in ("cl", "v1", "q2", "v2", "q3", "v3")} <= iv
        assert not iv & {f"ketamine_{e}.{q}" for q in ("F_oral", "ka_oral", "ka_nasal", "f_swallowed_nasal", "F_im",
                                                      "ka_im", "F_ip", "ka_ip", "ka_sublingual")}
        assert f"ketamine_{e}.ke0" not in iv  # the effect site does not feed plasma
    assert "patient.weight" in iv  # mg/kg dose and allometric scaling


def test_an_oral_experiment_includes_oral_bioavailability():
    oral = {**_pk()["protocol"], "doses": [{"drug": "ketamine", "route": "oral", "dose": "50 mg"}]}
    got = _names(parameter_catalogue(parse_experiment(_pk(protocol=oral))))
    assert {"ketamine_s.F_oral", "ketamine_s.ka_oral", "ketamine_r.F_oral", "ketamine_s.cl"} <= got
    assert not got & {"ketamine_s.ka_nasal", "ketamine_s.F_im"}
    # intranasal esketamine: the nasal route and its swallowed part (its own depot, ka_swallowed
    # and F_swallowed, since the reparameterisation; no longer the oral depot), the device, no R-ketamine
    nasal = {**_pk()["protocol"], "doses": [{"drug": "esketamine", "route": "intranasal", "dose": "56 mg"}]}
    got = _names(parameter_catalogue(parse_experiment(_pk(protocol=nasal))))
    assert {"ketamine_s.ka_nasal", "ketamine_s.f_swallowed_nasal", "ketamine_s.F_swallowed", "ketamine_s.ka_swallowed",
            "dosing.esketamine_device_dose", "dosing.esketamine_device_interval"} <= got
    assert not any(n.startswith("ketamine_r.") for n in got)
    assert "dosing.esketamine_device_dose" not in _names(parameter_catalogue(parse_experiment(_pk())))


def test_the_library_iv_half_life_is_classified_on_the_parameters_it_depends_on(lib, classes):
    exp = lib["pk-terminal-half-life"]
    assert {d.route for d in exp.protocol.doses} == {"iv"} and not exp.protocol.reference_doses
    cat = parameter_catalogue(exp)
    names = _names(cat)
    assert "ketamine_s.cl" in names and "ketamine_s.F_oral" not in names and "ketamine_r.F_oral" not in names
    # what the rule gives from the records left: calibration iff one cites the publication
    keys = [k for k in exp.references if k not in UNSOURCED] + [exp.id]
    cites = [e.qualified for e in cat if e.parameter.source in keys or any(k in e.parameter.note for k in keys)]
    want = "calibration" if cites else "consistency" if relevant_pins(exp) else "validation"
    assert classes[exp.id].kind == want, (cites, classes[exp.id])


def test_a_trial_counts_only_the_routes_its_arms_dose(lib):
    arms = lib["clinical-williams2018-naltrexone"].protocol.arms.values()
    assert {(d.drug, d.route) for a in arms for d in a.doses} == {("ketamine", "iv"), ("naltrexone", "oral")}
    got = _names(parameter_catalogue(lib["clinical-williams2018-naltrexone"]))
    assert {"pk_naltrexone.F_oral", "pk_naltrexone.ka", "ketamine_s.cl", "ketamine_s.ke0"} <= got
    assert not got & {"ketamine_s.F_oral", "ketamine_s.ka_nasal", "ketamine_r.F_im"}


def test_a_scorecard_json_is_reclassified_without_simulating():
    old = {"experiments": [{"id": "a", "tags": ["pk"], "passed": True, "calibration": True},
                           {"id": "b", "tags": ["pk"], "passed": False, "calibration": False},
                           {"id": "c", "tags": ["clinical"], "passed": True, "calibration": False}],
           "summary": {"total": 3, "passed": 2, "calibration": [1, 1], "validation": [2, 1],
                       "by_layer": {k: {"all": a, "calibration": [0, 0], "validation": [0, 0], "measures": [9, 9]}
                                    for k, a in (("pk", [2, 1]), ("clinical", [1, 1]), ("total", [3, 2]))}}}
    new = {"a": Classification("validation"), "b": Classification("consistency", ("why",)),
           "c": Classification("calibration", ("p: source k",))}
    assert class_changes(old, new) == [("a", "calibration", "validation"), ("b", "validation", "consistency"),
                                       ("c", "validation", "calibration")]
    out = reclassified(old, new)
    s = out["summary"]
    assert (s["calibration"], s["consistency"], s["validation"]) == ([1, 1], [1, 0], [1, 1])
    assert s["by_layer"]["pk"] == {"all": [2, 1], "calibration": [0, 0], "consistency": [1, 0],
                                   "validation": [1, 1], "measures": [9, 9]}
    assert [e["class"] for e in out["experiments"]] == ["validation", "consistency", "calibration"]
    assert out["experiments"][2]["calibration"] is True and out["experiments"][1]["class_reasons"] == ["why"]
    assert old["experiments"][0]["calibration"] is True  # the input is not changed
    assert class_changes(out, new) == []
    json.dumps(out)


# ----- the schema ------------------------------------------------------------------------

def test_references_must_be_registered_and_a_tolerance_basis_needs_its_note():
    with pytest.raises(ExperimentFileError, match=r"references\[1\]: .*no_such_paper"):
        parse_experiment(_pk(references=["domino1982", "no_such_paper"]), "x.toml")
    with pytest.raises(ExperimentFileError, match=r"references\[0\]: .*not a publication"):
        parse_experiment(_pk(references=["assumed"]), "x.toml")
    measure = {**_pk()["measure"][0], "tolerance_basis": "ci"}
    with pytest.raises(ExperimentFileError, match=r"measure\[0\].*tolerance_note"):
        parse_experiment(_pk(measure=[measure]), "x.toml")
    with pytest.raises(ExperimentFileError, match=r"measure\[0\]\.tolerance_basis"):
        parse_experiment(_pk(measure=[{**measure, "tolerance_basis": "guess", "tolerance_note": "n"}]), "x.toml")
    ok = parse_experiment(_pk(measure=[{**measure, "tolerance_note": "95% CI 150-220 ng/mL"}]))
    assert ok.measure[0].tolerance_basis == "ci"
    # the class is derived, not declared
    with pytest.raises(ExperimentFileError, match=r"x.toml: calibration: unknown key"):
        parse_experiment(_pk(calibration=True), "x.toml")


# ----- the library ------------------------------------------------------------------------

def test_every_library_experiment_cites_registered_publications(lib):
    bare = sorted(eid for eid, e in lib.items() if not e.references)
    assert not bare, f"{len(bare)} experiments without references: {bare}"


def test_every_library_measure_says_where_its_tolerance_comes_from(lib):
    bare = sorted(f"{eid} measure[{i}]" for eid, e in lib.items() for i, m in enumerate(e.measure)
                  if m.tolerance_basis is None)
    assert not bare, f"{len(bare)} measures without tolerance_basis: {bare}"


def test_no_two_library_measures_test_the_same_published_number(lib):
    seen = defaultdict(list)
    for eid, e in lib.items():
        for i, m in enumerate(e.measure):
            if not e.references:
                continue  # reported by the test above; without keys the number cannot be identified
            value = tuple(m.range) if m.range is not None else m.expected
            # the regimen and the time tell apart findings of one paper at different doses or times
            doses = e.protocol.arms[m.arm].doses if m.arm is not None else e.protocol.doses
            regimen = tuple((d.drug, d.route, d.dose, d.procedure) for d in doses)
            seen[(tuple(sorted(e.references)), m.statistic or m.endpoint, m.unit, value, regimen, m.at)].append(
                f"{eid} measure[{i}]")
    dup = {k: v for k, v in seen.items() if len({x.split()[0] for x in v}) > 1}
    assert not dup, f"measures testing the same published number: {list(dup.values())}"


def test_a_patients_settings_are_in_the_catalogue_when_their_parameter_is_reached(lib):
    """A Met/Met subject's BDNF factors come from chen2006's record (and an assumed one), a
    stressed animal's spine set point from the chronic-stress record, a default subject's from
    the modules; a PK measure does not reach the plasticity layer at all."""
    met = parameter_catalogue(lib["plasticity-liu2012-met-met"])
    settings = {e.parameter.name: e.parameter.source for e in met if e.owner == "patient settings"}
    assert settings == {"met_met_regulated_secretion": "chen2006", "met_met_dendritic_translation": "assumed"}
    stressed = parameter_catalogue(lib["plasticity-li2011-stress-reversal"])
    assert {e.parameter.name for e in stressed if e.owner == "patient settings"} == {"chronic_stress_spine_setpoint"}
    healthy = parameter_catalogue(lib["plasticity-li2010-spines-24h"])
    assert not any(e.owner == "patient settings" for e in healthy)
    stressed_pk = parse_experiment(_pk(protocol={**_pk()["protocol"], "patient": {"stress": "chronic"}}))
    assert not any(e.owner == "patient settings" for e in parameter_catalogue(stressed_pk))


def test_a_trials_drawn_genotypes_bring_every_genotypes_records(lib):
    """Trial patients draw their Val66Met genotype (population.draw): the records of every
    genotype count; an arm fixed to one genotype counts only its own."""
    from ketasim.validation.catalogue import subject_settings, trial_arm_subjects

    drawn = {q.name for qs in subject_settings(trial_arm_subjects(None)).values() for q in qs}
    assert drawn == {"val_met_regulated_secretion", "met_met_regulated_secretion",
                     "val_met_dendritic_translation", "met_met_dendritic_translation"}
    assert subject_settings(trial_arm_subjects("val/val")) == {}
    trial = parameter_catalogue(lib["clinical-williams2018-naltrexone"])
    assert drawn <= {e.parameter.name for e in trial if e.owner == "patient settings"}


def test_known_library_classes(lib, classes):
    # the Yoon naltrexone trial pins the opioid gate, which sets the trial's outcome
    yoon = classes["clinical-yoon2019-naltrexone"]
    assert yoon.kind == "consistency" and any("opioid_gate" in r for r in yoon.reasons), yoon
    # Williams' trial pins it too, but the gate's threshold was chosen with Williams' finding in view
    williams = classes["clinical-williams2018-naltrexone"]
    assert williams.kind == "calibration" and any("opioid_gate_k" in r for r in williams.reasons), williams
    # oral F of S-ketamine is set from the paper whose number the experiment tests (Fanta 2015) ...
    oral = classes["pk-esketamine-oral-bioavailability"]
    assert oral.kind == "calibration" and any("ketamine_s.F_oral" in r for r in oral.reasons), oral
    # ... and the racemic oral F of Yanagihara 2003 set nothing, so its file is validation
    assert classes["pk-oral-bioavailability"].kind == "validation"
    # the chronic-stress set point names Li 2011, whose reversal the experiment tests
    li2011 = classes["plasticity-li2011-stress-reversal"]
    assert li2011.kind == "calibration" and any("chronic_stress_spine_setpoint" in r for r in li2011.reasons), li2011
    # every class has its reasons; validation needs none
    assert all(c.reasons for c in classes.values() if c.kind != "validation")
