"""The report's cascade figure: layers in cascade order, two views, one extended solve."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from ketasim.report.cascade import (ACUTE_HOURS, LAYERS, cascade_figure, extended_times, layer_observables,
                                    regimen_drugs)


def _ds(names, minutes, peaks=None, drugs=()):
    t = np.asarray(minutes, dtype=float)
    data = {}
    for n in names:
        peak = (peaks or {}).get(n, 1.0)
        y = 1.0 + peak * np.exp(-((t - 60.0) / 60.0) ** 2) if peak else np.zeros_like(t)
        data[n] = xr.Variable(("time",), y, attrs={"units": "ng/mL" if n.startswith("plasma_") else "1"})
    regimen = json.dumps([{"drug": d, "route": "iv"} for d in drugs])
    return xr.Dataset(data, coords={"time": t}, attrs={"regimen": regimen})


def test_extended_grid_continues_hourly_to_four_weeks():
    ts = np.arange(0.0, 361.0, 1.0)
    ext = extended_times(ts, 360.0)
    assert np.all(np.diff(ext) > 0)
    assert ext[:361].tolist() == ts.tolist()
    assert ext[-1] == pytest.approx(28 * 1440.0) and np.allclose(np.diff(ext[361:]), 60.0)
    long = np.arange(0.0, 30 * 1440.0 + 1, 60.0)
    assert np.array_equal(extended_times(long, 30 * 1440.0), long)


def test_pk_layer_shows_the_drugs_given():
    pk = LAYERS[0]
    ds = _ds(["plasma_ketamine", "plasma_norketamine", "plasma_citalopram"], np.arange(0, 600, 10),
             drugs=("ketamine", "citalopram"))
    assert regimen_drugs(ds) == ("ketamine", "citalopram")
    assert layer_observables(ds, pk, regimen_drugs(ds)) == ["plasma_ketamine", "plasma_norketamine",
                                                            "plasma_citalopram"]
    # an SSRI arm: ketamine's flat zero lines are left out, the SSRI's level stands for PK
    ssri = _ds(["plasma_ketamine", "plasma_norketamine", "plasma_citalopram"], np.arange(0, 600, 10),
               peaks={"plasma_ketamine": 0.0, "plasma_norketamine": 0.0}, drugs=("citalopram",))
    assert layer_observables(ssri, pk, ("citalopram",)) == ["plasma_citalopram"]


def test_figure_has_an_hours_view_and_a_days_view_in_cascade_order():
    names = ["madrs", "bdnf", "plasma_ketamine", "nmda_block_interneuron"]
    acute = _ds(names, np.arange(0, 1441, 1), drugs=("ketamine",))
    weeks = _ds(names, np.arange(0, 28 * 1440 + 1, 60), drugs=("ketamine",))
    left, right = cascade_figure(acute, weeks).stacks
    assert [c.ylabel.split("\n")[0] for c in left.charts] == [
        "Pharmacokinetics", "NMDA receptor block", "Signalling", "Symptoms"]
    assert [c.labels for c in left.charts] == [c.labels for c in right.charts]
    assert max(left.charts[0].x) == pytest.approx(ACUTE_HOURS) and max(right.charts[0].x) == pytest.approx(28.0)
    assert left.xlabel.endswith("(h)") and right.xlabel.endswith("(d)")
    assert left.charts[1].references == (0.0,) and left.charts[2].references == (1.0,)
    assert cascade_figure(_ds(["unrelated"], [0, 1]), _ds(["unrelated"], [0, 1])) is None
