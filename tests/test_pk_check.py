"""`ketasim pk-check` and `ketasim.pkdata`: the loader, the metric functions (against hand
computations), the predictor (on an analytic one-compartment stand-in for the model, and
once on the model itself) and the command's refusals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from ketasim.errors import InputError
from ketasim.pkdata import metrics
from ketasim.pkdata.loader import load_pk_data
from ketasim.pkdata.predict import predict
from ketasim.pkdata.records import Observed, PkData, SummaryRow
from ketasim.pkdata.regimen import BOLUS_INFUSION_MIN, NotComputable, Regimen, regimen_of

DATA = Path(__file__).resolve().parent.parent / "src" / "ketasim" / "data" / "pk"

# ---------------------------------------------------------------- metrics, by hand

PRED = [12.0, 5.0, 30.0, 2.0]
OBS = [10.0, 10.0, 10.0, 8.0]
# PE: (12-10)/10 = 0.2; (5-10)/10 = -0.5; (30-10)/10 = 2.0; (2-8)/8 = -0.75
# sorted: -0.75, -0.5, 0.2, 2.0 -> median (-0.5 + 0.2)/2 = -0.15 -> -15 %
# |PE| sorted: 0.2, 0.5, 0.75, 2.0 -> median (0.5 + 0.75)/2 = 0.625 -> 62.5 %
# obs/pred: 10/12, 2, 1/3, 4 -> product 10/12 * 2 * 1/3 * 4 = 80/36 = 20/9 -> GMR (20/9)^(1/4)
# pred/obs: 1.2 (in), 0.5 (in, the boundary), 3 (out), 0.25 (out) -> 2/4 within two-fold


def test_prediction_errors_by_hand():
    assert np.allclose(metrics.prediction_errors(PRED, OBS), [0.2, -0.5, 2.0, -0.75])


def test_median_pe_and_mdape_by_hand():
    assert metrics.median_pe(PRED, OBS) == pytest.approx(-15.0)
    assert metrics.mdape(PRED, OBS) == pytest.approx(62.5)


def test_gmr_and_two_fold_by_hand():
    assert metrics.geometric_mean_ratio(PRED, OBS) == pytest.approx((20.0 / 9.0) ** 0.25)
    assert metrics.within_two_fold(PRED, OBS) == pytest.approx(0.5)
    assert metrics.within_two_fold([20.0], [10.0]) == 1.0          # exactly two-fold counts as within


def test_gmr_leaves_out_non_positive_pairs_and_empty_groups_are_nan():
    # pairs (0, 5) and (4, -1) left out; (2, 8): 8/2 = 4
    assert metrics.geometric_mean_ratio([0.0, 4.0, 2.0], [5.0, -1.0, 8.0]) == pytest.approx(4.0)
    g = metrics.summarise("set", "none", [], [])
    assert g.n == 0 and all(math.isnan(x) for x in (g.median_pe, g.mdape, g.gmr, g.within_two_fold))


# ---------------------------------------------------------------- loader


def test_loader_reads_the_package_data():
    data = load_pk_data()
    assert len(data.summaries) == 102 and len({r.id for r in data.summaries}) == 102
    assert {s.id for s in data.series} == {"hasan2021_s_ketamine_iv5mg", "hasan2021_r_ketamine_iv5mg"}
    label = next(r for r in data.summaries if r.id == "label_tmax")
    assert label.observed == Observed(30.0, 20.0, 40.0) and label.observed.is_range   # '20-40' at its midpoint
    simons = next(r for r in data.summaries if r.id == "simons_iv20_sket_cmax_a")
    assert simons.infusion_min == 20.0 and simons.observed.value == 273.0 and not simons.observed.is_range
    s = data.series[0]
    assert s.points[0].time_h == 1.0 and s.points[0].sd is None and s.dose == 5.0


def _copy_data(tmp_path: Path) -> Path:
    for f in DATA.iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    return tmp_path


@pytest.mark.parametrize("old, new, words", [
    (",cmax,296,", ",cmax,29x6,", ["summaries.csv", "row 2", "column value", "not a number"]),
    ("ph22_iv10_ket_tmax,pharmacotherapy2022_in_iv,validation,", "ph22_iv10_ket_tmax,pharmacotherapy2022_in_iv,"
     "training,", ["summaries.csv", "row 3", "column set", "training"]),
    (",cmax,296,", ",cmax,40-20,", ["summaries.csv", "row 2", "column value", "low-high"]),
])
def test_a_bad_summary_cell_names_file_row_and_column(tmp_path, old, new, words):
    folder = _copy_data(tmp_path)
    path = folder / "summaries.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_pk_data(folder)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_a_bad_header_or_series_point_is_refused(tmp_path):
    folder = _copy_data(tmp_path)
    path = folder / "summaries.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("spread_kind,", "spread_type,", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"summaries.csv: column header .*missing spread_kind.*unknown spread_type"):
        load_pk_data(folder)
    path.write_text(text, encoding="utf-8")
    series = folder / "hasan2021_s_ketamine_iv5mg.csv"
    series.write_text(series.read_text(encoding="utf-8").replace("2.0,3.2911", "0.5,3.2911"), encoding="utf-8")
    with pytest.raises(InputError, match=r"hasan2021_s_ketamine_iv5mg.csv: row 3, column time_h: times must increase"):
        load_pk_data(folder)


# ---------------------------------------------------------------- regimens


def test_regimen_conventions():
    r, caveats = regimen_of("racemic ketamine", "iv (injection)", "20", "mg", None, False)
    assert r == Regimen("ketamine", "iv", 20.0, False, BOLUS_INFUSION_MIN)       # a bolus: a 1-min infusion
    assert any("1-min infusion" in c for c in caveats) and any("qualifier" in c for c in caveats)
    r, _ = regimen_of("esketamine", "iv", "0.5", "mg/kg", 40.0, False)
    assert r.per_kg and r.dose_mg(70.0) == pytest.approx(35.0) and r.infusion_min == 40.0
    with pytest.raises(NotComputable, match="range"):
        regimen_of("arketamine", "iv", "10-180", "mg", None, False)
    with pytest.raises(NotComputable, match="rectal"):
        regimen_of("racemic ketamine", "rectal (suppository)", "50", "mg", None, False)
    with pytest.raises(NotComputable, match="no dose"):
        regimen_of("esketamine", "intranasal", "", "", None, False)


# ---------------------------------------------------------------- the predictor on an analytic stand-in

V_L, K_PER_MIN, KA_PER_MIN, F_EXTRA = 100.0, 0.01, 0.05, 0.5   # the stand-in's volume, elimination, absorption, F
METABOLITE_SCALE = 0.3                                          # each metabolite: this x its parent


def _one_compartment(r: Regimen, t: np.ndarray, weight: float = 70.0) -> np.ndarray:
    """ng/mL of a one-compartment drug: an IV infusion exactly, other routes first-order
    absorption with F_EXTRA (mg/L = 1000 ng/mL)."""
    d = r.dose_mg(weight)
    if r.route == "iv":
        tinf = r.infusion_min
        rate = d / tinf
        during = rate / (K_PER_MIN * V_L) * (1 - np.exp(-K_PER_MIN * np.minimum(t, tinf)))
        c = np.where(t <= tinf, during, during * np.exp(-K_PER_MIN * np.maximum(t - tinf, 0.0)))
    else:
        c = (F_EXTRA * d * KA_PER_MIN / (V_L * (KA_PER_MIN - K_PER_MIN))
             * (np.exp(-K_PER_MIN * t) - np.exp(-KA_PER_MIN * t)))
    return 1000.0 * c


def fake_simulator(r: Regimen, duration: float, times: np.ndarray) -> xr.Dataset:
    """A Dataset like `ketasim.simulate`'s: S and R shares of the drug each a one-compartment course."""
    t = np.union1d(np.arange(0.0, duration + 1.0, 1.0), times)
    share = {"ketamine": (0.5, 0.5), "esketamine": (1.0, 0.0), "arketamine": (0.0, 1.0)}[r.drug]
    s, rr = (f * _one_compartment(r, t) for f in share)
    curves = {"plasma_s_ketamine": s, "plasma_r_ketamine": rr, "plasma_ketamine": s + rr,
              "plasma_s_norketamine": METABOLITE_SCALE * s, "plasma_r_norketamine": METABOLITE_SCALE * rr,
              "plasma_norketamine": METABOLITE_SCALE * (s + rr), "plasma_hnk": METABOLITE_SCALE * (s + rr),
              "plasma_dehydronorketamine": METABOLITE_SCALE * (s + rr)}
    return xr.Dataset({k: ("time", v, {"units": "ng/mL"}) for k, v in curves.items()}, coords={"time": t})


def _row(**kw) -> SummaryRow:
    base = dict(id="x", source="src", set="validation", analyte="plasma_s_ketamine", drug="esketamine", route="iv",
                dose="0.125", dose_unit="mg/kg", infusion_min=None, metric="clearance",
                observed=Observed(1.0, 1.0, 1.0), unit="L/h per 70 kg", statistic="", sampling="", quality="",
                note="", line=2)
    base.update(kw)
    return SummaryRow(**base)


def test_predictions_on_the_stand_in_match_the_hand_values():
    rows = (
        _row(id="cl"),                                                     # CL = k V = 0.01/min x 100 L = 60 L/h
        _row(id="vss", metric="vss", unit="L/kg"),                         # V / 70 kg
        _row(id="thalf", metric="t_half_terminal", unit="h"),              # ln 2 / k
        _row(id="auc", metric="auc", unit="ug*h/L", dose="10", dose_unit="mg"),  # D / CL = 10 mg / 60 L/h
        _row(id="F", metric="bioavailability", unit="%", route="oral"),    # F_EXTRA
        _row(id="ratio", metric="auc_ratio_metabolite_parent", analyte="plasma_noresketamine", unit="ratio"),
        _row(id="tmax", metric="tmax", unit="min", route="oral", dose="25", dose_unit="mg"),
        _row(id="renal", metric="fraction_dose_renal", unit="%"),
        _row(id="label", metric="t_half_terminal", unit="h", dose="", dose_unit="", route="intranasal",
             observed=Observed(1.5, 1.0, 2.0)),
    )
    p = predict(PkData(rows, ()), simulator=fake_simulator)
    got = {c.id: c.predicted for c in p.comparisons}
    tmax_hand = math.log(KA_PER_MIN / K_PER_MIN) / (KA_PER_MIN - K_PER_MIN)   # Bateman peak time, min
    assert got["cl"] == pytest.approx(60.0, rel=1e-3)
    assert got["vss"] == pytest.approx(V_L / 70.0, rel=2e-3)
    assert got["thalf"] == pytest.approx(math.log(2) / K_PER_MIN / 60.0, rel=1e-3)
    assert got["auc"] == pytest.approx(10.0 / 60.0 * 1000.0, rel=1e-3)    # mg·h/L -> ug·h/L
    assert got["F"] == pytest.approx(100.0 * F_EXTRA, rel=1e-3)
    assert got["ratio"] == pytest.approx(METABOLITE_SCALE, rel=1e-6)
    assert got["tmax"] == pytest.approx(tmax_hand, abs=1.0)              # the stand-in's 1-min grid
    assert got["label"] == pytest.approx(math.log(2) / K_PER_MIN / 60.0, rel=1e-3)
    label = next(c for c in p.comparisons if c.id == "label")
    assert label.in_range is True and any("no dose" in c for c in label.caveats)
    assert [r.id for r in p.refused] == ["renal"] and "urine" in p.refused[0].reason


def test_every_row_of_the_data_is_compared_or_refused_with_a_reason():
    data = load_pk_data()
    p = predict(data, simulator=fake_simulator)
    compared = {c.id for c in p.summaries}
    refused = {r.id: r.reason for r in p.refused}
    assert compared | set(refused) == {r.id for r in data.summaries} and not compared & set(refused)
    assert all(reason.strip() for reason in refused.values())
    assert len(p.series_points) == sum(len(s.points) for s in data.series)
    groups = metrics.group_summaries(p.comparisons)
    assert {g.by for g in groups} == {"all", "set", "analyte", "study", "set x analyte", "series"}
    assert next(g for g in groups if g.by == "all" and g.name == "summary values").n == len(compared)


def test_an_unknown_hypothesis_value_is_refused_before_any_simulation():
    with pytest.raises(InputError, match=r"hypotheses.ketamine_pk"):
        predict(PkData((_row(),), ()), {"ketamine_pk": "nope"}, simulator=fake_simulator)


# ---------------------------------------------------------------- the model itself (one simulation)


def test_model_clearance_and_half_life_agree_with_its_parameter_and_nca():
    """Esketamine IV: predicted S-ketamine clearance = the model's ketamine_s.cl at its 70-kg
    reference weight, and the half-life = `ketasim.nca`'s on the same course."""
    import ketasim
    from ketasim.mechanisms.registry import build_model
    from ketasim.pkdata.predict import SIM_DURATION_H

    courses = {}

    def keep(r, duration, times):
        from ketasim.simulate import grid_for, simulate

        courses[r] = simulate(r.events(), None, duration, times=np.union1d(grid_for(r.events(), duration), times))
        return courses[r]

    rows = (_row(id="cl"), _row(id="thalf", metric="t_half_terminal", unit="h"))
    p = predict(PkData(rows, ()), simulator=keep)
    got = {c.id: c.predicted for c in p.comparisons}
    cl = build_model("human", {}, frozenset({"esketamine"})).parameters.items["ketamine_s.cl"]
    assert cl.unit == "L/h"
    assert got["cl"] == pytest.approx(cl.value, rel=5e-3)
    (ds,) = courses.values()
    assert float(ds["time"][-1]) == SIM_DURATION_H * 60.0
    row = ketasim.nca(ds, ["plasma_s_ketamine"])[0]
    assert got["thalf"] == pytest.approx(row["t1/2 (h)"], rel=1e-9)


# ---------------------------------------------------------------- the command


def _invoke(*args):
    from typer.testing import CliRunner

    from ketasim.cli import app

    return CliRunner().invoke(app, ["pk-check", *args])


@pytest.mark.parametrize("args, words", [
    (["--set", "training"], ["--set", "training"]),
    (["--hypothesis", "ketamine_pk"], ["--hypothesis", "NAME=VALUE"]),
    (["--hypothesis", "ketamine_pk=nope"], ["--hypothesis ketamine_pk", "nope"]),
    (["--hypothesis", "kettamine_pk=domino1982"], ["--hypothesis kettamine_pk", "ketamine_pk"]),
])
def test_bad_options_are_one_line_exit_2(args, words):
    r = _invoke(*args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and all(w in lines[0] for w in words), r.output


def test_command_prints_tables_and_writes_json_and_html(tmp_path, monkeypatch):
    import ketasim.pkdata.result as result

    real = result.predict
    monkeypatch.setattr(result, "predict", lambda data, hyp, on_course=None: real(data, hyp, simulator=fake_simulator))
    out, page = tmp_path / "pk.json", tmp_path / "pk.html"
    r = _invoke("--set", "calibration", "--hypothesis", "ketamine_pk=domino1982", "--json", str(out),
                "--html", str(page))
    assert r.exit_code == 0, r.output
    assert "Fit metrics" in r.output and "Not computable" in r.output and "fanta_sket_cl" in r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["set"] == "calibration" and doc["hypotheses"]["ketamine_pk"] == "domino1982"
    assert doc["comparisons"] and all(c["set"] == "calibration" for c in doc["comparisons"])
    assert {"by", "name", "n", "median_pe_percent", "mdape_percent", "gmr_observed_over_predicted",
            "within_two_fold"} == set(doc["groups"][0])
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "Observed against predicted" in html
