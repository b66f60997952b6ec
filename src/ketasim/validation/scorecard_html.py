"""The scorecard as one self-contained, offline HTML file.

Inline CSS and inline SVG plots, no scripts and nothing fetched; the only URLs are
citation links and in-page links. Sections, listed in a table of contents: totals per
layer (validation, consistency and calibration apart), the misses (every failing measure
in one table, linking to its experiment), each experiment by layer (its derived class
with the reasons, measures against published values with tolerance and where the
tolerance comes from, pass or miss, a small plot where the finding is a curve, source,
hypotheses, the file's notes on a miss; the clinical layer opens with a forest plot of
its effects between arms against the published ones, `effects_forest`), and every
assumed or fitted parameter with the reason or what it was fitted to. A "misses only"
check box hides the passing experiments with CSS alone (`:has(:checked)`), no script
needed.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..report.figures import figure_to_svg
from ..report.markup import CSS, DISCLAIMER, esc, fmt_value
from ..report.model_html import colgroup_html
from ..report.toc import Heading, heading_html, toc_html
from .effects_forest import effects_forest_html
from .finding_figure import finding_caption, finding_figure
from .library_run import LibraryEntry, is_trial
from .scorecard import Scorecard, Tally

_TAG = {"calibration": "cal", "consistency": "con", "validation": "val"}  # CSS class of each class's tag

MEASURE_COLUMNS = (("measure", "20%"), ("simulated", "11%"), ("published (tolerance)", "14%"), ("unit", "8%"),
                   ("tolerance from", "40%"), ("", "7%"))
MISSES_COLUMNS = (("experiment", "27%"), ("class", "10%"), ("measure", "27%"), ("simulated", "10%"),
                  ("published (tolerance)", "17%"), ("unit", "9%"))
UNSOURCED_COLUMNS = (("where", "13%"), ("parameter", "17%"), ("value", "8%"), ("unit", "8%"), ("species", "7%"),
                     ("source", "8%"), ("reason / fitted to", "39%"))
TOTALS, MISSES, UNSOURCED_ANCHOR = "totals", "misses", "unsourced"

_EXTRA_CSS = """
.pass{background:#dafbe1;color:#1a7f37}.miss{background:#ffebe9;color:#cf222e}
.cal{background:#e7f0ff;color:#3b6fd6}.val{background:#eef1f6;color:#1d2330}
.con{background:#fff4d6;color:#8a5a00}ul.why{margin:.1rem 0 .4rem 1rem;padding:0;font-size:.8rem;color:#475467}
section.exp{background:#fff;border:1px solid #d6dbe3;padding:.4rem .9rem;margin:.6rem 0;display:grid;
grid-template-columns:minmax(0,1fr) minmax(0,430px);gap:.2rem 1rem}
section.exp,main h2[id]{scroll-margin-top:3.2rem}
@media (max-width:900px){section.exp{grid-template-columns:minmax(0,1fr)}}
p.view{background:#fff;border:1px solid #d6dbe3;padding:.4rem .9rem;margin:.6rem 0;position:sticky;top:0;z-index:1}
main:has(#only-misses:checked) section.exp.passed{display:none}
main:has(#only-misses:checked) tr.passed{display:none}
section.exp h3{margin:.3rem 0;grid-column:1/-1}section.exp .fig{margin:0;border:0;padding:0}
section.exp .notes{grid-column:1/-1;font-size:.8rem;color:#475467}
td.ok{color:#1a7f37;font-weight:700}td.bad{color:#cf222e;font-weight:700}
table.measures,table.misses{width:100%;table-layout:fixed}table.measures td.ok,table.measures td.bad{overflow-wrap:normal}
table.measures td.num{white-space:normal}
"""


def _tally(t: Tally) -> str:
    if not t.total:
        return "—"
    return f"{t.passed} / {t.total} ({100 * t.rate:.0f}%)"


def _totals(sc: Scorecard) -> str:
    rows = []
    for layer, s in sc.layers.items():
        cls = ' style="font-weight:700"' if layer == "total" else ""
        rows.append(f"<tr{cls}><td>{esc(layer)}</td><td class='num'>{_tally(s.all)}</td>"
                    f"<td class='num'>{_tally(s.validation)}</td><td class='num'>{_tally(s.consistency)}</td>"
                    f"<td class='num'>{_tally(s.calibration)}</td><td class='num'>{_tally(s.measures)}</td></tr>")
    return ("<table><thead><tr><th>layer</th><th>experiments passed</th><th>validation</th><th>consistency</th>"
            "<th>calibration</th><th>measures passed</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _expected(m) -> str:
    if m.range is not None:
        return f"[{fmt_value(m.range[0])}, {fmt_value(m.range[1])}]"
    return f"{fmt_value(m.expected)} {m.tolerance}".strip()


def _measures(entry: LibraryEntry) -> str:
    if entry.result is None:
        return f'<p class="miss">error: {esc(entry.error)}</p>'
    rows = []
    specs = entry.experiment.measure
    for i, m in enumerate(entry.result.measures):
        ok = "ok" if m.passed else "bad"
        spec = specs[i] if len(specs) == len(entry.result.measures) else None
        basis = (f"{spec.tolerance_basis}: {spec.tolerance_note}" if spec is not None and spec.tolerance_basis
                 else "not stated")
        rows.append(f"<tr class='{'passed' if m.passed else 'missed'}'><td>{esc(m.name)}</td>"
                    f"<td class='num'>{esc(fmt_value(m.simulated))}</td>"
                    f"<td class='num'>{esc(_expected(m))}</td><td>{esc(m.unit)}</td>"
                    f"<td class='note'>{esc(basis)}</td>"
                    f"<td class='{ok}'>{'pass' if m.passed else 'miss'}</td></tr>")
    return (f"<table class='measures'>{colgroup_html(MEASURE_COLUMNS)}<tbody>" + "".join(rows)
            + "</tbody></table>")


def _hypotheses(entry: LibraryEntry) -> str:
    exp = entry.experiment
    parts = [f"{k} = {v}" for k, v in exp.protocol.hypotheses.items()]
    for name, arm in exp.protocol.arms.items():
        parts += [f"{name}: {k} = {v}" for k, v in arm.hypotheses.items()]
    return ", ".join(parts) if parts else "defaults"


def _experiment(sc: Scorecard, entry: LibraryEntry) -> str:
    exp = entry.experiment
    verdict = '<span class="tag pass">pass</span>' if entry.passed else '<span class="tag miss">miss</span>'
    cls = sc.class_of(entry)
    kind = f'<span class="tag {_TAG[cls.kind]}">{esc(cls.kind)}</span>'
    why = ("<ul class='why'>" + "".join(f"<li>{esc(r)}</li>" for r in cls.reasons) + "</ul>") if cls.reasons else ""
    meta = [f"<code>{esc(exp.id)}</code>", esc(exp.source), f"hypotheses: {esc(_hypotheses(entry))}",
            f"{entry.seconds:.1f} s"]
    if is_trial(exp):
        meta.append(f"{exp.protocol.population.n} patients per arm, cohort {esc(exp.protocol.population.cohort)}")
    fig = finding_figure(entry)
    plot = (f'<figure class="fig">{figure_to_svg(fig)}<figcaption class="small muted">'
            f'{esc(finding_caption(entry))}</figcaption></figure>' if fig is not None else "<div></div>")
    text = " ".join(exp.notes.split())
    notes = f'<div class="notes">{esc(text)}</div>' if text else ""
    state = "passed" if entry.passed else "missed"
    return (f'<section class="exp {state}" id="{esc(exp.id)}"><h3>{verdict} {kind} {esc(exp.title)}</h3>'
            f'<div><p class="small muted">{" · ".join(meta)}</p>{why}{_measures(entry)}</div>{plot}{notes}</section>')


def _misses(sc: Scorecard) -> str:
    """Every failing measure (and every experiment that raised) in one table, each linking to its experiment."""
    rows = []
    for entry in sc.entries:
        if entry.passed:
            continue
        exp = entry.experiment
        link = f'<a href="#{esc(exp.id)}"><code>{esc(exp.id)}</code></a>'
        kind = sc.class_of(entry).kind
        if entry.result is None:
            rows.append(f"<tr><td>{link}</td><td>{esc(kind)}</td><td colspan='4' class='bad'>error: "
                        f"{esc(entry.error)}</td></tr>")
            continue
        for m in entry.result.measures:
            if m.passed:
                continue
            rows.append(f"<tr><td>{link}</td><td>{esc(kind)}</td><td>{esc(m.name)}</td>"
                        f"<td class='num'>{esc(fmt_value(m.simulated))}</td><td class='num'>{esc(_expected(m))}</td>"
                        f"<td>{esc(m.unit)}</td></tr>")
    if not rows:
        return "<p>No misses: every measure of every experiment passes.</p>"
    n_exp = sum(not e.passed for e in sc.entries)
    return (f"<p>{len(rows)} failing measure(s) in {n_exp} experiment(s); each links to its experiment, where its "
            "tolerance's source and the file's notes on the miss are.</p>"
            f"<table class='misses'>{colgroup_html(MISSES_COLUMNS)}<tbody>{''.join(rows)}</tbody></table>")


def _unsourced(sc: Scorecard) -> str:
    rows = []
    for u in sc.unsourced:
        rows.append(f"<tr class='{'fitted' if u.source == 'fitted' else 'unsourced'}'><td>{esc(u.owner)}</td>"
                    f"<td><code>{esc(u.name)}</code></td><td class='num'>{esc(fmt_value(u.value))}</td><td>{esc(u.unit)}</td>"
                    f"<td>{esc(u.species)}</td><td><span class='tag {esc(u.source)}'>{esc(u.source)}</span></td>"
                    f"<td class='note'>{esc(u.note)}</td></tr>")
    n_fit = sum(u.source == "fitted" for u in sc.unsourced)
    head = (f"<p>{len(sc.unsourced) - n_fit} assumed and {n_fit} fitted values. An assumed value says why it was "
            "chosen; a fitted one says what it was fitted to.</p>")
    return (head + f"<table class='params'>{colgroup_html(UNSOURCED_COLUMNS)}<tbody>"
            + "".join(rows) + "</tbody></table>")


def _settings(sc: Scorecard) -> str:
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(fmt_value(v) if not isinstance(v, (dict, list)) else v)}</dd>"
                    for k, v in sc.settings.items())
    return f'<dl class="meta">{items}</dl>'


def _layer_heading(sc: Scorecard, layer: str) -> Heading:
    """A layer's heading, with how many of its experiments pass, anchored at `layer-<name>`."""
    t = sc.layers[layer].all
    return Heading(f"{layer} ({t.passed} / {t.total} pass)", f"layer-{layer}")


def render_scorecard(sc: Scorecard) -> str:
    """The whole scorecard page as a string: contents, totals, misses, experiments by layer, parameters."""
    layers = [layer for layer in sc.layers if layer != "total"]
    sections = []
    for layer in layers:
        entries = [e for e in sc.entries if e.experiment.tags[0] == layer]
        forest = effects_forest_html(entries) if layer == "clinical" else ""
        sections.append(heading_html(_layer_heading(sc, layer)) + forest
                        + "".join(_experiment(sc, e) for e in entries))
    n_missed = sum(not e.passed for e in sc.entries)
    totals, misses = Heading("Totals per layer", TOTALS), Heading(f"Misses ({n_missed} experiments)", MISSES)
    unsourced = Heading("Assumed and fitted parameters", UNSOURCED_ANCHOR)
    contents = [totals, misses, *(_layer_heading(sc, layer) for layer in layers), unsourced]
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>ketasim validation scorecard</title><style>{CSS}{_EXTRA_CSS}</style></head><body><main>"
        "<h1>ketasim validation scorecard</h1>"
        f'<p class="warn">{esc(DISCLAIMER)}</p>'
        "<p>Every experiment in the library is a published finding run through the model and scored against "
        "the published value with its tolerance. Each experiment's class is derived, not declared: "
        "<b>calibration</b> when a parameter its measures depend on cites its publication (or a fitted parameter "
        "file names it), <b>consistency</b> when a hypothesis switch its file pins fixes the outcome, "
        "<b>validation</b> otherwise: a prediction the model was not set up to reproduce. The three are counted "
        "apart, and each experiment lists the reasons for its class. A miss is reported, "
        "never hidden: each file's notes say why it misses.</p>"
        f"{_settings(sc)}{toc_html(contents)}"
        f"{heading_html(totals)}{_totals(sc)}"
        f"{heading_html(misses)}{_misses(sc)}"
        '<p class="view"><label><input type="checkbox" id="only-misses"> show the misses only</label> '
        '<span class="small muted">(hides the passing experiments and measures below; no script needed)</span></p>'
        f"{''.join(sections)}"
        f"{heading_html(unsourced)}{_unsourced(sc)}"
        f"<footer>Generated by <code>ketasim validate</code> on {stamp}.</footer></main></body></html>"
    )
