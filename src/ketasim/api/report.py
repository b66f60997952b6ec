"""`ketasim.write_report`: the self-contained HTML report of a simulation, as `ketasim run` writes it."""

from __future__ import annotations

import json
from pathlib import Path

import xarray as xr

from ..engine.dosing import DoseEvent
from ..engine.model import AssembledModel
from ..errors import InputError
from ..files import atomic_write_text, check_output
from ..simulate import model_for


def dataset_model(ds: xr.Dataset) -> AssembledModel:
    """The model a `simulate` Dataset was run with, rebuilt from its provenance attributes
    (species, hypotheses and the regimen, through `simulate.model_for`; the parameter values
    the run used stay in the Dataset's `parameters` attribute, which the report reads).
    `InputError` when the attributes are missing (not a ketasim result)."""
    try:
        species = str(ds.attrs["species"])
        hypotheses = json.loads(ds.attrs.get("hypotheses") or "{}")
        regimen = tuple(DoseEvent(**event) for event in json.loads(ds.attrs.get("regimen") or "[]"))
    except (KeyError, TypeError, ValueError):
        raise InputError("ds: not a ketasim simulation result (its provenance attributes are missing)") from None
    return model_for(regimen, species, hypotheses)


def write_report(ds: xr.Dataset, path: str | Path = "report.html", title: str = "ketasim simulation report") -> Path:
    """Write the HTML report of one simulation (`ketasim.simulate`'s Dataset) to `path`.

    The one report (`report.html.render_report`), as `ketasim run` writes it: the
    pharmacokinetic summary (Cmax in the analyte's unit, Tmax in minutes, AUC in unit·h,
    half-life in hours), the cascade, concentration and per-layer figures against time in
    hours, the receptor and layer tables, the model's equations and the parameter table
    with sources. One offline file, written atomically; the path is checked before any
    work. A population Dataset is refused: select one patient first (`ds.isel(patient=i)`).
    Returns the Path written.
    """
    from ..report.html import render_report        # the report floor (and matplotlib) only when asked for
    from ..report.sections import layer_sections

    out = check_output(Path(path), "path")
    if "patient" in ds.dims:
        raise InputError("ds: a population; the report is of one subject (select one: ds.isel(patient=i))")
    if "time" not in ds.dims:
        raise InputError("ds: not a simulation result (no `time` dimension)")
    html = render_report(ds, dataset_model(ds), title=title, sections=layer_sections(ds))
    atomic_write_text(out, html)
    return out
