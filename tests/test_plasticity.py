"""The plasticity layer: steady drug-free baseline, causal chain from the glutamate surge,
genotypes and stress as patient settings, and its report section."""

import numpy as np
import pytest

from ketasim.mechanisms.circuit import load_surrogate

pytestmark = pytest.mark.skipif(load_surrogate() is None, reason="no circuit surrogate built")

CHAIN = ("ampa_activation", "eef2_phosphorylation", "bdnf", "trkb_activity", "mtorc1_activity",
         "synaptic_proteins", "spine_density", "synaptic_strength")
TIMES = np.concatenate([np.arange(0.0, 360.0, 5.0), np.arange(360.0, 3 * 1440.0 + 1, 60.0)])


def _run(dose_mg_kg=10.0, hypotheses=None, parameters=None, **patient):
    from ketasim.engine.dosing import DoseEvent
    from ketasim.patient import Patient
    from ketasim.simulate import simulate

    ev = [DoseEvent("ketamine", "ip", dose_mg_kg, True, 0.0, None, None, 1, None, "dose")]
    return simulate(ev, Patient(species="rat", **patient), TIMES[-1], hypotheses, times=TIMES,
                    parameters=parameters)


def _at(ds, name, t):
    return float(np.interp(t, ds.time.values, ds[name].values))


@pytest.fixture(scope="module")
def ketamine_rat():
    return _run()


def test_drug_free_state_is_steady_at_one_for_every_genotype_and_stress_state():
    for patient in ({}, {"bdnf": "met/met"}, {"bdnf": "val/met"}, {"stress": "chronic"}):
        ds = _run(0.0, **patient)
        for name in CHAIN:
            assert np.allclose(ds[name].values, 1.0, atol=1e-9), (patient, name)
    ko = _run(0.0, trkb="knockout")
    assert np.allclose(ko["trkb_activity"].values, 0.0)
    assert np.allclose(ko["spine_density"].values, 1.0, atol=1e-9)
    chronic = _run(0.0, stress="chronic")
    assert float(chronic["spine_density_vs_healthy"].values[0]) == pytest.approx(0.8)


def test_surge_drives_a_transient_signal_and_a_lasting_structural_change(ketamine_rat):
    ds = ketamine_rat
    # the order of the cascade: BDNF peaks before mTORC1, which peaks before proteins and spines
    t_peak = {n: float(ds.time.values[int(np.argmax(ds[n].values))]) for n in ("bdnf", "mtorc1_activity",
                                                                             "spine_density")}
    assert t_peak["bdnf"] <= t_peak["mtorc1_activity"] < 120.0 < 12 * 60.0 < t_peak["spine_density"]
    assert _at(ds, "eef2_phosphorylation", 30) < 0.8          # Autry route: less phospho-eEF2
    assert _at(ds, "mtorc1_activity", 24 * 60) == pytest.approx(1.0, abs=0.01)   # signal over in a day
    assert _at(ds, "spine_density", 72 * 60) > 1.05             # structure outlasts the drug
    # spines come back toward baseline: lower at 3 d than at their peak
    assert _at(ds, "spine_density", 72 * 60) < float(np.max(ds["spine_density"].values))


def test_removing_the_glutamate_surge_removes_the_bdnf_and_spine_response(ketamine_rat):
    # the surge cut at the AMPA receptor (coupling 0: glutamate release no longer drives AMPA
    # activation; the model of hypothesis glutamate_surge = none without a second compile)
    with_surge = ketamine_rat
    without = _run(parameters={"plasticity_ampa.ampa_release_coupling": 0.0})
    # same drug, same NMDA block (the Autry route still acts) ...
    assert np.allclose(without["nmda_block_pyramidal"].values, with_surge["nmda_block_pyramidal"].values)
    assert np.allclose(without["ampa_activation"].values, 1.0)
    rise = lambda ds, n: float(np.max(ds[n].values)) - 1.0  # noqa: E731
    # ... but without AMPA drive the BDNF rise and the spine gain at 24 h mostly vanish
    assert rise(with_surge, "bdnf") > 0.5
    assert rise(without, "bdnf") < 0.1 * rise(with_surge, "bdnf")
    gain = lambda ds: _at(ds, "spine_density", 24 * 60) - 1.0  # noqa: E731
    assert gain(with_surge) > 0.1
    assert gain(without) < 0.25 * gain(with_surge)


def test_trkb_deletion_blocks_everything_downstream_of_bdnf():
    ko = _run(trkb="knockout")
    assert float(np.max(ko["bdnf"].values)) > 1.5                 # BDNF is still released
    assert np.allclose(ko["trkb_activity"].values, 0.0)
    for name in ("mtorc1_activity", "synaptic_proteins", "spine_density"):
        assert np.allclose(ko[name].values, 1.0, atol=1e-9), name


def test_chronic_stress_gives_a_larger_relative_spine_rescue(ketamine_rat):
    stressed = _run(stress="chronic")
    assert _at(stressed, "spine_density", 24 * 60) > _at(ketamine_rat, "spine_density", 24 * 60)
    # Li et al. 2011 (PMC3068225 abstract, confirmed): ketamine rapidly reverses the CUS-induced
    # spine deficit in rat PFC; no claim about overshooting a healthy animal's density. So at 24 h
    # the stressed animal is closer to healthy than its untreated deficit (set point 0.8). (Until
    # the circuit surrogate was rebuilt this test said "stays below healthy", which no source gives;
    # the rebuilt surrogate's larger rodent glutamate surge puts it at 1.03.)
    setpoint = stressed["spine_density_vs_healthy"].values[0]
    assert abs(_at(stressed, "spine_density_vs_healthy", 24 * 60) - 1.0) < abs(setpoint - 1.0)


def test_patient_settings_are_validated_with_one_line_naming_the_field():
    from ketasim.patient import Patient, PatientError

    for field, bad in (("bdnf", "met"), ("trkb", "ko"), ("stress", "high")):
        with pytest.raises(PatientError, match=rf"^patient\.{field}: unknown value"):
            Patient(**{field: bad})


def test_report_section_has_every_observable_and_the_cascade_figure(ketamine_rat):
    from ketasim.report.plasticity import section

    sec = section(ketamine_rat)
    assert [r["observable"] for r in sec.rows] == list(CHAIN)
    bdnf = next(r for r in sec.rows if r["observable"] == "bdnf")
    assert bdnf["value"] == pytest.approx(float(np.max(ketamine_rat["bdnf"].values)), rel=1e-3)
    assert bdnf["7 d"] is None  # the run is 3 days long
    caption, fig = sec.figures[0]
    assert "spines" in caption and len(fig.charts) == 6
    assert [c.ylabel for c in fig.charts][-1] == "spine density" and fig.xlog


def test_no_surge_hypothesis_holds_ampa_at_its_drug_free_value():
    from ketasim.engine.evaluate import evaluate_module
    from ketasim.mechanisms.plasticity.ampa import ampa_module

    assert float(evaluate_module(ampa_module("none"), {"glutamate_release": 2.0})["ampa_activation"]) == 1.0
    assert float(evaluate_module(ampa_module("circuit"), {"glutamate_release": 2.0},
                                 )["ampa_activation"]) == pytest.approx(2.0)
