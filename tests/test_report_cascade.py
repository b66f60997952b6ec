"""The report's cascade figure: rows in cascade order, two views, one extended solve."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ketasim.report.cascade import ACUTE_HOURS, cascade_figure, cascade_rows, extended_times


def _ds(names, minutes, peaks=None):
    t = np.asarray(minutes, dtype=float)
    data = {}
    for n in names:
        peak = (peaks or {}).get(n, 1.0)
        y = 1.0 + peak * np.exp(-((t - 60.0) / 60.0) ** 2)
        data[n] = xr.Variable(("time",), y, attrs={"units": "ng/mL" if n.startswith("plasma_") else "1"})
    return xr.Dataset(data, coords={"time": t})


def test_extended_grid_continues_hourly_to_four_weeks():
    ts = np.arange(0.0, 361.0, 1.0)
    ext = extended_times(ts, 360.0)
    assert np.all(np.diff(ext) > 0)
    assert ext[:361].tolist() == ts.tolist()
    assert ext[-1] == pytest.approx(28 * 1440.0) and np.allclose(np.diff(ext[361:]), 60.0)
    long = np.arange(0.0, 30 * 1440.0 + 1, 60.0)
    assert np.array_equal(extended_times(long, 30 * 1440.0), long)


def test_rows_follow_the_cascade_and_prefer_ketamine_in_plasma():
    ds = _ds(["madrs", "bdnf", "plasma_norketamine", "plasma_ketamine", "nmda_block_interneuron"],
             np.arange(0, 600, 10), peaks={"plasma_norketamine": 300.0, "plasma_ketamine": 200.0})
    assert [r.observable for r in cascade_rows(ds)] == ["plasma_ketamine", "nmda_block_interneuron", "bdnf",
                                                       "madrs"]
    # no ketamine given (an SSRI arm): the drug with the highest plasma peak stands for PK
    ds2 = _ds(["plasma_citalopram", "plasma_midazolam", "madrs"], np.arange(0, 600, 10),
              peaks={"plasma_citalopram": 50.0, "plasma_midazolam": 5.0})
    ds2["plasma_ketamine"] = xr.Variable(("time",), np.zeros(60), attrs={"units": "ng/mL"})
    assert cascade_rows(ds2)[0].observable == "plasma_citalopram"


def test_figure_has_an_hours_view_and_a_days_view():
    acute = _ds(["plasma_ketamine", "bdnf", "spine_density"], np.arange(0, 1441, 1))
    weeks = _ds(["plasma_ketamine", "bdnf", "spine_density"], np.arange(0, 28 * 1440 + 1, 60))
    fig = cascade_figure(acute, weeks)
    axes = np.asarray(fig.axes).reshape(3, 2)
    hours = axes[0, 0].lines[0].get_xdata()
    days = axes[0, 1].lines[0].get_xdata()
    assert hours.max() == pytest.approx(ACUTE_HOURS) and days.max() == pytest.approx(28.0)
    assert axes[-1, 0].get_xlabel().endswith("(h)") and axes[-1, 1].get_xlabel().endswith("(d)")
    assert cascade_figure(_ds(["unrelated"], [0, 1]), _ds(["unrelated"], [0, 1])) is None
