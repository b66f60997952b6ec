"""The cascade of one simulated regimen: each layer's key observables on one time axis.

From dose to symptom (observable names: docs/architecture.md §1): plasma levels (ng/mL), NMDA block on
interneurons and pyramidal cells (fraction), the glutamate surge (relative), BDNF and
mTORC1 signalling (relative), spines and synaptic strength (relative), prefrontal
serotonin and lateral habenula bursting (relative), the DMN-CEN anticorrelation, and the
MADRS (points); the layers are `ketasim.report.cascade.LAYERS`. A layer shows
the observables the assembled model has; a regimen of another drug adds that drug's
plasma level to the PK layer (e.g. `plasma_citalopram`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .inputs import Request

from ..report.cascade import LAYERS  # the one registry of the cascade's layers

PEAK_PLASMA = "plasma_ketamine"


@dataclass(frozen=True)
class Series:
    """One observable over time: name, long name, unit and values (on the cascade's times)."""

    name: str
    long_name: str
    unit: str
    values: np.ndarray


@dataclass(frozen=True)
class Panel:
    """One layer of the cascade: its title, its series (all of one unit) and its y-axis label."""

    layer: str
    series: tuple[Series, ...]
    ylabel: str = ""

    @property
    def unit(self) -> str:
        return self.series[0].unit


@dataclass(frozen=True)
class Cascade:
    """A regimen's cascade: output times (min) and one panel per layer the model has."""

    times_min: np.ndarray
    panels: tuple[Panel, ...]

    def series(self, name: str) -> Series | None:
        for panel in self.panels:
            for s in panel.series:
                if s.name == name:
                    return s
        return None


def _series(ds, name: str) -> Series:
    v = ds[name]
    return Series(name, str(v.attrs.get("long_name", name)), str(v.attrs.get("units", "")),
                  np.asarray(v.values, dtype=float))


def pick_cascade(ds, drugs: tuple[str, ...] = ()) -> Cascade:
    """The cascade of a simulated dataset (`ketasim.simulate` output).

    drugs: the regimen's drugs; one with its own plasma observable (`plasma_<drug>`) joins
    the PK layer. Observables the model lacks are left out; so is a layer left empty, and
    a panel keeps only series of its first series' unit.
    """
    panels = []
    for layer in LAYERS:
        wanted = list(layer.observables)
        if layer.title == "Pharmacokinetics":
            wanted += [f"plasma_{d}" for d in drugs if f"plasma_{d}" not in wanted]
        found = [_series(ds, n) for n in wanted if n in ds.data_vars]
        if found:
            panels.append(Panel(layer.title, tuple(s for s in found if s.unit == found[0].unit), layer.ylabel))
    return Cascade(np.asarray(ds["time"].values, dtype=float), tuple(panels))


def simulate_request(req: Request, simulate: Callable | None = None) -> Cascade:
    """Simulate a validated request (default `ketasim.simulate`) and pick its cascade."""
    if simulate is None:
        from ..simulate import simulate
    ds = simulate(req.regimen, req.patient, req.duration_min, dict(req.hypotheses), parameters=req.parameters)
    drugs = tuple(dict.fromkeys(e.drug for e in req.regimen if e.procedure is None))
    return pick_cascade(ds, drugs)


@dataclass(frozen=True)
class Headline:
    """The numbers shown as text above the figure (None where the model lacks the observable).

    peak_plasma: peak plasma racemic-equivalent ketamine (ng/mL); peak_block: peak NMDA
    block on interneurons (fraction); peak_spines: peak spine density (relative);
    madrs_start, madrs_end, madrs_min: MADRS (points) at the start, the end, and lowest.
    """

    peak_plasma: float | None
    peak_block: float | None
    peak_spines: float | None
    madrs_start: float | None
    madrs_end: float | None
    madrs_min: float | None


def headline(c: Cascade) -> Headline:
    def peak(name: str) -> float | None:
        s = c.series(name)
        return float(np.max(s.values)) if s is not None else None

    madrs = c.series("madrs")
    m = madrs.values if madrs is not None else None
    return Headline(peak(PEAK_PLASMA), peak("nmda_block_interneuron"), peak("spine_density"),
                    float(m[0]) if m is not None else None, float(m[-1]) if m is not None else None,
                    float(np.min(m)) if m is not None else None)
