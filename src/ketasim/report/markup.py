"""The HTML toolkit the offline reports share: the style sheet, the disclaimer, escaping,
number formatting, tables and figures.

The simulation report (`report.html`), the trial report (`trial.report`, `trial.mechanism`)
and the validation scorecard (`validation.scorecard_html`) all build their pages from these
pieces, so one change of style or number format reaches every report. Pure functions of
their arguments, returning HTML text (nothing here fetches or scripts anything).
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any, Mapping, Sequence

DISCLAIMER = (
    "ketasim is a research and teaching tool. Its output is a model prediction, "
    "not for clinical dosing or any decision about a patient."
)

CSS = """
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#fafbfc;line-height:1.45}
main{max-width:1280px;margin:0 auto;padding:1.5rem 2rem 3rem;overflow-wrap:anywhere}
h1{font-size:1.7rem;margin:.2rem 0 .6rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:2px solid #d6dbe3;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}h2[id],h3[id],section[id]{scroll-margin-top:.5rem}
.warn{background:#fff4e5;border:1px solid #f0b35a;border-left:6px solid #e08a00;padding:.6rem .9rem;margin:.8rem 0;font-weight:600}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.88rem;background:#fff;max-width:100%}
th,td{border:1px solid #d6dbe3;padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#eef1f6}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
dl.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15rem 1rem;margin:.4rem 0}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;min-width:0}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.fig{background:#fff;border:1px solid #d6dbe3;padding:.5rem;margin:.5rem 0 1rem;max-width:100%}
.fig svg,.fig img{max-width:100%;height:auto;display:block}
div.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr));gap:.6rem;margin:.5rem 0 .2rem}
div.multiples .fig{margin:0}
nav.toc{background:#fff;border:1px solid #d6dbe3;padding:.3rem 1rem .6rem;margin:1rem 0}
nav.toc h2.toc-title{font-size:1rem;margin:.3rem 0;border:0}
nav.toc>ul{columns:16rem;margin:0;padding-left:1.1rem}nav.toc li{break-inside:avoid}
nav.toc ul ul{padding:0;margin:.1rem 0 .3rem;font-size:.8rem;list-style:none;display:flex;flex-wrap:wrap;gap:0 .7rem}
div.eqs{background:#fff;border:1px solid #d6dbe3;padding:.2rem .8rem;max-width:100%}
div.eq{padding:.45rem 0;border-bottom:1px solid #eef1f6;min-width:0}div.eq:last-child{border-bottom:0}
div.eq .m{overflow-x:auto;overflow-y:hidden;padding:.25rem 0;max-width:100%}div.eq math{display:inline math;math-style:normal;font-size:1.1rem}
div.eq code{white-space:pre-wrap;overflow-wrap:anywhere}
tr.unsourced td{background:#fff3cd}tr.fitted td{background:#e7f0ff}
.tag{display:inline-block;font-size:.75rem;font-weight:700;padding:0 .35rem;border-radius:3px}
.tag.assumed{background:#e8a400;color:#fff}.tag.fitted{background:#3b6fd6;color:#fff}
.muted{color:#667085}.small{font-size:.8rem}
table.params{font-size:.8rem;width:100%;table-layout:fixed}
footer{margin-top:2.5rem;font-size:.8rem;color:#667085}
"""


def esc(x: Any) -> str:
    """Text escaped for HTML (quotes too, so it is safe inside attributes)."""
    return escape(str(x), quote=True)


def json_attr(ds, key: str, default: Any) -> Any:
    """A Dataset attribute decoded from JSON (as it is stored in NetCDF), or `default` when absent."""
    raw = ds.attrs.get(key)
    if raw is None:
        return default
    if isinstance(raw, (str, bytes)):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def fmt_value(x: Any) -> str:
    """A value for display: 4 significant digits (scientific outside 1e-3..1e5), None and non-finite as —."""
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


def unit_text(u: Any) -> str:
    """A unit for display: dimensionless '1' shown as nothing."""
    u = str(u or "")
    return "" if u.strip() == "1" else u


def is_number(x: Any) -> bool:
    """True for ints and floats (not bools): right-aligned cells."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def dose_text(ev: Mapping[str, Any]) -> str:
    """One dose event (a `DoseEvent` as a dict) in words: drug, route, amount, start (min), infusion, repeats."""
    amount = ev.get("amount")
    unit = "mg/kg" if ev.get("per_kg") else "mg"
    parts = [f"{ev.get('drug', '?')} {ev.get('route', '')} {fmt_value(amount)} {unit}".strip()]
    start = ev.get("start")
    if start is not None:
        parts.append(f"at t = {fmt_value(start)} min")
    dur = ev.get("duration")
    if dur:
        parts.append(f"infused over {fmt_value(dur)} min")
    every, count = ev.get("every"), ev.get("count")
    if every:
        parts.append(f"every {fmt_value(every)} min × {count}")
    elif count and count != 1:
        parts.append(f"× {count}")
    if ev.get("procedure"):
        parts.append(f"({ev['procedure']})")
    return ", ".join(parts)


def kv_text(d: Any) -> str:
    """A mapping as 'k = v; ...' (None values as default; empty as defaults)."""
    if isinstance(d, Mapping):
        if not d:
            return "defaults"
        return "; ".join(f"{k} = {fmt_value(v) if v is not None else 'default'}" for k, v in d.items())
    return str(d) if d not in (None, "") else "defaults"


def html_table(rows: Sequence[Mapping[str, Any]], caption: str = "") -> str:
    """An HTML table of rows (dicts; columns from the keys in first-seen order), numbers right-aligned."""
    if not rows:
        return '<p class="muted">(nothing to show)</p>'
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cls = ' class="num"' if is_number(v) or v is None else ""
            cells.append(f"<td{cls}>{esc(fmt_value(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html_figure(svg: str, caption: str) -> str:
    """An inline SVG figure with its caption."""
    return f'<figure class="fig">{svg}<figcaption class="small muted">{esc(caption)}</figcaption></figure>'


def page_open(title: str) -> str:
    """The start of a self-contained HTML page (doctype, head with the shared CSS) up to
    the opening <main>."""
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>")


def page_header(title: str, meta: Sequence[tuple[str, Any]]) -> str:
    """A page's header: its title, the disclaimer, and (label, value) facts as a list."""
    facts = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta)
    return (f'<header><h1>{esc(title)}</h1><p class="warn">{esc(DISCLAIMER)}</p>'
            f'<dl class="meta">{facts}</dl></header>')


def page_close(version: str) -> str:
    """A page's footer (the ketasim version and the disclaimer) and the closing tags."""
    return f"<footer>Generated by ketasim {esc(version)}. {esc(DISCLAIMER)}</footer></main></body></html>"
