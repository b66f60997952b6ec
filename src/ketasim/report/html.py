"""One self-contained, offline HTML report of a simulation.

Inline CSS, inline SVG figures and MathML equations: no scripts, no style sheets or
images fetched from anywhere. The only URLs are citation links (plain <a href>).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .figures import concentration_figure, figure_to_svg, timecourse_figure
from .markup import (CSS, DISCLAIMER, dose_text, esc, fmt_value, html_figure, html_table, json_attr, kv_text,
                     unit_text)
from .model_html import equations_html, parameters_html
from .summary import pk_summary


# ----------------------------------------------------------------------------- sections
def _header(ds, model, title: str) -> str:
    regimen = json_attr(ds, "regimen", [])
    patient = json_attr(ds, "patient", {})
    hyp = json_attr(ds, "hypotheses", {})
    if not hyp and model is not None:
        hyp = dict(getattr(model, "hypotheses", {}) or {})
    t = ds["time"].values
    window = f"{fmt_value(float(t[0]) / 60)}–{fmt_value(float(t[-1]) / 60)} h ({len(t)} time points)" if len(t) else "empty"
    if isinstance(regimen, list) and regimen:
        reg_html = "<ul>" + "".join(
            f"<li>{esc(dose_text(ev) if isinstance(ev, Mapping) else ev)}</li>" for ev in regimen
        ) + "</ul>"
    else:
        reg_html = "no doses" if not regimen else esc(regimen)
    rows = [
        ("Regimen", reg_html),
        ("Patient", esc(kv_text(patient))),
        ("Species", esc(ds.attrs.get("species", getattr(model, "species", "?")))),
        ("Hypotheses", esc(kv_text(hyp))),
        ("Simulated window", esc(window)),
        ("Backend", esc(ds.attrs.get("backend", "?"))),
        ("ketasim version", esc(ds.attrs.get("ketasim_version", "?"))),
    ]
    meta = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f"<header><h1>{esc(title)}</h1>"
        f'<p class="warn">{esc(DISCLAIMER)}</p>'
        f'<dl class="meta">{meta}</dl></header>'
    )


def _other_observables(ds, exclude: Iterable[str]) -> tuple[list[str], list[str]]:
    """(time-varying, constant) observables not drawn in the concentration figure."""
    ex = set(exclude)
    varying, constant = [], []
    for n in ds.data_vars:
        if str(n) in ex or str(n).startswith(("plasma_", "brain_")) or ds[n].dims != ("time",):
            continue
        y = np.asarray(ds[n].values, dtype=float)
        fin = y[np.isfinite(y)]
        (varying if fin.size and np.ptp(fin) > 0 else constant).append(str(n))
    return varying, constant


def _observables_table(ds) -> str:
    rows = []
    for n in ds.data_vars:
        a = ds[n].attrs
        rows.append({"variable": str(n), "units": a.get("units", ""), "description": a.get("long_name", ""),
                     "source": a.get("source", "")})
    return html_table(rows)


def _cascade(acute, weeks) -> list[str]:
    from .cascade import cascade_figure

    fig = cascade_figure(acute, weeks)
    if fig is None:
        return []
    days = float(weeks["time"].values[-1]) / 1440.0
    return ["<h2>The cascade</h2>", html_figure(
        figure_to_svg(fig),
        "Each layer's key observable on a shared time axis: the first hours (left) and "
        f"{days:.0f} days (right) after the start of dosing. Relative quantities are 1 at the untreated "
        "state (dotted line); NMDA block is a fraction. "
        + ("The weeks view continues the same simulation past the requested duration."
           if weeks is not acute and weeks["time"].values[-1] > acute["time"].values[-1] else ""))]


# ----------------------------------------------------------------------------- public
def render_report(ds, model, summary_rows: list[dict] | None = None,
                  title: str = "ketasim simulation report",
                  extra_figures: Sequence[tuple[str, Any]] = (),
                  receptor_rows: list[dict] | None = None,
                  sections: Sequence[Any] = (),
                  cascade: tuple[Any, Any] | None = None) -> str:
    """The report as one self-contained HTML string.

    ds: a Dataset from `ketasim.simulate` (time in minutes). model: the AssembledModel
    it was run with (for equations and parameter records; may be None). summary_rows:
    rows for the summary table, columns from the dict keys (default `pk_summary(ds)`).
    extra_figures: (caption, Figure or SVG text) pairs appended after the standard
    figures. sections: `report.section.ReportSection` records of the later layers
    (plasticity, systems, ...), rendered after the receptors in the order given.
    cascade: (acute Dataset, weeks Dataset) for the cascade figure (default: `ds` for both).
    """
    if summary_rows is None:
        summary_rows = pk_summary(ds)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>",
        _header(ds, model, title),
        "<h2>Summary</h2>",
        '<p class="small muted">Cmax in the unit shown; Tmax in minutes; AUC by the linear trapezoid '
        "over the simulated window; terminal half-life from a log-linear fit to the declining part of "
        "the last 30% of the window (— where it cannot be estimated).</p>",
        html_table(summary_rows),
    ]
    parts += _cascade(*(cascade or (ds, ds)))
    parts.append("<h2>Concentrations</h2>")
    fig = concentration_figure(ds)
    parts.append(html_figure(figure_to_svg(fig), "Plasma concentrations (ng/mL, log scale) and brain "
                                             "effect-site concentrations (µM) against time in hours."))
    receptor_names = [n for n in ds.data_vars if n.startswith("nmda_block_") or n.endswith("_occupancy")
                      or n.endswith("_inhibition")]
    if receptor_names:
        from .summary import receptor_summary

        parts.append("<h2>Receptors</h2>")
        parts.append('<p class="small muted">Fraction of NMDA current blocked by drug per cell type and '
                     "GluN2 subtype (the receptor layer's steady state, or its trapping kinetics under the "
                     "<code>nmda_block=kinetic</code> hypothesis), and off-target occupancy; peak, time of "
                     "peak (min), and minutes above half the peak.</p>")
        parts.append(html_table(receptor_rows if receptor_rows is not None else receptor_summary(ds)))
        varying = [n for n in receptor_names if float(np.ptp(ds[n].values)) > 0]
        if varying:
            parts.append(html_figure(figure_to_svg(timecourse_figure(ds, varying, "")),
                                 "NMDA block and off-target occupancy (fraction) against time in hours."))
    for sec in sections:
        parts.append(f"<h2>{esc(sec.title)}</h2>")
        if sec.intro:
            parts.append(f'<p class="small muted">{esc(sec.intro)}</p>')
        if sec.rows:
            parts.append(html_table(sec.rows))
        if sec.notes:
            parts.append(f'<p class="small muted">Not in the table: {esc(" ".join(sec.notes))}</p>')
        for caption, f in sec.figures:
            parts.append(html_figure(f if isinstance(f, str) else figure_to_svg(f), caption))
    others, constant = _other_observables(ds, exclude=tuple(receptor_names))
    if others or constant:
        parts.append("<h2>Other observables</h2>")
    if others:
        parts.append(html_figure(figure_to_svg(timecourse_figure(ds, others, "")),
                             "Remaining time-varying observables, one panel per unit."))
    if constant:
        parts.append('<p class="small">Constant over the run: ' + ", ".join(
            f"<code>{esc(n)}</code> = {esc(fmt_value(float(ds[n].values[0])))} {esc(unit_text(ds[n].attrs.get('units', '')))}"
            for n in constant) + "</p>")
    for caption, f in extra_figures:
        svg = f if isinstance(f, str) else figure_to_svg(f)
        parts.append(html_figure(svg, caption))
    parts += [
        "<h2>Observables</h2>", _observables_table(ds),
        "<h2>Model equations</h2>",
        '<p class="small muted">Each module as declared; a state equation reads d(state)/dt; units '
        "are those of the left-hand side. Parameters are listed below.</p>",
        equations_html(model),
        "<h2>Parameters</h2>", parameters_html(ds, model),
        f"<footer>Generated by ketasim {esc(ds.attrs.get('ketasim_version', ''))} on "
        f"{esc(datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'))}. {esc(DISCLAIMER)}</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def write_report(path, ds, model, summary_rows: list[dict] | None = None,
                 title: str = "ketasim simulation report", **kw) -> Path:
    """Render the report and write it (UTF-8) to `path`; returns the Path."""
    out = Path(path)
    out.write_text(render_report(ds, model, summary_rows, title, **kw), encoding="utf-8")
    return out
