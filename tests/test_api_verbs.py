"""Issue 17: the command line's verbs from Python (`ketasim.nca`, `run_experiment`,
`run_trial`, `write_report`), each a door to the one place that does the work."""

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import ketasim as k
from ketasim.errors import InputError
from ketasim.experiments.loader import load_experiment
from ketasim.report.markup import fmt_value

LIBRARY = Path(__file__).parents[1] / "src" / "ketasim" / "experiments" / "library"
REG = [k.DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min")]


@pytest.fixture(scope="module")
def ds():
    return k.simulate(REG, k.Patient(weight_kg="70 kg"), duration="3 h")


def test_nca_is_the_pk_summary_with_values_checked_by_hand(ds):
    rows = {r["analyte"]: r for r in k.nca(ds)}
    t, y = ds.time.values, ds.plasma_ketamine.values
    ket = rows["plasma_ketamine"]
    assert ket["unit"] == "ng/mL" and ket["Cmax"] == pytest.approx(y.max(), rel=1e-12)
    assert ket["Tmax (min)"] == t[np.argmax(y)] == 40.0
    assert ket["AUC (unit·h)"] == pytest.approx(np.sum(np.diff(t) * (y[1:] + y[:-1]) / 2) / 60, rel=1e-9)
    # 3 h is too short a run for ketamine's terminal phase: the half-life is refused, with why
    assert ket["t1/2 (h)"] is None and "extrapolated" in ket["t1/2 note"]
    assert ket["AUC extrap. (%)"] > 20.0 and ket["λz points"] >= 3
    assert [r["analyte"] for r in k.nca(ds, ["brain_ketamine", "no_such"])] == ["brain_ketamine"]


def test_nca_of_a_population_has_one_row_per_patient_and_analyte():
    pop = k.simulate_population(REG, n=3, seed=2, duration="3 h")
    rows = k.nca(pop, ["plasma_ketamine"])
    assert [r["patient"] for r in rows] == [0, 1, 2]
    for r in rows:
        assert r["Cmax"] == pytest.approx(float(pop.plasma_ketamine[r["patient"]].max()), rel=1e-12)
    assert len({r["Cmax"] for r in rows}) == 3      # the patients differ


def test_run_experiment_takes_a_path_and_scores_what_simulate_gives(ds):
    path = LIBRARY / "pk_end_of_infusion_cmax.toml"
    result = k.run_experiment(path, keep_series=False)
    assert result.id == "pk-end-of-infusion-cmax"
    peak = next(m for m in result.measures if m.name == "plasma_ketamine max")
    assert peak.simulated == pytest.approx(float(ds.plasma_ketamine.max()), rel=1e-9)
    assert peak.expected == 185.0 and peak.unit == "ng/mL"
    assert result.to_json() == k.run_experiment(load_experiment(path), keep_series=False).to_json()
    with pytest.raises(InputError, match="cannot read file"):
        k.run_experiment(LIBRARY / "no_such_file.toml")


def test_write_report_writes_the_one_report(ds, tmp_path):
    out = k.write_report(ds, tmp_path / "r.html", title="ketamine 0.5 mg/kg iv")
    html = out.read_text(encoding="utf-8")
    assert out == tmp_path / "r.html" and html.startswith("<!DOCTYPE html>")
    assert "<title>ketamine 0.5 mg/kg iv</title>" in html
    assert fmt_value(float(ds.plasma_ketamine.max())) in html       # the summary's Cmax
    assert "Model equations" in html and "ketamine_s" in html        # rebuilt model's equations
    with pytest.raises(InputError, match="a population"):
        k.write_report(ds.expand_dims(patient=[0]), tmp_path / "p.html")
    with pytest.raises(InputError, match=r"^path: .* is a folder"):
        k.write_report(ds, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


@pytest.mark.parametrize("kw, words", [
    (dict(patients=0), "patients: must be a whole number, at least 1"),
    (dict(workers=-1), "workers: must be a whole number, not negative"),
    (dict(bootstrap=-5), "bootstrap: must be a whole number, not negative"),
])
def test_run_trial_refuses_bad_arguments_before_any_work(kw, words, tmp_path):
    with pytest.raises(InputError, match=f"^{words}"):
        k.run_trial(LIBRARY / "clinical_cochrane2021_saline_24h.toml", out=tmp_path / "t", **kw)
    assert not (tmp_path / "t").exists()


def test_run_trial_refuses_a_file_that_is_not_a_trial(tmp_path):
    with pytest.raises(InputError, match="not a trial"):
        k.run_trial(LIBRARY / "pk_end_of_infusion_cmax.toml", out=tmp_path / "t")


@pytest.mark.slow
def test_run_trial_writes_the_outputs_and_resumes(tmp_path):
    path = LIBRARY / "clinical_cochrane2021_saline_24h.toml"
    first = k.run_trial(path, patients=8, out=tmp_path, workers=0, bootstrap=0)
    assert first.summary["trial"]["n"] == 8 and set(first.summary["arms"]) == {"saline", "midazolam"}
    assert json.loads((tmp_path / "summary.json").read_text()) == first.summary
    assert pq.read_table(tmp_path / "endpoints.parquet").num_rows == 2 * 8
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == first.html
    again = k.run_trial(path, patients=8, out=tmp_path, workers=0, bootstrap=0)
    assert again.run["chunks_run"] == 0 and again.summary == first.summary
