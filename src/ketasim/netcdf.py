"""Writing a results Dataset as NetCDF-4 straight through h5netcdf.

`ketasim run` writes one Dataset of plain numeric variables (every observable on the
`time` coordinate, each with units, long name and source; the provenance as global
attributes). xarray's own writer (`Dataset.to_netcdf`) passes each variable through its
encoders and backend layers: for the standard run's 102 variables 0.30-0.40 s against
0.19 s for this writer in the same process, a tenth of the 3-s bar on a warm `ketasim run`
(`benchmarks/run_walltime.py`). `write_netcdf` writes the same content directly: the
dimensions, every coordinate and data variable as a float or integer array with NaN as
the fill value of floats (as xarray writes them), their attributes, the global
attributes. Read back with `xarray.open_dataset`, its file gives a Dataset identical to
the one xarray's file gives, with the same dtypes and fill values (`tests/test_netcdf.py`).
A Dataset this writer does not cover (strings, dates, objects, a non-dimension
coordinate, an encoding set by the user, an attribute that is a list or a bool) goes
through xarray's writer unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr


def plain(ds: xr.Dataset) -> bool:
    """Whether every variable of `ds` is a numeric (float or integer) array without an
    encoding of its own, every coordinate is a dimension coordinate and every attribute a
    string or number: the Datasets `write_netcdf` writes itself."""
    if set(ds.coords) - set(ds.dims):
        return False
    for v in ds.variables.values():
        if v.dtype.kind not in "fiu" or v.encoding or not all(map(plain_attribute, v.attrs.values())):
            return False
    return all(map(plain_attribute, ds.attrs.values()))


def plain_attribute(value: object) -> bool:
    """A string or a number (not a bool: xarray's writer refuses those, and so should this one)."""
    return isinstance(value, (str, int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write `ds` to `path` as NetCDF-4 (HDF5), the file xarray's h5netcdf engine writes;
    Datasets that are not `plain` are handed to `Dataset.to_netcdf` (engine h5netcdf)."""
    if not plain(ds):
        ds.to_netcdf(path, engine="h5netcdf")
        return
    import h5netcdf

    with h5netcdf.File(path, "w") as f:
        f.dimensions = dict(ds.sizes)
        for name in [*ds.coords, *ds.data_vars]:
            v = ds.variables[name]
            fill = np.nan if v.dtype.kind == "f" else None   # xarray's default: NaN for floats, none for integers
            var = f.create_variable(str(name), v.dims, dtype=v.dtype, data=np.asarray(v.values), fillvalue=fill)
            for key, value in v.attrs.items():
                var.attrs[key] = value
        for key, value in ds.attrs.items():
            f.attrs[key] = value
