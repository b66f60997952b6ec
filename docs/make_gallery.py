"""The documentation site's gallery: one Markdown page per experiment of the library.

Everything comes from checked-in files; nothing is simulated:

* `docs/scorecard/scorecard.json` (written by `make scorecard`): each experiment's result,
  class and the reasons for it, and per measure the simulated and published values with the
  tolerance and its basis;
* `docs/scorecard/scorecard.html`: the simulated course of each finding, an SVG the
  scorecard drew while it ran the library, copied out as it is;
* `src/ketasim/experiments/library/*.toml`: each finding's notes and file name;
* `src/ketasim/data/references.toml`: the citation of each reference key, with its DOI,
  PubMed and URL links where the registry has them.

A second figure per experiment, simulated against published value with the tolerance as a
band for every measure, is drawn here with matplotlib from the JSON alone (a few
milliseconds each), so the whole gallery builds in seconds.

    python docs/make_gallery.py [--out build/site-src/gallery]

writes the pages and figures to a folder (not checked in). `mkdocs build` does not need
that: the site's hook (`docs/site_hooks.py`) calls `pages()` and adds the pages in memory.
"""

from __future__ import annotations

import argparse
import html
import io
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCORECARD_JSON = Path("docs/scorecard/scorecard.json")
SCORECARD_HTML = Path("docs/scorecard/scorecard.html")
LIBRARY = Path("src/ketasim/experiments/library")
REFERENCES = Path("src/ketasim/data/references.toml")
DEFAULT_OUT = Path("build/site-src/gallery")

PASS_COLOUR, MISS_COLOUR, BAND_COLOUR = "#1a7f37", "#cf222e", "#8c959f"
CLASSES = ("validation", "consistency", "calibration")


@dataclass(frozen=True)
class Sources:
    scorecard: dict
    files: dict[str, Path]          # experiment id -> its TOML file (relative to the root)
    notes: dict[str, str]           # experiment id -> its notes
    references: dict[str, dict]     # reference key -> its registry record
    courses: dict[str, tuple[str, str]]   # experiment id -> (SVG, caption) from the scorecard HTML


def load(root: Path = ROOT) -> Sources:
    """Read the scorecard, the library's files and the reference registry under `root`."""
    import json

    scorecard = json.loads((root / SCORECARD_JSON).read_text(encoding="utf-8"))
    files, notes = {}, {}
    for path in sorted((root / LIBRARY).glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        files[data["id"]] = path.relative_to(root)
        notes[data["id"]] = data.get("notes", "")
    references = tomllib.loads((root / REFERENCES).read_text(encoding="utf-8"))
    html_path = root / SCORECARD_HTML
    courses = scorecard_courses(html_path.read_text(encoding="utf-8")) if html_path.exists() else {}
    return Sources(scorecard, files, notes, references, courses)


def scorecard_courses(page: str) -> dict[str, tuple[str, str]]:
    """Each experiment's figure in the scorecard HTML: id -> (standalone SVG, caption as text)."""
    out = {}
    for section in re.finditer(r'<section class="exp[^"]*" id="([^"]+)">(.*?)</section>', page, flags=re.S):
        fig = re.search(r'<figure class="fig">(<svg.*?</svg>)\s*<figcaption[^>]*>(.*?)</figcaption>',
                        section.group(2), flags=re.S)
        if fig is None:
            continue
        svg = fig.group(1)
        if "xmlns=" not in svg[:400]:
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        out[section.group(1)] = ('<?xml version="1.0" encoding="utf-8"?>\n' + svg + "\n",
                                 html.unescape(re.sub(r"<[^>]+>", "", fig.group(2))))
    return out


# --- text -------------------------------------------------------------------------------

def text(value: str) -> str:
    """Plain text from our files as safe Markdown: HTML and emphasis characters escaped outside
    `code` spans, lines joined."""
    parts = re.split(r"(`[^`]*`)", " ".join(value.split()))
    return "".join(p if p.startswith("`") and p.endswith("`") and len(p) > 1
                   else re.sub(r"([*_\[\]\\])", r"\\\1", html.escape(p, quote=False)) for p in parts)


def cell(value: str) -> str:
    """`text` for a table cell (pipes escaped)."""
    return text(value).replace("|", "&#124;")


def paragraphs(value: str) -> list[str]:
    return [text(p) for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]


def number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.4g}"


def tally(pair) -> str:
    total, passed = pair
    return f"{passed} / {total}" if total else "—"


# --- measures ----------------------------------------------------------------------------

def interval(measure: dict) -> tuple[float, float] | None:
    """The values a simulated value passes in: the published range, or expected ± tolerance."""
    if measure.get("range"):
        lo, hi = measure["range"]
        return float(lo), float(hi)
    expected, tol = measure.get("expected"), measure.get("tolerance") or ""
    m = re.fullmatch(r"±\s*([0-9.eE+-]+)\s*(%?)", tol.strip())
    if expected is None or m is None:
        return None
    width = float(m.group(1)) * (abs(expected) / 100 if m.group(2) else 1.0)
    return expected - width, expected + width


def measures_plot(measures: list[dict]):
    """One row per measure: the tolerance interval as a grey band, the published value as a
    black line, the simulated value as a dot (green: pass, red: miss). A matplotlib Figure."""
    from matplotlib.figure import Figure

    n = len(measures)
    fig = Figure(figsize=(6.4, 0.35 + 0.62 * n))
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    for ax, m in zip(axes, measures):
        band, expected, simulated = interval(m), m.get("expected"), m.get("simulated")
        xs = [v for v in (*(band or ()), expected, simulated) if isinstance(v, (int, float))]
        if band is not None:
            ax.axvspan(band[0], band[1], color=BAND_COLOUR, alpha=0.35, lw=0)
        if expected is not None:
            ax.axvline(expected, color="black", lw=1.4)
        if isinstance(simulated, (int, float)):
            ax.plot([simulated], [0.5], "o", ms=7, color=PASS_COLOUR if m.get("passed") else MISS_COLOUR)
        if xs:
            lo, hi = min(xs), max(xs)
            pad = (hi - lo) * 0.12 or abs(hi) * 0.1 or 1.0
            ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        unit = m.get("unit") or "1"
        ax.set_title(f"{m['name']}" + ("" if unit == "1" else f" ({unit})"), fontsize=8, loc="left")
        ax.tick_params(labelsize=7)
    fig.tight_layout(h_pad=0.6)
    return fig


def measures_figure(measures: list[dict]) -> bytes:
    """`measures_plot` as SVG bytes, the same for the same measures on every run."""
    import matplotlib

    fig = measures_plot(measures)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ketasim-gallery"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = re.sub(r"<metadata>.*?</metadata>", "", buf.getvalue(), flags=re.S)
    return svg.encode("utf-8")


# --- pages -------------------------------------------------------------------------------

def layer_of(exp: dict) -> str:
    return exp["tags"][0] if exp.get("tags") else "other"


def layers(scorecard: dict) -> list[str]:
    order = [k for k in scorecard["summary"].get("by_layer", {}) if k != "total"]
    for exp in scorecard["experiments"]:
        if layer_of(exp) not in order:
            order.append(layer_of(exp))
    return order


def reference_line(key: str, registry: dict[str, dict]) -> str:
    record = registry.get(key)
    if record is None:
        return f"- `{key}`: not in the reference registry"
    links = []
    if record.get("doi"):
        links.append(f"[doi:{record['doi']}](https://doi.org/{record['doi']})")
    if record.get("pmid"):
        links.append(f"[PubMed {record['pmid']}](https://pubmed.ncbi.nlm.nih.gov/{record['pmid']}/)")
    if record.get("pmcid"):
        links.append(f"[{record['pmcid']}](https://www.ncbi.nlm.nih.gov/pmc/articles/{record['pmcid']}/)")
    if record.get("url"):
        links.append(f"<{record['url']}>")
    line = f"- `{key}`: {text(record.get('citation', ''))}"
    if links:
        line += " " + " · ".join(links)
    if record.get("note"):
        line += f"  \n  *Registry note:* {text(record['note'])}"
    return line


def settings_line(scorecard: dict) -> str:
    s = scorecard.get("settings", {})
    parts = [f"ketasim {s['ketasim_version']}" if s.get("ketasim_version") else None,
             s.get("date"), s.get("environment"),
             f"trial patients per arm: {s['trial_patients_per_arm']}" if s.get("trial_patients_per_arm") else None]
    return "; ".join(text(p) for p in parts if p)


def experiment_page(exp: dict, src: Sources) -> str:
    eid = exp["id"]
    measures = exp.get("measures", [])
    n_pass = sum(bool(m.get("passed")) for m in measures)
    verdict = "pass" if exp.get("passed") else "miss"
    lines = [f"# {text(exp['title'])}", "",
             f"**{verdict}**: {n_pass} of {len(measures)} measure(s) within tolerance · class "
             f"**{exp.get('class', 'unknown')}** · layer `{layer_of(exp)}` · id `{eid}`", ""]
    lines += ["## Source", "", text(exp.get("source", "")), ""]
    if exp.get("references"):
        lines += ["**References:**", ""] + [reference_line(k, src.references) for k in exp["references"]] + [""]
    hyp = exp.get("hypotheses") or {}
    lines += ["**Hypotheses pinned:** " + (", ".join(f"`{k} = {v}`" for k, v in hyp.items()) if hyp else
                                           "none (the defaults)"), ""]
    if exp.get("patients_per_arm"):
        lines += [f"**Trial patients per arm in the scorecard run:** {number(exp['patients_per_arm'])}", ""]
    lines += ["## Class", "",
              f"**{exp.get('class', 'unknown')}**, derived by the scorecard "
              "(see [the derived class](../architecture.md#the-derived-class)).", ""]
    if exp.get("class_reasons"):
        lines += ["Because:", ""] + [f"- {text(r)}" for r in exp["class_reasons"]] + [""]
    lines += ["## Measures", "",
              "| measure | simulated | published | tolerance | passes in | unit | result |",
              "|---|---|---|---|---|---|---|"]
    for m in measures:
        band = interval(m)
        lines.append(f"| {cell(m['name'])} | {number(m.get('simulated'))} | {number(m.get('expected'))} | "
                     f"{cell(m.get('tolerance') or '—')} | "
                     f"{'[' + number(band[0]) + ', ' + number(band[1]) + ']' if band else '—'} | "
                     f"{cell(m.get('unit') or '')} | **{'pass' if m.get('passed') else 'miss'}** |")
    lines += ["", "Where each tolerance comes from:", ""]
    for m in measures:
        basis = m.get("tolerance_basis") or "not stated"
        lines.append(f"- *{text(m['name'])}* ({basis}): {text(m.get('tolerance_note') or '')}")
    lines += ["", "## Figures", ""]
    if measures:
        lines += [f"![Simulated against published value for each measure of {eid}]({eid}-measures.svg)", "",
                  "*Each measure on its own axis: the tolerance interval (grey band), the published value "
                  "(black line, where the source gives one) and the simulated value (dot; green: pass, red: miss). "
                  "Drawn from scorecard.json.*", ""]
    if eid in src.courses:
        lines += [f"![Simulated course of {eid}, from the scorecard]({eid}-course.svg)", "",
                  f"*From the scorecard: {text(src.courses[eid][1])}*", ""]
    notes = src.notes.get(eid, "")
    if notes.strip():
        lines += ["## Notes", "", *[p + "\n" for p in paragraphs(notes)]]
    lines += ["---", ""]
    if eid in src.files:
        lines.append(f"Experiment file: `{src.files[eid].as_posix()}` · ")
    lines += [f"[This finding in the full scorecard](../scorecard/scorecard.html#{eid}) · "
              "[all findings](index.md)", ""]
    return "\n".join(lines)


def index_page(src: Sources) -> str:
    sc = src.scorecard
    summary = sc["summary"]
    s = settings_line(sc)
    lines = ["# Gallery", "",
             "One page per published finding in the experiment library: the finding and its source, the "
             "class the scorecard derived, each measure's simulated and published values with the tolerance "
             "and where it comes from, two figures and the experiment file's notes.", "",
             "The pages are generated by `docs/make_gallery.py` from the checked-in scorecard "
             "([scorecard.json](../scorecard/scorecard.json) and the figures of "
             "[scorecard.html](../scorecard/scorecard.html)), the experiment files and the reference registry. "
             "Building them simulates nothing, so they show the results of the last `make scorecard`"
             + (f": {s}." if s else ".") + " Each page's notes are read from its experiment file as it is now, "
             "so they may describe changes made after that run.", "",
             f"{summary['passed']} of {summary['total']} experiments pass"
             + (f"; {summary['measures'][1]} of {summary['measures'][0]} measures" if summary.get("measures") else "")
             + ".", "",
             "| layer | experiments passed | validation | consistency | calibration | measures passed |",
             "|---|---|---|---|---|---|"]
    in_scorecard = {e["id"] for e in sc["experiments"]}
    missing, gone = sorted(set(src.files) - in_scorecard), sorted(in_scorecard - set(src.files))
    if missing:
        lines += ["Not in the scorecard yet (added to the library after its run; no page): "
                  + ", ".join(f"`{i}`" for i in missing) + ".", ""]
    if gone:
        lines += ["In the scorecard but no longer in the library: " + ", ".join(f"`{i}`" for i in gone) + ".", ""]
    by_layer = summary.get("by_layer", {})
    for layer in [*layers(sc), "total"]:
        row = by_layer.get(layer)
        if row is None:
            continue
        name = f"[{layer}](#{layer})" if layer != "total" else "**total**"
        lines.append(f"| {name} | {tally(row['all'])} | " + " | ".join(tally(row[c]) for c in CLASSES)
                     + f" | {tally(row['measures'])} |")
    lines.append("")
    for layer in layers(sc):
        exps = [e for e in sc["experiments"] if layer_of(e) == layer]
        n_pass = sum(bool(e.get("passed")) for e in exps)
        lines += [f"## {layer}", "", f"{n_pass} of {len(exps)} pass.", "",
                  "| finding | class | measures passed | result |", "|---|---|---|---|"]
        for e in exps:
            ms = e.get("measures", [])
            lines.append(f"| [{cell(e['title'])}]({e['id']}.md) | {e.get('class', '')} | "
                         f"{sum(bool(m.get('passed')) for m in ms)} / {len(ms)} | "
                         f"{'pass' if e.get('passed') else '**miss**'} |")
        lines.append("")
    return "\n".join(lines)


def pages(root: Path = ROOT) -> dict[str, str | bytes]:
    """The gallery: path relative to the gallery folder -> content (Markdown text, SVG bytes)."""
    src = load(root)
    out: dict[str, str | bytes] = {"index.md": index_page(src)}
    for exp in src.scorecard["experiments"]:
        eid = exp["id"]
        out[f"{eid}.md"] = experiment_page(exp, src)
        if exp.get("measures"):
            out[f"{eid}-measures.svg"] = measures_figure(exp["measures"])
        if eid in src.courses:
            out[f"{eid}-course.svg"] = src.courses[eid][0].encode("utf-8")
    return out


def write(out_dir: Path, root: Path = ROOT) -> dict[str, str | bytes]:
    out_dir.mkdir(parents=True, exist_ok=True)
    generated = pages(root)
    for name, content in generated.items():
        path = out_dir / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / DEFAULT_OUT, help="folder to write (default: %(default)s)")
    args = parser.parse_args(argv)
    generated = write(args.out)
    n_pages = sum(name.endswith(".md") for name in generated)
    print(f"wrote {n_pages} pages ({n_pages - 1} experiments and the index) and "
          f"{len(generated) - n_pages} figures to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
