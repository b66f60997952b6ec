"""The HTML page of `ketasim pk-check`: tables and two figures (observed vs predicted, and
the series' prediction error against time), built with the report's HTML toolkit
(`report.markup`) and inline SVG figures (`report.figures.figure_to_svg`)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..report.colours import series_colour
from ..report.figures import figure_to_svg
from ..report.markup import html_figure, html_table, page_close, page_header, page_open
from ..version import __version__
from .predict import TWO_FOLD, Comparison
from .result import PkCheck, check_json, observed_text

MARKERS = {"calibration": "o", "validation": "^"}   # a set's marker in the figures
SET_COLOURS = {"calibration": "#1f4e9c", "validation": "#b5531a"}
AXIS_MARGIN = 3.0   # definition: the log axes reach this factor beyond the data


def observed_predicted_figure(comparisons: list[Comparison]) -> Figure:
    """Observed (x) against predicted (y), log-log, every metric in its own unit: the
    identity line, the two-fold lines, calibration and validation in different markers."""
    fig = Figure(figsize=(6.0, 5.6))
    ax = fig.subplots()
    pos = [c for c in comparisons if c.observed.value > 0 and c.predicted > 0]
    for set_name, marker in MARKERS.items():
        for kind, filled in (("summary", True), ("series", False)):
            pts = [c for c in pos if c.set == set_name and c.kind == kind]
            if not pts:
                continue
            x = [c.observed.value for c in pts]
            y = [c.predicted for c in pts]
            colour = SET_COLOURS[set_name]
            ax.scatter(x, y, marker=marker, s=30, facecolors=colour if filled else "none", edgecolors=colour,
                       label=f"{set_name}, {kind} ({len(pts)})")
    if pos:
        values = [v for c in pos for v in (c.observed.value, c.predicted)]
        lo, hi = min(values) / AXIS_MARGIN, max(values) * AXIS_MARGIN
        line = np.array([lo, hi])
        ax.plot(line, line, color="#333", lw=1, label="identity")
        ax.plot(line, line * TWO_FOLD, color="#999", lw=1, ls="--", label="two-fold")
        ax.plot(line, line / TWO_FOLD, color="#999", lw=1, ls="--")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("observed (the row's unit)")
    ax.set_ylabel("predicted (same unit)")
    ax.legend(fontsize=7, loc="upper left")
    return fig


def error_time_figure(points: list[Comparison]) -> Figure:
    """Prediction error (%) of the series points against time (h), one colour per analyte."""
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    series_ids = sorted({c.id.split("@")[0] for c in points})
    for k, sid in enumerate(series_ids):
        pts = sorted((c for c in points if c.id.split("@")[0] == sid), key=lambda c: c.time_h)
        t = [c.time_h for c in pts]
        pe = [100.0 * (c.predicted - c.observed.value) / c.observed.value for c in pts]
        ax.plot(t, pe, marker=MARKERS.get(pts[0].set, "o"), color=series_colour(pts[0].analyte, k), label=sid)
    ax.axhline(0.0, color="#333", lw=1)
    for pe_fold in (100.0 * (TWO_FOLD - 1.0), 100.0 * (1.0 / TWO_FOLD - 1.0)):
        ax.axhline(pe_fold, color="#999", lw=1, ls="--")
    ax.set_xlabel("time after the start of dosing (h)")
    ax.set_ylabel("prediction error (%)")
    if series_ids:
        ax.legend(fontsize=7)
    return fig


def render_page(check: PkCheck, group_rows: list[dict], row_rows: list[dict]) -> str:
    """The page as one HTML string; group_rows and row_rows: the tables the command prints."""
    data = check_json(check)
    p = check.prediction
    meta = [("Set", check.selected), ("Hypotheses", ", ".join(f"{k}={v}" for k, v in p.hypotheses.items())),
            ("Simulated", f"{data['simulated_hours']:g} h per regimen, {len(p.regimens)} regimens"),
            ("ketasim version", __version__)]
    title = "ketasim pk-check: published human PK against the model"
    parts = [
        page_open(title), page_header(title, meta),
        "<h2>Fit metrics per group</h2>",
        '<p class="small muted">PE = (predicted - observed)/observed; bias: median PE; precision: median '
        "absolute PE (MdAPE); GMR: geometric mean of observed/predicted; within 2-fold: share with "
        "1/2 ≤ predicted/observed ≤ 2. A published range is compared at its midpoint.</p>",
        html_table(group_rows),
        "<h2>Observed against predicted</h2>",
        html_figure(figure_to_svg(observed_predicted_figure(list(p.comparisons))),
                    "Each published value against its prediction in the row's own unit, log-log; solid: "
                    "identity, dashed: two-fold. Circles: calibration, triangles: validation; open markers: "
                    "series points."),
    ]
    if p.series_points:
        parts += ["<h2>Series: prediction error over time</h2>",
                  html_figure(figure_to_svg(error_time_figure(list(p.series_points))),
                              "Prediction error of each concentration of the published series against "
                              "time; dashed: two-fold (+100 %, -50 %).")]
    parts += ["<h2>Every compared value</h2>", html_table(row_rows),
              "<h2>Not computable</h2>",
              html_table([{"id": r["id"], "source": r["source"], "metric": r["metric"], "reason": r["reason"]}
                          for r in data["not_computable"]]),
              "<h2>Caveats of the compared values</h2>",
              html_table([{"id": c.id, "regimen": c.regimen, "caveats": "; ".join(c.caveats)}
                          for c in p.summaries if c.caveats]),
              page_close(__version__)]
    return "\n".join(parts)
