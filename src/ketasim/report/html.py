"""One self-contained, offline HTML report of a simulation.

Inline CSS, inline SVG figures and MathML equations: no scripts, no style sheets or
images fetched from anywhere. The only URLs are citation links (plain <a href>).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..parameters import UNSOURCED
from ..references import lookup
from .equations import module_equations_mathml
from .figures import concentration_figure, figure_to_svg, timecourse_figure
from .summary import pk_summary

DISCLAIMER = (
    "ketasim is a research and teaching tool. Its output is a model prediction, "
    "not for clinical dosing or any decision about a patient."
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#fafbfc;line-height:1.45}
main{max-width:1280px;margin:0 auto;padding:1.5rem 2rem 3rem}
h1{font-size:1.7rem;margin:.2rem 0 .6rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:2px solid #d6dbe3;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
.warn{background:#fff4e5;border:1px solid #f0b35a;border-left:6px solid #e08a00;padding:.6rem .9rem;margin:.8rem 0;font-weight:600}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.88rem;background:#fff}
th,td{border:1px solid #d6dbe3;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f6}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.4rem 0}
dl.meta dt{font-weight:600}dl.meta dd{margin:0}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
.fig{background:#fff;border:1px solid #d6dbe3;padding:.5rem;margin:.5rem 0 1rem}.fig svg{max-width:100%;height:auto}
div.eqs{background:#fff;border:1px solid #d6dbe3;padding:.2rem .8rem}
div.eq{padding:.45rem 0;border-bottom:1px solid #eef1f6}div.eq:last-child{border-bottom:0}
div.eq .m{overflow-x:auto;overflow-y:hidden;padding:.25rem 0}div.eq math{display:inline math;math-style:normal;font-size:1.1rem}
div.eq code{white-space:pre-wrap;word-break:break-word}
tr.unsourced td{background:#fff3cd}tr.fitted td{background:#e7f0ff}
.tag{display:inline-block;font-size:.75rem;font-weight:700;padding:0 .35rem;border-radius:3px}
.tag.assumed{background:#e8a400;color:#fff}.tag.fitted{background:#3b6fd6;color:#fff}
.muted{color:#667085}.small{font-size:.8rem}
table.params{font-size:.8rem}table.params td.desc{min-width:12rem}table.params td.note{min-width:16rem}
table.params td.cite{min-width:10rem}
footer{margin-top:2.5rem;font-size:.8rem;color:#667085}
"""


# ----------------------------------------------------------------------------- helpers
def _e(x: Any) -> str:
    return escape(str(x), quote=True)


def _json_attr(ds, key: str, default: Any) -> Any:
    raw = ds.attrs.get(key)
    if raw is None:
        return default
    if isinstance(raw, (str, bytes)):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, float)):
        xf = float(x)
        if not math.isfinite(xf):
            return "—"
        if xf == 0:
            return "0"
        if 1e-3 <= abs(xf) < 1e5:
            return f"{xf:.4g}"
        return f"{xf:.3e}"
    return str(x)


def _unit_text(u: Any) -> str:
    """A unit for display: dimensionless '1' shown as nothing."""
    u = str(u or "")
    return "" if u.strip() == "1" else u


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _dose_text(ev: Mapping[str, Any]) -> str:
    amount = ev.get("amount")
    unit = "mg/kg" if ev.get("per_kg") else "mg"
    parts = [f"{ev.get('drug', '?')} {ev.get('route', '')} {_fmt(amount)} {unit}".strip()]
    start = ev.get("start")
    if start is not None:
        parts.append(f"at t = {_fmt(start)} min")
    dur = ev.get("duration")
    if dur:
        parts.append(f"infused over {_fmt(dur)} min")
    every, count = ev.get("every"), ev.get("count")
    if every:
        parts.append(f"every {_fmt(every)} min × {count}")
    elif count and count != 1:
        parts.append(f"× {count}")
    if ev.get("procedure"):
        parts.append(f"({ev['procedure']})")
    return ", ".join(parts)


def _kv_text(d: Any) -> str:
    if isinstance(d, Mapping):
        if not d:
            return "defaults"
        return "; ".join(f"{k} = {_fmt(v) if v is not None else 'default'}" for k, v in d.items())
    return str(d) if d not in (None, "") else "defaults"


# ----------------------------------------------------------------------------- sections
def _header(ds, model, title: str) -> str:
    regimen = _json_attr(ds, "regimen", [])
    patient = _json_attr(ds, "patient", {})
    hyp = _json_attr(ds, "hypotheses", {})
    if not hyp and model is not None:
        hyp = dict(getattr(model, "hypotheses", {}) or {})
    t = ds["time"].values
    window = f"{_fmt(float(t[0]) / 60)}–{_fmt(float(t[-1]) / 60)} h ({len(t)} time points)" if len(t) else "empty"
    if isinstance(regimen, list) and regimen:
        reg_html = "<ul>" + "".join(
            f"<li>{_e(_dose_text(ev) if isinstance(ev, Mapping) else ev)}</li>" for ev in regimen
        ) + "</ul>"
    else:
        reg_html = "no doses" if not regimen else _e(regimen)
    rows = [
        ("Regimen", reg_html),
        ("Patient", _e(_kv_text(patient))),
        ("Species", _e(ds.attrs.get("species", getattr(model, "species", "?")))),
        ("Hypotheses", _e(_kv_text(hyp))),
        ("Simulated window", _e(window)),
        ("Backend", _e(ds.attrs.get("backend", "?"))),
        ("ketasim version", _e(ds.attrs.get("ketasim_version", "?"))),
    ]
    meta = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f"<header><h1>{_e(title)}</h1>"
        f'<p class="warn">{_e(DISCLAIMER)}</p>'
        f'<dl class="meta">{meta}</dl></header>'
    )


def _table(rows: Sequence[Mapping[str, Any]], caption: str = "") -> str:
    if not rows:
        return '<p class="muted">(nothing to show)</p>'
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cls = ' class="num"' if _is_num(v) or v is None else ""
            cells.append(f"<td{cls}>{_e(_fmt(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="fig">{svg}<figcaption class="small muted">{_e(caption)}</figcaption></figure>'


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
    return _table(rows)


def _modules(model) -> str:
    if model is None:
        return '<p class="muted">(model not given)</p>'
    out = []
    for mod in model.modules:
        rows = []
        for (mml, unit), eq in zip(module_equations_mathml(mod), mod.parsed):
            kind = "state" if eq.is_state else ("output" if eq.name in getattr(mod, "outputs", ()) else "")
            unit_html = f"[{_e(unit)}]" if unit.strip() != "1" else "[dimensionless]"
            rows.append(
                f'<div class="eq"><div class="m">{mml}</div>'
                f'<div class="small muted">{unit_html} {_e(kind)} · <code>{_e(eq.text)}</code></div></div>'
            )
        doc = (getattr(mod, "doc", "") or "").strip()
        doc_html = f"<p>{_e(doc)}</p>" if doc else ""
        table = (f'<div class="eqs">{"".join(rows)}</div>' if rows
                 else '<p class="muted">(no equations)</p>')
        out.append(f'<section id="module-{_e(mod.name)}"><h3>Module <code>{_e(mod.name)}</code></h3>{doc_html}{table}</section>')
    return "".join(out)


def _citation_html(key: str) -> tuple[str, str]:
    """(citation HTML, link HTML) for a source key; unknown keys show just the key."""
    if key in UNSOURCED:
        return (f'<span class="tag {_e(key)}">{_e(key)}</span>', "")
    try:
        ref = lookup(key)
    except (KeyError, FileNotFoundError, OSError, ValueError):
        return (f'<span class="muted">{_e(key)} (not in the reference list)</span>', "")
    link = ref.link
    label = f"doi:{ref.doi}" if ref.doi else (f"PMID {ref.pmid}" if ref.pmid else "")
    link_html = f'<a href="{_e(link)}">{_e(label)}</a>' if link else ""
    return (_e(ref.citation), link_html)


def _parameter_records(ds, model) -> list[dict]:
    """Merge the values used (ds.attrs['parameters']) with the model's records."""
    used = _json_attr(ds, "parameters", {})
    used = used if isinstance(used, Mapping) else {}
    records = dict(model.parameters.items) if model is not None else {}
    names = list(records) + [q for q in used if q not in records]
    out = []
    for q in names:
        rec = records.get(q)
        module, _, name = q.partition(".")
        if q in used and isinstance(used[q], (list, tuple)) and len(used[q]) >= 3:
            value, unit, source = used[q][0], used[q][1], used[q][2]
        elif rec is not None:
            value, unit, source = rec.value, rec.unit, rec.source
        else:
            continue
        out.append({
            "module": module, "name": name or q, "value": value, "unit": unit, "source": str(source),
            "description": getattr(rec, "description", "") if rec else "",
            "note": getattr(rec, "note", "") if rec else "",
            "cv": getattr(rec, "cv", 0.0) if rec else 0.0,
        })
    return out


def _parameters(ds, model) -> str:
    recs = _parameter_records(ds, model)
    if not recs:
        return '<p class="muted">(no parameters)</p>'
    body = []
    for r in recs:
        cite, link = _citation_html(r["source"])
        cls = ""
        if r["source"] == "assumed":
            cls = ' class="unsourced"'
        elif r["source"] == "fitted":
            cls = ' class="fitted"'
        cv = f"{_fmt(r['cv'])}" if r["cv"] else ""
        body.append(
            f"<tr{cls}><td><code>{_e(r['module'])}</code></td><td><code>{_e(r['name'])}</code></td>"
            f'<td class="num">{_e(_fmt(r["value"]))}</td><td><code>{_e(r["unit"])}</code></td>'
            f'<td class="num">{_e(cv)}</td>'
            f"<td><code>{_e(r['source'])}</code></td><td class=\"cite\">{cite}</td><td>{link}</td>"
            f"<td class=\"desc\">{_e(r['description'])}</td><td class=\"note\">{_e(r['note'])}</td></tr>"
        )
    n_assumed = sum(r["source"] == "assumed" for r in recs)
    n_fitted = sum(r["source"] == "fitted" for r in recs)
    legend = (
        f'<p class="small">{len(recs)} parameters; <span class="tag assumed">assumed</span> {n_assumed} '
        f'(highlighted yellow) and <span class="tag fitted">fitted</span> {n_fitted} (highlighted blue) '
        "carry a note saying why.</p>"
    )
    head = ("<tr><th>module</th><th>name</th><th>value</th><th>unit</th><th>CV</th><th>source key</th>"
            "<th>citation</th><th>link</th><th>description</th><th>note</th></tr>")
    return f"{legend}<table class=\"params\"><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _cascade(acute, weeks) -> list[str]:
    from .cascade import cascade_figure

    fig = cascade_figure(acute, weeks)
    if fig is None:
        return []
    days = float(weeks["time"].values[-1]) / 1440.0
    return ["<h2>The cascade</h2>", _figure(
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
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        _header(ds, model, title),
        "<h2>Summary</h2>",
        '<p class="small muted">Cmax in the unit shown; Tmax in minutes; AUC by the linear trapezoid '
        "over the simulated window; terminal half-life from a log-linear fit to the declining part of "
        "the last 30% of the window (— where it cannot be estimated).</p>",
        _table(summary_rows),
    ]
    parts += _cascade(*(cascade or (ds, ds)))
    parts.append("<h2>Concentrations</h2>")
    fig = concentration_figure(ds)
    parts.append(_figure(figure_to_svg(fig), "Plasma concentrations (ng/mL, log scale) and brain "
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
        parts.append(_table(receptor_rows if receptor_rows is not None else receptor_summary(ds)))
        varying = [n for n in receptor_names if float(np.ptp(ds[n].values)) > 0]
        if varying:
            parts.append(_figure(figure_to_svg(timecourse_figure(ds, varying, "")),
                                 "NMDA block and off-target occupancy (fraction) against time in hours."))
    for sec in sections:
        parts.append(f"<h2>{_e(sec.title)}</h2>")
        if sec.intro:
            parts.append(f'<p class="small muted">{_e(sec.intro)}</p>')
        if sec.rows:
            parts.append(_table(sec.rows))
        for caption, f in sec.figures:
            parts.append(_figure(f if isinstance(f, str) else figure_to_svg(f), caption))
    others, constant = _other_observables(ds, exclude=tuple(receptor_names))
    if others or constant:
        parts.append("<h2>Other observables</h2>")
    if others:
        parts.append(_figure(figure_to_svg(timecourse_figure(ds, others, "")),
                             "Remaining time-varying observables, one panel per unit."))
    if constant:
        parts.append('<p class="small">Constant over the run: ' + ", ".join(
            f"<code>{_e(n)}</code> = {_e(_fmt(float(ds[n].values[0])))} {_e(_unit_text(ds[n].attrs.get('units', '')))}"
            for n in constant) + "</p>")
    for caption, f in extra_figures:
        svg = f if isinstance(f, str) else figure_to_svg(f)
        parts.append(_figure(svg, caption))
    parts += [
        "<h2>Observables</h2>", _observables_table(ds),
        "<h2>Model equations</h2>",
        '<p class="small muted">Each module as declared; a state equation reads d(state)/dt; units '
        "are those of the left-hand side. Parameters are listed below.</p>",
        _modules(model),
        "<h2>Parameters</h2>", _parameters(ds, model),
        f"<footer>Generated by ketasim {_e(ds.attrs.get('ketasim_version', ''))} on "
        f"{_e(datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'))}. {_e(DISCLAIMER)}</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def write_report(path, ds, model, summary_rows: list[dict] | None = None,
                 title: str = "ketasim simulation report", **kw) -> Path:
    """Render the report and write it (UTF-8) to `path`; returns the Path."""
    out = Path(path)
    out.write_text(render_report(ds, model, summary_rows, title, **kw), encoding="utf-8")
    return out
