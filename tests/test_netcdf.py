"""`netcdf.write_netcdf`: the file it writes reads back as the file xarray's writer gives."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ketasim import simulate
from ketasim.engine.dosing import DoseEvent
from ketasim.netcdf import plain, write_netcdf


def both(ds: xr.Dataset, tmp_path) -> tuple[xr.Dataset, xr.Dataset]:
    """`ds` written by xarray's h5netcdf writer and by `write_netcdf`, each read back."""
    ds.to_netcdf(tmp_path / "xarray.nc", engine="h5netcdf")
    write_netcdf(ds, tmp_path / "ours.nc")
    return (xr.load_dataset(tmp_path / "xarray.nc", engine="h5netcdf"),
            xr.load_dataset(tmp_path / "ours.nc", engine="h5netcdf"))


def test_a_run_reads_back_identical_to_xarrays_file(tmp_path):
    ds = simulate([DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min")], duration="3 h")
    assert plain(ds)
    theirs, ours = both(ds, tmp_path)
    xr.testing.assert_identical(theirs, ours)
    for name in ours.variables:  # the same on-disk encoding: dtype and fill value
        assert ours[name].encoding["dtype"] == theirs[name].encoding["dtype"]
        assert np.isnan(ours[name].encoding["_FillValue"]) and np.isnan(theirs[name].encoding["_FillValue"])
    assert ours.attrs["seed"] == -1 and isinstance(ours.attrs["parameters"], str)


def test_patient_dimension_and_integers(tmp_path):
    ds = xr.Dataset({"x": (("patient", "time"), np.arange(6.0).reshape(2, 3), {"units": "1"}),
                     "count": (("patient",), np.array([3, 4], dtype=np.int64), {"long_name": "visits"})},
                    coords={"time": ("time", [0.0, 1.0, 2.5], {"units": "min"}), "patient": [0, 1]},
                    attrs={"note": "two patients", "n": 2, "scale": 0.5})
    assert plain(ds)
    theirs, ours = both(ds, tmp_path)
    xr.testing.assert_identical(theirs, ours)
    assert "_FillValue" not in ours["count"].encoding and "_FillValue" not in theirs["count"].encoding


@pytest.mark.parametrize("ds", [
    xr.Dataset({"name": ("k", np.array(["a", "b"]))}),                          # strings
    xr.Dataset({"x": ("k", [1.0, 2.0])}, coords={"label": ("k", [5.0, 6.0])}),  # non-dimension coordinate
    xr.Dataset({"x": ("k", [1.0, 2.0])}, attrs={"flag": "yes", "list": [1, 2]}),  # a list attribute
], ids=["strings", "non-dimension-coordinate", "list-attribute"])
def test_other_datasets_go_through_xarray(ds, tmp_path):
    assert not plain(ds)
    theirs, ours = both(ds, tmp_path)
    xr.testing.assert_identical(theirs, ours)

