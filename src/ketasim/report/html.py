"""One self-contained, offline HTML report of a simulation.

Inline CSS, inline SVG figures and MathML equations: no scripts, no style sheets or
images fetched from anywhere. The only URLs are citation links (plain <a href>) and the
in-page links of the table of contents. The page fits its window: tables wrap, figures
shrink, a long equation scrolls inside its own box (`markup.CSS`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .figures import concentration_figure, svg_of
from .markup import (DISCLAIMER, dose_text, esc, fmt_value, html_figure, html_table, json_attr, kv_text,
                     page_open, unit_text)
from .model_html import REFERENCES_ANCHOR, equations_html, parameters_html
from .small_multiples import MAX_SERIES, small_multiples_html
from .summary import pk_summary
from .toc import Heading, anchor_of, heading_html, toc_html


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


def _cascade(acute, weeks) -> str:
    """The cascade figure with its caption ('' when the run has no cascade observable)."""
    from .cascade import cascade_figure

    fig = cascade_figure(acute, weeks)
    if fig is None:
        return ""
    days = float(weeks["time"].values[-1]) / 1440.0
    return html_figure(
        svg_of(fig),
        "Each layer's key observable on a shared time axis: the first hours (left) and "
        f"{days:.0f} days (right) after the start of dosing. Relative quantities are 1 at the untreated "
        "state (dotted line); NMDA block is a fraction. "
        + ("The weeks view continues the same simulation past the requested duration."
           if weeks is not acute and weeks["time"].values[-1] > acute["time"].values[-1] else ""))


def _receptors(ds, receptor_names: Sequence[str], receptor_rows: list[dict] | None) -> str:
    """The receptors section: the summary table and the time-varying ones as small multiples."""
    from .summary import receptor_summary

    parts = ['<p class="small muted">Fraction of NMDA current blocked by drug per cell type and '
             "GluN2 subtype (the receptor layer's steady state, or its trapping kinetics under the "
             "<code>nmda_block=kinetic</code> hypothesis), and off-target occupancy; peak, time of "
             "peak (min), and minutes above half the peak.</p>",
             html_table(receptor_rows if receptor_rows is not None else receptor_summary(ds))]
    varying = [n for n in receptor_names if float(np.ptp(ds[n].values)) > 0]
    if varying:
        parts.append(small_multiples_html(ds, varying, "NMDA block and off-target occupancy (fraction), one "
                                                       "panel per group of similar size, against time."))
    return "".join(parts)


def _layer_section(sec) -> str:
    """A later layer's section body (a `ReportSection`): intro, table, figures."""
    parts = [f'<p class="small muted">{esc(sec.intro)}</p>' if sec.intro else ""]
    if sec.rows:
        parts.append(html_table(sec.rows))
    if sec.notes:
        parts.append(f'<p class="small muted">Not in the table: {esc(" ".join(sec.notes))}</p>')
    for caption, f in sec.figures:
        parts.append(html_figure(svg_of(f), caption))
    return "".join(parts)


def _others(ds, others: Sequence[str], constant: Sequence[str]) -> str:
    """The remaining observables: small multiples of the time-varying ones, the constant ones in a line."""
    parts = []
    if others:
        parts.append(small_multiples_html(
            ds, others, "The remaining time-varying observables: one panel per unit (its y label), at most "
            f"{MAX_SERIES} series of similar size each, series of one module together; the panel's title "
            "names the modules."))
    if constant:
        parts.append('<p class="small">Constant over the run: ' + ", ".join(
            f"<code>{esc(n)}</code> = {esc(fmt_value(float(ds[n].values[0])))} {esc(unit_text(ds[n].attrs.get('units', '')))}"
            for n in constant) + "</p>")
    return "".join(parts)


def _equations_intro(model) -> str:
    """The equations section body: how to read it, then every module's equations."""
    return ('<p class="small muted">Each module as declared; a state equation reads d(state)/dt; units '
            "are those of the left-hand side. A long equation scrolls sideways in its own box; its text "
            "form, below it, wraps. Parameters are listed below.</p>" + equations_html(model))


def _module_headings(model) -> tuple[Heading, ...]:
    """One contents entry per module (its anchor is the one `equations_html` writes)."""
    if model is None:
        return ()
    return tuple(Heading(mod.name, f"module-{mod.name}") for mod in model.modules)


# ----------------------------------------------------------------------------- public
def render_report(ds, model, summary_rows: list[dict] | None = None,
                  title: str = "ketasim simulation report",
                  extra_figures: Sequence[tuple[str, Any]] = (),
                  receptor_rows: list[dict] | None = None,
                  sections: Sequence[Any] = (),
                  cascade: tuple[Any, Any] | None = None) -> str:
    """The report as one self-contained HTML string, its table of contents first.

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
    body: list[tuple[Heading, str]] = [(Heading("Summary", anchor_of("Summary")), (
        '<p class="small muted">Cmax in the unit shown; Tmax in minutes; AUC by the linear trapezoid '
        "over the simulated window; terminal half-life from a log-linear fit to the declining part of "
        "the last 30% of the window (— where it cannot be estimated).</p>" + html_table(summary_rows)))]
    cascade_html = _cascade(*(cascade or (ds, ds)))
    if cascade_html:
        body.append((Heading("The cascade", anchor_of("The cascade")), cascade_html))
    concentrations = concentration_figure(ds)
    if concentrations.charts:
        body.append((Heading("Concentrations", anchor_of("Concentrations")), html_figure(
            svg_of(concentrations),
            "Plasma concentrations (ng/mL, log scale) and brain effect-site concentrations (µM) against time; "
            "each analyte has one colour in every figure.")))
    receptor_names = [n for n in ds.data_vars if n.startswith("nmda_block_") or n.endswith("_occupancy")
                      or n.endswith("_inhibition")]
    if receptor_names:
        body.append((Heading("Receptors", anchor_of("Receptors")), _receptors(ds, receptor_names, receptor_rows)))
    for sec in sections:
        body.append((Heading(sec.title, anchor_of(sec.title)), _layer_section(sec)))
    others, constant = _other_observables(ds, exclude=tuple(receptor_names))
    if others or constant:
        body.append((Heading("Other observables", anchor_of("Other observables")), _others(ds, others, constant)))
    if extra_figures:
        body.append((Heading("More figures", anchor_of("More figures")), "".join(
            html_figure(svg_of(f), caption) for caption, f in extra_figures)))
    body += [
        (Heading("Observables", anchor_of("Observables")), _observables_table(ds)),
        (Heading("Model equations", anchor_of("Model equations"), _module_headings(model)), _equations_intro(model)),
    ]
    params = parameters_html(ds, model)
    refs = (Heading("References", REFERENCES_ANCHOR),) if f'id="{REFERENCES_ANCHOR}"' in params else ()
    body.append((Heading("Parameters", anchor_of("Parameters"), refs), params))
    parts = [
        page_open(title),
        _header(ds, model, title),
        toc_html([h for h, _ in body]),
    ]
    parts += [f"<section>{heading_html(h)}{html}</section>" for h, html in body]
    parts += [
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
