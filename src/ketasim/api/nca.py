"""`ketasim.nca`: the non-compartmental (PK) summary of a simulated Dataset, as `ketasim run` prints it."""

from __future__ import annotations

from typing import Iterable

import xarray as xr

from ..errors import InputError


def nca(ds: xr.Dataset, analytes: Iterable[str] | None = None) -> list[dict]:
    """Cmax, Tmax, AUC and terminal half-life of each analyte in `ds` (the one summary,
    `report.summary.pk_summary`; analytes missing from `ds` are skipped).

    analytes: observable names (default `report.summary.DEFAULT_ANALYTES`: plasma ketamine,
    its enantiomers and metabolites, arterial ketamine (what the brain sees), brain ketamine). One row (dict) per analyte:
    "analyte", "unit", "Cmax" (in the variable's unit), "Tmax (min)", "AUC (unit·h)"
    (linear trapezoid over the simulated window, the unit times hours), "t1/2 (h)"
    (terminal, or None), its diagnostics "λz points", "R²adj", "AUC extrap. (%)" and
    "t1/2 note" (why a half-life is refused; `measures.nca`). Numbers are floats, ints or None. A Dataset with a `patient` dimension
    (`simulate_population`) gives one row per patient and analyte, with the patient's
    index under "patient" first.
    """
    from ..report.summary import DEFAULT_ANALYTES, pk_summary

    if "time" not in ds.dims:
        raise InputError("ds: not a simulation result (no `time` dimension)")
    names = DEFAULT_ANALYTES if analytes is None else tuple(analytes)
    if "patient" not in ds.dims:
        return pk_summary(ds, names)
    return [{"patient": int(p), **row} for p in ds["patient"].values for row in pk_summary(ds.sel(patient=p), names)]
