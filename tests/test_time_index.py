"""Issue 17: the `time` coordinate keeps the contract (float minutes, units "min", in NetCDF
too) and its index reads units, so `ds.sel(time="2 h")` selects the row at 120 min."""

import numpy as np
import pint
import pytest
import xarray as xr

import ketasim as k
from ketasim.errors import InputError
from ketasim.time_index import TimeIndex, label_minutes
from ketasim.units import ureg

REG = [k.DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min")]


@pytest.fixture(scope="module")
def ds():
    return k.simulate(REG, duration="3 h")


def test_the_contract_holds_float_minutes_named_time(ds):
    assert ds.time.dtype == np.float64 and ds.time.attrs == {"units": "min", "long_name": "time since start"}
    assert ds.time.values[0] == 0.0 and ds.time.values[-1] == 180.0 and ds.plasma_ketamine.dims == ("time",)
    assert isinstance(ds.xindexes["time"], TimeIndex)


def test_sel_reads_units(ds):
    row = int(np.flatnonzero(ds.time.values == 120.0)[0])
    want = ds.plasma_ketamine.values[row]
    assert float(ds.plasma_ketamine.sel(time="2 h")) == want
    assert float(ds.sel(time=ureg.Quantity(2, "hour")).plasma_ketamine) == want
    assert float(ds.sel(time=pint.UnitRegistry().Quantity(7200, "s")).plasma_ketamine) == want
    assert float(ds.plasma_ketamine.sel(time=120.0)) == want                     # numbers stay minutes
    assert float(ds.plasma_ketamine.sel(time="119.6 min", method="nearest")) == want
    assert float(ds.plasma_ketamine.sel(time="119.6 min", method="nearest", tolerance="1 min")) == want
    window = ds.sel(time=slice("1 h", "2 h"))
    assert window.time.values[0] == 60.0 and window.time.values[-1] == 120.0 and window.sizes["time"] == 61
    assert list(ds.sel(time=["30 min", "1 h", 90]).time.values) == [30.0, 60.0, 90.0]
    assert list(ds.sel(time=ureg.Quantity(np.array([0.5, 1.0]), "h")).time.values) == [30.0, 60.0]


def test_a_bad_label_is_one_line_naming_time(ds):
    with pytest.raises(InputError, match=r"^time: '2 kg' is not in a unit of min"):
        ds.sel(time="2 kg")
    with pytest.raises(KeyError):
        ds.sel(time="2.5 min")   # not on the grid: xarray's own error, as for a number


def test_selection_keeps_the_index_and_alignment_with_plain_minutes_works(ds):
    assert isinstance(ds.isel(time=slice(0, 10)).xindexes["time"], TimeIndex)
    plain = ds.drop_indexes("time").set_xindex("time")
    assert ds.equals(plain)
    assert float(abs(ds.plasma_ketamine - plain.plasma_ketamine).max()) == 0.0


def test_netcdf_keeps_minutes_and_with_time_units_restores_the_index(ds, tmp_path):
    ds.to_netcdf(tmp_path / "r.nc", engine="h5netcdf")
    back = xr.load_dataset(tmp_path / "r.nc", engine="h5netcdf")
    assert back.time.attrs["units"] == "min" and np.array_equal(back.time.values, ds.time.values)
    assert not isinstance(back.xindexes["time"], TimeIndex)
    again = k.with_time_units(back)
    assert float(again.plasma_ketamine.sel(time="2 h")) == float(ds.plasma_ketamine.sel(time=120.0))
    hours = back.assign_coords(time=("time", back.time.values / 60, {"units": "h"}))
    with pytest.raises(InputError, match="not minutes"):
        k.with_time_units(hours)


def test_population_time_reads_units_too():
    pop = k.simulate_population(REG, n=3, seed=0, duration="3 h")  # the population tests' shape
    assert pop.plasma_ketamine.sel(time="40 min").dims == ("patient",)
    np.testing.assert_array_equal(pop.plasma_ketamine.sel(time="40 min").values,
                                  pop.plasma_ketamine.sel(time=40.0).values)


def test_label_minutes_leaves_numbers_alone():
    assert label_minutes(5) == 5 and label_minutes(None) is None
    assert label_minutes(slice(None, "1 d")) == slice(None, 1440.0, None)
