"""Shared pieces of the later layers' report sections: an extremes table and log-time panels (SVG, `svg_chart`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..measures import STATISTICS, Options
from .colours import panel_colours
from .svg_chart import WIDE, Line, LineChart, Stack


def extreme_rows(ds, names: Sequence[str], checkpoints: Sequence[tuple[str, float]],
                 baseline: bool = False) -> list[dict]:
    """One row per observable of `names` in `ds` that `shown_names` keeps: its extreme (the
    peak or the trough, whichever lies farther from the first value, so a row never calls a
    rise a trough), its time (h), and its value at each checkpoint (label, minutes; None
    beyond the run); `baseline` adds the first value."""
    t = np.asarray(ds["time"].values, dtype=float)
    rows = []
    for name in shown_names(ds, names):
        y = np.asarray(ds[name].values, dtype=float)[None, :]
        high = float(STATISTICS["max"].numpy(t, y)[0])
        low = float(STATISTICS["min"].numpy(t, y)[0])
        trough = y[0, 0] - low > high - y[0, 0]
        when = "time_of_min" if trough else "time_of_max"
        row: dict = {"observable": name}
        if baseline:
            row["baseline"] = round(float(y[0, 0]), 4)
        row.update({"extreme": "trough" if trough else "peak",
                    "value": round(low if trough else high, 4),
                    "time (h)": round(float(STATISTICS[when].numpy(t, y)[0]) / 60.0, 2)})
        for label, at in checkpoints:
            row[label] = round(float(STATISTICS["value_at"].numpy(t, y, Options(at=at))[0]), 4) \
                if t[-1] >= at else None
        rows.append(row)
    return rows


def constant(y: np.ndarray) -> bool:
    """Whether a series never moves from its first value (to 1e-12 of its scale)."""
    return bool(np.all(np.abs(y - y[0]) <= 1e-12 * max(1.0, abs(float(y[0])))))


def shown_names(ds, names: Sequence[str]) -> list[str]:
    """The observables of `names` in `ds` worth a row: not constant through the run and not
    identical to one listed before them (`left_out` says which were left out and why)."""
    shown: list[str] = []
    for name in names:
        if name not in ds:
            continue
        y = np.asarray(ds[name].values, dtype=float)
        if constant(y) or any(np.array_equal(y, np.asarray(ds[s].values, dtype=float)) for s in shown):
            continue
        shown.append(name)
    return shown


def left_out(ds, names: Sequence[str]) -> list[str]:
    """One sentence per observable of `names` in `ds` that `shown_names` leaves out: constant
    through the run (its value and what it is) or identical to an earlier one."""
    shown = shown_names(ds, names)
    notes = []
    for name in names:
        if name not in ds or name in shown:
            continue
        y = np.asarray(ds[name].values, dtype=float)
        what = ds[name].attrs.get("long_name", "")
        if constant(y):
            notes.append(f"{name} is {y[0]:.4g} throughout this run ({what}).")
        else:
            twin = next(s for s in shown if np.array_equal(y, np.asarray(ds[s].values, dtype=float)))
            notes.append(f"{name} is identical to {twin} ({what}).")
    return notes


def log_time_panels(ds, panels: Sequence[tuple[Sequence[str], str]], panel_height: float = 64.0,
                    reference: dict[str, float] | None = None) -> Stack:
    """A stack of panels (`svg_chart.Stack`), one per (observables, label), on a shared log
    time axis (hours; the start itself, t = 0, cannot be shown on it).

    Observables missing from `ds` are skipped, empty panels dropped; `reference` draws a
    dotted line at a value per observable (e.g. 1.0 for relative ones); a panel with more
    than one curve gets a legend at its right. panel_height: px. Colours: `report.colours`
    (an analyte's own colour).
    """
    shown = [(tuple(n for n in names if n in ds), label) for names, label in panels]
    shown = [(names, label) for names, label in shown if names]
    t = np.asarray(ds["time"].values, dtype=float) / 60.0
    keep = t > 0
    charts = tuple(
        LineChart(tuple(t[keep].tolist()),
                  tuple(Line(name, tuple(np.asarray(ds[name].values, dtype=float)[keep].tolist()), colour)
                        for name, colour in zip(names, panel_colours(names))),
                  label, references=tuple(dict.fromkeys(reference[n] for n in names if reference and n in reference)))
        for names, label in shown)
    return Stack(charts, "time after the start of dosing (h, log scale)", xlog=True, legend="right",
                 ylabel="horizontal", width=WIDE, panel_height=panel_height)
