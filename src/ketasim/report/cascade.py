"""The whole cascade on one figure: each layer's key observable against a shared time axis.

`LAYERS` is the one registry of the cascade's layers and their key observables, shared by
the run report and the explorer (`ketasim.dashboard`). The report's figure shows two views
side by side: the acute hours after the first dose (linear hours) and the weeks after it
(linear days), so the drug level, the NMDA block, the disinhibition surge, the BDNF-mTORC1
pulse, the spines, the habenula, the networks and the mood score can be seen to move
together and on their own time scales. Layers whose observables the run lacks (a rodent
has no MADRS) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from .colours import panel_colours
from .svg_chart import Line, LineChart, Row, Stack

ACUTE_HOURS = 6.0       # h shown in the acute view
WEEKS_DAYS = 28.0       # d simulated for the weeks view when the run itself is shorter
PANEL_HEIGHT = 58.0     # px per layer's panel


@dataclass(frozen=True)
class CascadeLayer:
    """One layer of the cascade: a title, its key observables (in order of preference), the
    y-axis label, and the untreated reference line (None: no line).

    The one registry of what "the cascade" shows, read by the run report and the explorer.
    """

    title: str
    observables: tuple[str, ...]
    ylabel: str
    reference: float | None


LAYERS: tuple[CascadeLayer, ...] = (
    CascadeLayer("Pharmacokinetics", ("plasma_ketamine", "plasma_norketamine"), "plasma (ng/mL)", None),
    CascadeLayer("NMDA receptor block", ("nmda_block_interneuron", "nmda_block_pyramidal"), "fraction blocked",
                 0.0),
    CascadeLayer("Circuit: glutamate surge", ("glutamate_release",), "relative to baseline", 1.0),
    CascadeLayer("Signalling", ("bdnf", "mtorc1_activity"), "relative to baseline", 1.0),
    CascadeLayer("Structure", ("spine_density", "synaptic_strength"), "relative to baseline", 1.0),
    CascadeLayer("Neuromodulators", ("serotonin_pfc", "lhb_burst_rate"), "relative to baseline", 1.0),
    CascadeLayer("Networks", ("dmn_cen_anticorrelation",), "correlation", None),
    CascadeLayer("Symptoms", ("madrs",), "MADRS (points)", None),
)


def regimen_drugs(ds) -> tuple[str, ...]:
    """The drugs of the run's regimen, from its provenance (`regimen` attribute), in order."""
    import json

    try:
        events = json.loads(ds.attrs.get("regimen", "[]"))
    except (TypeError, ValueError):
        return ()
    return tuple(dict.fromkeys(str(e.get("drug")) for e in events if e.get("drug") and not e.get("procedure")))


def layer_observables(ds, layer: CascadeLayer, drugs: tuple[str, ...] = ()) -> list[str]:
    """The layer's observables present in `ds`; the PK layer adds each other drug's plasma level
    (`plasma_citalopram`, ...) and keeps plasma ketamine only when ketamine was given."""
    names = list(layer.observables)
    if layer.title == "Pharmacokinetics":
        names += [f"plasma_{d}" for d in drugs if f"plasma_{d}" not in names]
        gave_ketamine = any(float(np.nanmax(ds[n].values)) > 0 for n in layer.observables if n in ds)
        if not gave_ketamine:
            names = [n for n in names if n not in layer.observables]
    return [n for n in names if n in ds]


def layer_chart(t: np.ndarray, ds, names: list[str], layer: CascadeLayer, keep: np.ndarray,
                ylabel: str) -> LineChart:
    """One layer's panel: its observables at the kept times (solid, dashed, dotted in turn, in
    their colours), its untreated reference line."""
    lines = tuple(Line(name, tuple(np.asarray(ds[name].values, dtype=float)[keep].tolist()), colour,
                       ("-", "--", ":")[j % 3])
                  for j, (name, colour) in enumerate(zip(names, panel_colours(names))))
    refs = () if layer.reference is None else (layer.reference,)
    return LineChart(tuple(t.tolist()), lines, ylabel, references=refs)


def cascade_figure(acute, weeks, acute_hours: float = ACUTE_HOURS) -> Row | None:
    """The two-view cascade figure (None when the datasets have no cascade observable).

    acute: a Dataset covering at least the first hours (minutes on `time`); weeks: a
    Dataset of the same regimen covering the weeks after (may be the same Dataset).
    One panel per layer of `LAYERS` in each view (`svg_chart.Row` of two stacks: hours,
    then days), its observables as lines; the layer's name and unit at the left, the
    legend at the right of a panel of more than one line.
    """
    drugs = regimen_drugs(weeks)
    rows = [(layer, [n for n in layer_observables(weeks, layer, drugs) if n in acute]) for layer in LAYERS]
    rows = [(layer, names) for layer, names in rows if names]
    if not rows:
        return None
    ta = np.asarray(acute["time"].values, dtype=float) / 60.0
    keep_a = ta <= acute_hours + 1e-9
    tw = np.asarray(weeks["time"].values, dtype=float) / 1440.0
    keep_w = np.ones_like(tw, dtype=bool)
    hours = tuple(layer_chart(ta[keep_a], acute, names, layer, keep_a, f"{layer.title}\n{layer.ylabel}")
                  for layer, names in rows)
    days = tuple(layer_chart(tw, weeks, names, layer, keep_w, "") for layer, names in rows)
    return Row((Stack(hours, "time after the start (h)", legend="", ylabel="horizontal", width=470.0,
                      panel_height=PANEL_HEIGHT, title=f"first {acute_hours:g} hours"),
                Stack(days, "time after the start (d)", legend="right", ylabel="", width=450.0,
                      panel_height=PANEL_HEIGHT, title=f"{tw[-1]:.0f} days")))


def extended_times(times: Sequence[float], duration: float, weeks_days: float = WEEKS_DAYS) -> np.ndarray:
    """The output grid extended hourly to `weeks_days` (min), for one solve serving both views."""
    ts = np.asarray(times, dtype=float)
    end = weeks_days * 1440.0
    if duration >= end:
        return ts
    extra = np.arange(np.floor(duration / 60.0) * 60.0 + 60.0, end + 1e-9, 60.0)
    return np.concatenate([ts, extra[extra > ts[-1]]])
