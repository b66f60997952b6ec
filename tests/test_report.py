"""Report layer: PK summary against an analytic curve; the HTML is self-contained."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import xarray as xr

from ketasim.report.equations import model_equations_mathml, module_equations_mathml
from ketasim.report.figures import concentration_figure, svg_of
from ketasim.report.small_multiples import panel_stack, unit_panels
from ketasim.report.svg_chart import stack_svg
from ketasim.report.html import render_report
from ketasim.report.summary import pk_summary

C0 = 250.0          # ng/mL
K = 0.006           # 1/min  (t1/2 = ln2/k = 115.5 min)
T_END = 600.0       # min


def _analytic_ds(n: int = 6001) -> xr.Dataset:
    t = np.linspace(0.0, T_END, n)
    c = C0 * np.exp(-K * t)
    return xr.Dataset(
        {"plasma_ketamine": ("time", c, {"units": "ng/mL", "long_name": "ketamine", "source": "test"})},
        coords={"time": ("time", t, {"units": "min"})},
    )


def test_summary_matches_one_compartment_curve():
    (row,) = pk_summary(_analytic_ds())
    assert row["analyte"] == "plasma_ketamine"
    assert row["unit"] == "ng/mL"
    assert row["Cmax"] == pytest.approx(C0, rel=1e-12)
    assert row["Tmax (min)"] == 0.0
    auc_exact_h = C0 / K * (1.0 - math.exp(-K * T_END)) / 60.0   # ng/mL·h
    assert row["AUC (unit·h)"] == pytest.approx(auc_exact_h, rel=1e-3)
    assert row["t1/2 (h)"] == pytest.approx(math.log(2.0) / K / 60.0, rel=1e-6)


def test_summary_half_life_none_when_rising_and_skips_missing():
    t = np.linspace(0.0, 360.0, 361)
    ds = xr.Dataset(
        {"plasma_hnk": ("time", 10.0 * (1 - np.exp(-t / 100.0)), {"units": "ng/mL"}),
         "plasma_norketamine": ("time", np.zeros_like(t), {"units": "ng/mL"})},
        coords={"time": t},
    )
    rows = pk_summary(ds)
    assert [r["analyte"] for r in rows] == ["plasma_norketamine", "plasma_hnk"]
    for r in rows:
        assert r["t1/2 (h)"] is None
        for v in r.values():
            assert not (isinstance(v, float) and math.isnan(v))


def test_figures_are_inline_svg():
    ds = _analytic_ds(601)
    svg = svg_of(concentration_figure(ds))
    assert svg.lstrip().startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    (panel,) = unit_panels(ds, ["plasma_ketamine", "absent"])
    assert panel.names == ("plasma_ketamine",)
    assert stack_svg(panel_stack(ds, panel)).startswith("<svg")


@pytest.fixture(scope="module")
def simulated():
    import ketasim as k
    from ketasim.mechanisms.registry import build_model

    ds = k.simulate([k.DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0, duration=40)], duration="6 h")
    return ds, build_model()


def test_equations_are_mathml(simulated):
    _, model = simulated
    mod = next(m for m in model.modules if any(e.is_state for e in m.parsed))
    eqs = module_equations_mathml(mod)
    assert len(eqs) == len(mod.parsed)
    for (mml, unit), eq in zip(eqs, mod.parsed):
        assert mml.startswith("<math") and mml.endswith("</math>")
        assert unit == eq.unit
        if eq.is_state:
            assert "<mfrac>" in mml


def test_model_mathml_is_kept_on_disk_and_read_back_equal(simulated, tmp_path, monkeypatch):
    """The whole model's MathML, derived, then read from the cache folder in a fresh memo,
    equals the equations printed one module at a time; a corrupt entry is printed again."""
    from ketasim.engine import derived_cache

    _, model = simulated
    direct = [module_equations_mathml(m) for m in model.modules]
    monkeypatch.setenv("KETASIM_JAX_CACHE", str(tmp_path))
    monkeypatch.setattr(derived_cache, "MEMO", {})
    assert model_equations_mathml(model) == direct            # printed and stored
    entries = list((tmp_path / "mathml").glob("*.json"))
    assert len(entries) == 1
    monkeypatch.setattr(derived_cache, "MEMO", {})
    assert model_equations_mathml(model) == direct            # read back
    entries[0].write_text("[[", encoding="utf-8")
    monkeypatch.setattr(derived_cache, "MEMO", {})
    assert model_equations_mathml(model) == direct


def test_report_is_self_contained_and_complete(simulated, tmp_path):
    ds, model = simulated
    html = render_report(ds, model, pk_summary(ds), "IV ketamine 0.5 mg/kg over 40 min")
    low = html.lower()
    assert not re.search(r"src\s*=\s*[\"']?\s*https?://", low)
    assert "<script" not in low
    assert not re.search(r"<link[^>]*href", low)
    assert "@import" not in low
    assert not re.search(r"url\(\s*['\"]?(?!#)", low)      # only in-document url(#id)
    assert not re.search(r"href\s*=\s*[\"'](?!https://doi\.org/|https://pubmed\.|#)", low)
    assert "<svg" in html and "<math" in html
    assert "not for clinical" in low
    params = json.loads(ds.attrs["parameters"])
    for q, (_value, _unit, source) in params.items():
        assert source in html, f"source key {source!r} of {q} missing"
    for q, rec in model.parameters.items.items():
        assert rec.source in html
    assert "plasma_ketamine" in html and "Cmax" in html


def test_citation_doi_is_a_plain_link(simulated, monkeypatch):
    import ketasim.report.html as rep
    import ketasim.report.model_html as model_html
    from ketasim.references import Reference

    ds, model = simulated
    monkeypatch.setattr(model_html, "lookup", lambda key: Reference(key, f"Author <{key}> 1999.", doi="10.1000/x&y"))
    html = rep.render_report(ds, model, [], "t")
    assert '<a href="https://doi.org/10.1000/x&amp;y">doi:10.1000/x&amp;y</a>' in html
    assert "Author &lt;fanta2015&gt; 1999." in html
