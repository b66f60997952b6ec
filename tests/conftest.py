"""Shared fixtures. JAX's compilation cache goes to one folder per test run, shared by the
xdist workers and the CLI subprocesses the tests start (they inherit the environment), so a
program one of them compiled is loaded, not compiled again, by the others; the process that
made the folder removes it at the end. A KETASIM_JAX_CACHE set by the caller is kept."""

import os
import shutil
import tempfile
from html.parser import HTMLParser

import pytest

RUN_CACHE = None if "KETASIM_JAX_CACHE" in os.environ else tempfile.mkdtemp(prefix="ketasim-test-jax-")
if RUN_CACHE is not None:
    os.environ["KETASIM_JAX_CACHE"] = RUN_CACHE


def pytest_unconfigure(config):
    if RUN_CACHE is not None:
        shutil.rmtree(RUN_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def standard_regimen():
    import ketasim as k

    return [k.DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0.0, duration=40.0)]


@pytest.fixture(scope="session")
def small_scorecard():
    """A scorecard of four experiments, built in about a second: two in-vitro receptor findings run
    for real, an in-vivo Cmax (one passing, synthetic curve) and a two-arm trial whose arms are
    synthetic patients (ketamine and its comparator, midazolam), each with its mean course and band."""
    import numpy as np

    from ketasim.experiments.loader import library
    from ketasim.experiments.results import ExperimentResult, MeasureResult
    from ketasim.trial.course import arm_course
    from ketasim.trial.outcomes import ArmOutcomes
    from ketasim.validation.library_run import LibraryEntry, run_library
    from ketasim.validation.scorecard import Scorecard
    from ketasim.validation.unsourced import unsourced_parameters

    lib = {e.id: e for e in library()}
    receptor = run_library([lib["receptor-kotermanski-glun2a-mg"], lib["receptor-jahr-stevens-mg-block"]])
    pk = lib["pk-end-of-infusion-cmax"]
    t = np.arange(0.0, 24 * 60 + 1, 10.0)
    y = np.where(t <= 40, 5.0 * t, 200.0 * np.exp(-(t - 40) / 150.0))  # peak 200 ng/mL at 40 min
    series = (tuple(t.tolist()), tuple(y.tolist()))
    pk_result = ExperimentResult(pk.id, pk.title, pk.source, tuple(pk.tags), {}, (
        MeasureResult("plasma_ketamine max", 200.0, 185.0, "ng/mL", True, None, "±25%", series,
                      "time (min)", "plasma_ketamine (ng/mL)"),
        MeasureResult("plasma_ketamine time_of_max", 40.0, 40.0, "min", True, None, "±5", series,
                      "time (min)", "plasma_ketamine (ng/mL)")))
    trial = lib["clinical-murrough2013-midazolam"]
    rng = np.random.default_rng(7)
    visits = np.array([0.0, 1.0])

    def arm(drop: float) -> ArmOutcomes:
        base = rng.normal(32.0, 4.0, 30)
        madrs = np.column_stack([base, base - drop + rng.normal(0.0, 5.0, 30)])
        return ArmOutcomes(visits, madrs, base, np.full(30, np.inf), np.zeros(30, bool), np.zeros(30))

    arms = {"ketamine": arm(16.5), "midazolam": arm(8.8)}
    trial_result = ExperimentResult(trial.id, trial.title, trial.source, tuple(trial.tags), {}, (
        MeasureResult("ketamine mean_change at 1 d", -16.0, -16.5, "MADRS points", True, None, "±3.2"),
        MeasureResult("midazolam mean_change at 1 d", -12.4, -8.8, "MADRS points", False, None, "±3.9")),
        tuple(arm_course(name, a) for name, a in arms.items()))
    entries = (*receptor, LibraryEntry(pk, pk_result, "", 0.1), LibraryEntry(trial, trial_result, "", 0.1))
    return Scorecard(entries, frozenset(), unsourced_parameters()[:8], {"tags": "receptor, pk, clinical"})


class Anchors(HTMLParser):
    """Every element id of a page, the in-page links inside its <nav class="toc">, and its <h2> ids."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.toc_links: list[str] = []
        self.h2_ids: list[str | None] = []
        self.in_toc = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "nav" and "toc" in (a.get("class") or ""):
            self.in_toc += 1
        if tag == "a" and self.in_toc and (a.get("href") or "").startswith("#"):
            self.toc_links.append(a["href"][1:])
        if tag == "h2" and "toc-title" not in (a.get("class") or ""):
            self.h2_ids.append(a.get("id"))

    def handle_endtag(self, tag):
        if tag == "nav" and self.in_toc:
            self.in_toc -= 1


@pytest.fixture(scope="session")
def anchors():
    """A function: HTML text -> its `Anchors` (ids, contents links, section heading ids)."""
    def parse(html: str) -> Anchors:
        p = Anchors()
        p.feed(html)
        return p

    return parse
