"""The documentation site (mkdocs.yml) builds with --strict, its gallery has a page per library
experiment, and no relative link or #anchor of the built site is broken (docs/check_links.py).

The build reads the checked-in scorecard and simulates nothing; it is skipped only where
mkdocs is not installed (`make test` installs it with the dev extra)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gallery():
    return _script("make_gallery")


@pytest.fixture(scope="module")
def written(gallery, tmp_path_factory):
    """The gallery written once to a scratch folder: (folder, {name: content})."""
    out = tmp_path_factory.mktemp("gallery")
    return out, gallery.write(out)


@pytest.fixture(scope="module")
def check_links():
    return _script("check_links")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                             str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_the_gallery_has_a_page_and_figures_per_library_experiment(gallery, written):
    tmp_path, written = written
    scorecard = json.loads((ROOT / gallery.SCORECARD_JSON).read_text(encoding="utf-8"))
    ids = [e["id"] for e in scorecard["experiments"]]
    library = {p.stem for p in (ROOT / gallery.LIBRARY).glob("*.toml")}
    assert len(ids) == len(library)                  # the scorecard covers the library
    assert {n for n in written if n.endswith(".md")} == {"index.md", *(f"{i}.md" for i in ids)}
    for i in ids:
        assert (tmp_path / f"{i}-measures.svg").read_bytes().lstrip().startswith(b"<?xml")
        assert f"]({i}.md)" in written["index.md"]
    # the index names the scorecard run it shows, and counts per layer
    settings = scorecard["settings"]
    assert settings["date"] in written["index.md"] and settings["ketasim_version"] in written["index.md"]
    assert "simulates nothing" in written["index.md"]
    for layer in scorecard["summary"]["by_layer"]:
        if layer != "total":
            assert f"\n## {layer}\n" in written["index.md"]


def test_an_experiment_page_shows_measures_references_class_and_notes(written, gallery):
    written = written[1]
    page = written["pk-end-of-infusion-cmax.md"]
    # the simulated value and verdict are the checked-in scorecard's (they change when the model does)
    exp = next(e for e in gallery.load().scorecard["experiments"] if e["id"] == "pk-end-of-infusion-cmax")
    cmax = next(m for m in exp["measures"] if m["name"] == "plasma_ketamine max")
    verdict = "**pass**" if cmax["passed"] else "**miss**"
    assert page.startswith("# Plasma ketamine at the end of the standard antidepressant infusion")
    assert "Zanos et al. 2018" in page                               # source
    assert "(https://doi.org/10.1001/archpsyc.63.8.856)" in page      # reference key -> DOI link
    assert f"| {cmax['simulated']:.4g} | 185 | ±25% | [138.8, 231.2] | ng/mL | {verdict} |" in page
    assert "| 40 | 40 | ±5 | [35, 45] | min | **pass** |" in page
    assert "+-5 min is a judgement" in page                          # tolerance note
    assert "venous population model" in page                          # the file's notes
    assert "scorecard.html#pk-end-of-infusion-cmax" in page
    assert "pk-end-of-infusion-cmax-course.svg" in written             # the scorecard's own figure


def test_measure_intervals_follow_the_tolerance(gallery):
    assert gallery.interval({"expected": 185.0, "tolerance": "±25%"}) == pytest.approx((138.75, 231.25))
    assert gallery.interval({"expected": -16.5, "tolerance": "±3.2"}) == pytest.approx((-19.7, -13.3))
    assert gallery.interval({"expected": None, "range": [0.3, 0.99], "tolerance": "range [0.3, 0.99]"}) == (0.3, 0.99)
    assert gallery.interval({"expected": 1.0, "tolerance": "see note"}) is None


def test_the_gallery_is_the_same_on_every_run(gallery, written):
    """Pages and figures do not change from one run to the next (no dates, no random ids)."""
    sources = gallery.load()
    exp = next(e for e in sources.scorecard["experiments"] if e["id"] == "pk-end-of-infusion-cmax")
    assert gallery.experiment_page(exp, sources) == written[1]["pk-end-of-infusion-cmax.md"]
    assert gallery.measures_figure(exp["measures"]) == written[1]["pk-end-of-infusion-cmax-measures.svg"]
    assert gallery.index_page(sources) == written[1]["index.md"]


def test_the_site_builds_strict_with_every_section(site):
    for page in ("index.html", "guide/index.html", "python_api/index.html", "api/index.html",
                 "architecture/index.html", "scorecard/index.html", "scorecard/scorecard.html",
                 "gallery/index.html", "gallery/pk-end-of-infusion-cmax/index.html",
                 "gallery/pk-end-of-infusion-cmax-measures.svg", "figures/demo_concentrations.svg"):
        assert (site / page).is_file(), page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Two commands" in home and 'href="guide/"' in home          # the README, its docs/ links rewritten
    assert not list(site.rglob("*.py"))                                 # scripts stay out of the site


def test_the_built_site_has_no_broken_links(site, check_links):
    assert check_links.check_site(site) == []


def test_the_link_checker_finds_a_missing_file_and_a_missing_anchor(check_links, tmp_path):
    (tmp_path / "index.html").write_text('<h1 id="top">t</h1><a href="#top">ok</a><a href="#nowhere">x</a>'
                                         '<img src="missing.png"><a href="sub/">s</a><a href="https://x.org/">e</a>')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text('<a href="../index.html#top">up</a><a href="../../out.html">o</a>')
    problems = check_links.check_site(tmp_path)
    assert len(problems) == 3, problems
    assert any("#nowhere" in p for p in problems) and any("missing.png" in p for p in problems)
    assert any("outside the site" in p for p in problems)
