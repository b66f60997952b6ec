"""The `time` index of ketasim's Datasets: minutes that can be selected with units.

Every Dataset `simulate` and `simulate_population` return keeps the contract's `time`
coordinate: float minutes, `units` attribute "min" (what `ketasim run` writes to NetCDF and
every consumer reads). Its index is a `TimeIndex`, an `xarray` `PandasIndex` that reads
labels with units before selecting, so

    ds.sel(time="2 h")                        # the row at 120 min
    ds.sel(time=slice("1 h", "1 d"))          # 60 .. 1440 min
    ds.sel(time="90.5 min", method="nearest") # nearest grid time
    ds.sel(time=[ureg.Quantity(2, "h")])      # pint Quantities too

work, each label read once by the one parser (`units.minutes`: plain numbers stay minutes).
A Dataset read back from NetCDF has xarray's plain index; `with_time_units(ds)` gives it
this one again. Plot against hours with `ds.assign_coords(time_h=ds.time / 60)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pint
import xarray as xr
from xarray.indexes import PandasIndex

from .errors import InputError
from .units import minutes

TIME = "time"
TIME_ATTRS = {"units": "min", "long_name": "time since start"}


def label_minutes(label: Any, field: str = TIME) -> Any:
    """A selection label with units in minutes: quantity strings and pint Quantities are
    read by `units.minutes`; slices, lists, tuples and arrays label by label; anything else
    (numbers, None, DataArrays) unchanged."""
    if isinstance(label, (str, pint.Quantity)):
        if isinstance(label, pint.Quantity) and np.ndim(label.magnitude) > 0:
            return np.array([minutes(one, field) for one in label])
        return minutes(label, field)
    if isinstance(label, slice):
        return slice(label_minutes(label.start, field), label_minutes(label.stop, field), label.step)
    if isinstance(label, (list, tuple)):
        return [label_minutes(one, field) for one in label]
    if isinstance(label, np.ndarray) and label.dtype.kind in "OUS":
        return np.array([label_minutes(one, field) for one in label.tolist()])
    return label


class TimeIndex(PandasIndex):
    """The `time` index (float minutes) whose `sel` also takes quantities ('2 h', pint).

    Everything else is xarray's `PandasIndex`: alignment, concatenation, `isel` and
    NetCDF output are unchanged (a file keeps plain minutes)."""

    def sel(self, labels: dict[Any, Any], method: str | None = None, tolerance: Any = None):
        """Select by labels in minutes or with units (`label_minutes`); tolerance likewise."""
        return super().sel({name: label_minutes(value, str(name)) for name, value in labels.items()},
                           method=method, tolerance=label_minutes(tolerance, "tolerance"))


def time_coordinates(ts: np.ndarray) -> xr.Coordinates:
    """The `time` coordinate of a result Dataset: `ts` (minutes) with its attributes, indexed by `TimeIndex`."""
    var = xr.Variable(TIME, np.asarray(ts, dtype=float), attrs=dict(TIME_ATTRS))
    return xr.Coordinates({TIME: var}, indexes={TIME: TimeIndex.from_variables({TIME: var}, options={})})


def with_time_units(ds: xr.Dataset | xr.DataArray) -> xr.Dataset | xr.DataArray:
    """`ds` with its `time` index a `TimeIndex`, so `ds.sel(time="2 h")` works (e.g. a
    Dataset read back from a results NetCDF file). The `time` coordinate must be in
    minutes (its `units` attribute "min", as ketasim writes it); `InputError` otherwise."""
    if TIME not in ds.coords or ds[TIME].ndim != 1:
        raise InputError("time: the Dataset has no one-dimensional `time` coordinate")
    unit = ds[TIME].attrs.get("units", "min")
    if unit not in ("min", "minute", "minutes"):
        raise InputError(f"time: the `time` coordinate is in {unit!r}, not minutes")
    if isinstance(ds.xindexes.get(TIME), TimeIndex):
        return ds
    plain = ds.drop_indexes(TIME) if TIME in ds.xindexes else ds
    return plain.set_xindex(TIME, TimeIndex)
