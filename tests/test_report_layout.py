"""The run report's layout: a table of contents whose links land, small multiples of one unit and a
handful of series each, one colour per analyte across figures, time in hours or days."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from ketasim.report.cascade import cascade_figure
from ketasim.report.colours import ANALYTE_COLOURS, analyte_of, panel_colours, series_colour
from ketasim.report.figures import concentration_figure, unit_label
from ketasim.report.small_multiples import MAX_RANGE_RATIO, MAX_SERIES, panel_stack, unit_panels
from ketasim.report.time_axis import display_time


def curve(t, peak, at=60.0, width=60.0):
    return 1.0 + peak * np.exp(-((t - at) / width) ** 2)


def dataset(minutes, series):
    """A Dataset of (name, unit, source module, values) series on `minutes`."""
    data = {name: xr.Variable(("time",), values, attrs={"units": unit, "source": f"{module} (test)",
                                                        "long_name": name})
            for name, unit, module, values in series}
    return xr.Dataset(data, coords={"time": np.asarray(minutes, float)},
                      attrs={"regimen": json.dumps([{"drug": "ketamine", "route": "iv"}])})


@pytest.fixture(scope="module")
def simulated():
    import ketasim as k
    from ketasim.mechanisms.registry import build_model
    from ketasim.report.sections import layer_sections

    ds = k.simulate([k.DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0, duration=40)], duration="6 h")
    return ds, build_model(), layer_sections(ds)


def test_report_contents_link_to_every_section(simulated, anchors):
    from ketasim.report.html import render_report

    ds, model, sections = simulated
    page = anchors(render_report(ds, model, None, "t", sections=sections))
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert page.toc_links and set(page.toc_links) <= set(page.ids)
    # every section heading is listed, and the contents reach each module's equations and the references
    assert page.h2_ids and None not in page.h2_ids and set(page.h2_ids) <= set(page.toc_links)
    assert {f"module-{m.name}" for m in model.modules} <= set(page.toc_links)
    assert {"s-other-observables", "s-parameters", "references", "s-plasticity-relative-to-untreated"} \
        <= set(page.toc_links)


def test_small_multiples_one_unit_and_a_handful_of_series_per_panel():
    t = np.arange(0.0, 600.0, 5.0)
    series = [(f"sig_{i}", "1", "signalling" if i < 7 else "mood", curve(t, 0.2 + 0.05 * i)) for i in range(11)]
    series += [("madrs", "1", "mood", 30.0 * curve(t, -0.3)), ("tiny", "1", "mood", 1e-4 * curve(t, 1.0) - 1e-4),
               ("rate_pv", "Hz", "circuit", 18.0 * curve(t, 0.1)), ("rate_sst", "Hz", "circuit", 12.0 * curve(t, 0.1)),
               ("plasma_norketamine", "ng/mL", "pk", 100.0 * curve(t, 1.0))]
    ds = dataset(t, series)
    names = [s[0] for s in series] + ["absent"]
    panels = unit_panels(ds, names)
    drawn = [n for p in panels for n in p.names]
    assert sorted(drawn) == sorted(s[0] for s in series)          # every series once, absent ones skipped
    for p in panels:
        units = {str(ds[n].attrs["units"]) for n in p.names}
        assert units == {p.unit} and 1 <= len(p.names) <= MAX_SERIES
        lows, highs = [float(ds[n].values.min()) for n in p.names], [float(ds[n].values.max()) for n in p.names]
        smallest = min(h - lo for lo, h in zip(lows, highs))
        assert max(highs) - min(lows) <= MAX_RANGE_RATIO * smallest  # no curve drawn flat on the shared axis
        (chart,) = panel_stack(ds, p).charts
        assert chart.ylabel == unit_label(p.unit)
        assert chart.labels == p.names
        assert [line.y for line in chart.lines] == [tuple(ds[n].values.tolist()) for n in p.names]
    assert {p.ylabel for p in panels} == {"dimensionless (1)", "Hz", "ng/mL"}
    # 7 signalling series are cut evenly (4 + 3), not 5 + 2; a score of tens of points and a series
    # moving by 1e-4 do not share an axis with series near 1
    sig = [p.names for p in panels if p.title == "signalling"]
    assert [len(n) for n in sig] == [4, 3]
    panel_of = {n: p for p in panels for n in p.names}
    assert panel_of["tiny"].names == ("tiny",)
    assert not any(n.startswith("sig_") for n in panel_of["madrs"].names)


def test_small_multiples_of_a_simulation_cover_its_time_varying_observables(simulated):
    ds, _, _ = simulated
    varying = [n for n in ds.data_vars if ds[n].dims == ("time",) and float(np.ptp(ds[n].values)) > 0]
    panels = unit_panels(ds, varying)
    assert sum(len(p.names) for p in panels) == len(varying)
    assert all(len(p.names) <= MAX_SERIES for p in panels)
    assert all(unit_label(ds[n].attrs["units"]) == p.ylabel for p in panels for n in p.names)


def test_an_analyte_has_one_colour_in_every_figure():
    t = np.arange(0.0, 1441.0, 10.0)
    names = ["plasma_ketamine", "plasma_norketamine", "brain_ketamine", "brain_norketamine",
             "nmda_block_interneuron", "bdnf"]
    units = {"plasma": "ng/mL", "brain": "uM"}
    ds = dataset(t, [(n, units.get(n.split("_")[0], "1"), "m", 50 * curve(t, 1.0) - 50) for n in names])
    ds = ds.assign(**{n: ds[n].assign_attrs(long_name="") for n in names})   # legends show the names

    def colours(fig):
        stacks = fig.stacks if hasattr(fig, "stacks") else (fig,)
        return {line.label.replace(" ", "_"): line.colour for st in stacks for c in st.charts for line in c.lines}

    conc = colours(concentration_figure(ds))
    casc = colours(cascade_figure(ds, ds))
    assert conc["plasma_norketamine"] == casc["plasma_norketamine"] == ANALYTE_COLOURS["norketamine"]
    assert conc["plasma_ketamine"] == casc["plasma_ketamine"] == conc["brain_ketamine"] == ANALYTE_COLOURS["ketamine"]
    assert conc["brain_norketamine"] == conc["plasma_norketamine"] != conc["plasma_ketamine"]
    # the same analyte under another observable name or as a trial arm named after the drug
    assert analyte_of("formation_s_norketamine") == "s_norketamine" and analyte_of("esketamine") == "s_ketamine"
    assert series_colour("ketamine") == ANALYTE_COLOURS["ketamine"] and analyte_of("bdnf") is None
    # non-analytes are numbered among themselves and never take an analyte's colour
    other = panel_colours(["plasma_ketamine", "bdnf", "spine_density", "saline"])
    assert other[0] == ANALYTE_COLOURS["ketamine"] and other[1] != other[2]
    assert not set(other[1:3]) & set(ANALYTE_COLOURS.values()) and other[3] not in other[:3]


@pytest.mark.parametrize("end_min, unit, end_shown", [(1440.0, "h", 24.0), (2 * 1440.0, "h", 48.0),
                                                      (7 * 1440.0, "d", 7.0)])
def test_time_axis_in_hours_or_days_as_the_span_fits(end_min, unit, end_shown):
    t = np.linspace(0.0, end_min, 50)
    shown, label = display_time(t)
    assert label == f"time ({unit})" and shown[-1] == pytest.approx(end_shown)
    ds = dataset(t, [("plasma_ketamine", "ng/mL", "pk", 100 * curve(t, 1.0))])
    fig = concentration_figure(ds)
    (plasma,) = fig.charts                      # no brain analyte: no empty panel
    assert fig.xlabel == f"time ({unit})" and plasma.ylog
    assert plasma.x[-1] == pytest.approx(end_shown)
