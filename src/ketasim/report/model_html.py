"""The model's equations and parameters as HTML: the last two sections of the simulation
report, also shown in the trial report (`trial.mechanism`).

Equations are rendered as MathML from each module's declaration; parameters are listed
with value, unit, between-subject CV, source key, citation and link, assumed and fitted
values highlighted.
"""

from __future__ import annotations

from typing import Mapping

from ..parameters import UNSOURCED
from ..references import lookup
from .equations import module_equations_mathml
from .markup import esc, fmt_value, json_attr

def equations_html(model) -> str:
    """Every module of the model with its doc and its equations (MathML, unit, kind, source text)."""
    if model is None:
        return '<p class="muted">(model not given)</p>'
    out = []
    for mod in model.modules:
        rows = []
        for (mml, unit), eq in zip(module_equations_mathml(mod), mod.parsed):
            kind = "state" if eq.is_state else ("output" if eq.name in getattr(mod, "outputs", ()) else "")
            unit_html = f"[{esc(unit)}]" if unit.strip() != "1" else "[dimensionless]"
            rows.append(
                f'<div class="eq"><div class="m">{mml}</div>'
                f'<div class="small muted">{unit_html} {esc(kind)} · <code>{esc(eq.text)}</code></div></div>'
            )
        doc = (getattr(mod, "doc", "") or "").strip()
        doc_html = f"<p>{esc(doc)}</p>" if doc else ""
        table = (f'<div class="eqs">{"".join(rows)}</div>' if rows
                 else '<p class="muted">(no equations)</p>')
        out.append(f'<section id="module-{esc(mod.name)}"><h3>Module <code>{esc(mod.name)}</code></h3>{doc_html}{table}</section>')
    return "".join(out)


def citation_html(key: str) -> tuple[str, str]:
    """(citation HTML, link HTML) for a source key; unknown keys show just the key."""
    if key in UNSOURCED:
        return (f'<span class="tag {esc(key)}">{esc(key)}</span>', "")
    try:
        ref = lookup(key)
    except (KeyError, FileNotFoundError, OSError, ValueError):
        return (f'<span class="muted">{esc(key)} (not in the reference list)</span>', "")
    link = ref.link
    label = f"doi:{ref.doi}" if ref.doi else (f"PMID {ref.pmid}" if ref.pmid else "")
    link_html = f'<a href="{esc(link)}">{esc(label)}</a>' if link else ""
    return (esc(ref.citation), link_html)


def parameter_records(ds, model) -> list[dict]:
    """Merge the values used (ds.attrs['parameters']) with the model's records."""
    used = json_attr(ds, "parameters", {})
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


def parameters_html(ds, model) -> str:
    """The table of every parameter used (values from the run, records from the model)."""
    recs = parameter_records(ds, model)
    if not recs:
        return '<p class="muted">(no parameters)</p>'
    body = []
    for r in recs:
        cite, link = citation_html(r["source"])
        cls = ""
        if r["source"] == "assumed":
            cls = ' class="unsourced"'
        elif r["source"] == "fitted":
            cls = ' class="fitted"'
        cv = f"{fmt_value(r['cv'])}" if r["cv"] else ""
        body.append(
            f"<tr{cls}><td><code>{esc(r['module'])}</code></td><td><code>{esc(r['name'])}</code></td>"
            f'<td class="num">{esc(fmt_value(r["value"]))}</td><td><code>{esc(r["unit"])}</code></td>'
            f'<td class="num">{esc(cv)}</td>'
            f"<td><code>{esc(r['source'])}</code></td><td class=\"cite\">{cite}</td><td>{link}</td>"
            f"<td class=\"desc\">{esc(r['description'])}</td><td class=\"note\">{esc(r['note'])}</td></tr>"
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
