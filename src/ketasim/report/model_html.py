"""The model's equations and parameters as HTML: the last two sections of the simulation
report, also shown in the trial report (`trial.mechanism`).

Equations are rendered as MathML from each module's declaration; parameters are listed
with value, unit, between-subject CV, source key, citation and link, assumed and fitted
values highlighted, in a fixed-layout table that wraps to the page.
"""

from __future__ import annotations

from typing import Mapping

from ..parameters import UNSOURCED
from ..references import lookup
from .equations import model_equations_mathml
from .markup import esc, fmt_value, json_attr

def equations_html(model) -> str:
    """Every module of the model with its doc and its equations (MathML, unit, kind, source text)."""
    if model is None:
        return '<p class="muted">(model not given)</p>'
    out = []
    for mod, mathml in zip(model.modules, model_equations_mathml(model)):
        rows = []
        for (mml, unit), eq in zip(mathml, mod.parsed):
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


PARAMETER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("parameter", "25%"), ("value", "9%"), ("unit", "8%"), ("CV", "5%"), ("source", "15%"), ("note", "38%"),
)
"""The parameter table's columns and their widths: fixed, so the table wraps to the page and the
note (why an assumed value was chosen, what a fitted one was fitted to) is always on screen."""

REFERENCES_ANCHOR = "references"


def reference_anchor(key: str) -> str:
    """The `id` of a source key's entry in the reference list under the parameter table."""
    return f"ref-{key}"


def colgroup_html(columns: tuple[tuple[str, str], ...]) -> str:
    """A <colgroup> and header row for a fixed-layout table of (heading, width) columns."""
    cols = "".join(f'<col style="width:{esc(w)}">' for _, w in columns)
    head = "".join(f"<th>{esc(h)}</th>" for h, _ in columns)
    return f"<colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"


def references_html(keys) -> str:
    """The reference list: each cited source key once, with its citation and link, as an anchor target."""
    items = []
    for key in keys:
        cite, link = citation_html(key)
        items.append(f'<li id="{esc(reference_anchor(key))}"><code>{esc(key)}</code>: {cite}'
                     f"{' ' + link if link else ''}</li>")
    return (f'<h3 id="{REFERENCES_ANCHOR}">References</h3><ul class="refs small">{"".join(items)}</ul>'
            if items else "")


def parameters_html(ds, model) -> str:
    """The table of every parameter used (values from the run, records from the model), then the references.

    Six columns that wrap within the page: the qualified name with its description, the
    value, unit, between-subject CV, the source key (a link to its entry in the reference
    list below the table, and its DOI or PubMed link) and the note; assumed and fitted
    values are highlighted and their note says why. Each citation is written once, in the
    reference list, rather than on every row it supports.
    """
    recs = parameter_records(ds, model)
    if not recs:
        return '<p class="muted">(no parameters)</p>'
    body = []
    for r in recs:
        key = r["source"]
        cls = ""
        if key == "assumed":
            cls = ' class="unsourced"'
        elif key == "fitted":
            cls = ' class="fitted"'
        cv = f"{fmt_value(r['cv'])}" if r["cv"] else ""
        desc = f'<br><span class="small muted">{esc(r["description"])}</span>' if r["description"] else ""
        if key in UNSOURCED:
            source = citation_html(key)[0]
        else:
            link = citation_html(key)[1]
            source = (f'<a href="#{esc(reference_anchor(key))}"><code>{esc(key)}</code></a>'
                      + (f"<br>{link}" if link else ""))
        body.append(
            f"<tr{cls}><td><code>{esc(r['module'])}.{esc(r['name'])}</code>{desc}</td>"
            f'<td class="num">{esc(fmt_value(r["value"]))}</td><td><code>{esc(r["unit"])}</code></td>'
            f'<td class="num">{esc(cv)}</td><td class="cite">{source}</td>'
            f"<td class=\"note\">{esc(r['note'])}</td></tr>"
        )
    n_assumed = sum(r["source"] == "assumed" for r in recs)
    n_fitted = sum(r["source"] == "fitted" for r in recs)
    legend = (
        f'<p class="small">{len(recs)} parameters; <span class="tag assumed">assumed</span> {n_assumed} '
        f'(highlighted yellow) and <span class="tag fitted">fitted</span> {n_fitted} (highlighted blue) '
        "carry a note saying why. A source key links to its citation in the references below.</p>"
    )
    keys = sorted({r["source"] for r in recs} - set(UNSOURCED))
    return (f'{legend}<table class="params">{colgroup_html(PARAMETER_COLUMNS)}'
            f"<tbody>{''.join(body)}</tbody></table>{references_html(keys)}")
