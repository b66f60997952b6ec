"""Forest plots: the figure's data (rows top to bottom, log axis for odds ratios, whiskers at the
given interval, the published range beside it, pass/miss), the trial report's effects section and
the scorecard's clinical effects. Artists are inspected, never pixels."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest

from ketasim.experiments.loader import library, parse_experiment
from ketasim.experiments.results import ExperimentResult, MeasureResult
from ketasim.report.colours import ANALYTE_COLOURS, MISS_COLOUR, PASS_COLOUR, PLACEBO_COLOUR
from ketasim.report.forest import ForestRow, forest_figure, forest_svg, row_positions, x_limits
from ketasim.trial.chunk import TrialArm
from ketasim.trial.effects import EFFECT_SCALES, arm_effects, comparisons, effect_days
from ketasim.trial.outcomes import ArmOutcomes
from ketasim.trial.report import effect_rows, render_trial_report
from ketasim.trial.score import measure_values
from ketasim.trial.spec import TrialSpec, trial_spec
from ketasim.validation.effects_forest import ANCHOR, effect_rows as scorecard_rows
from ketasim.validation.library_run import LibraryEntry
from ketasim.validation.scorecard import Scorecard
from ketasim.validation.scorecard_html import render_scorecard
from trial_helpers import MEAN_DIFFERENCE_MEASURE, two_arm_trial


def by_gid(ax, gid):
    found = [a for a in (*ax.lines, *ax.texts) if a.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


ROWS = [ForestRow("first", 2.0, 1.5, 3.0, published=2.5, published_low=1.8, published_high=4.0, passed=True),
        ForestRow("second", 0.8, 0.5, 1.3, published=3.0, passed=False),
        ForestRow("third", 1.2)]


# ------------------------------------------------------------------ the figure
def test_rows_run_top_to_bottom_in_the_order_given():
    ax = forest_figure(ROWS, "ratio", "odds ratio").axes[0]
    np.testing.assert_array_equal(row_positions(3), [2.0, 1.0, 0.0])
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())), reverse=True)
    assert [label for _, label in ticks] == ["first", "second", "third"]
    for i, y in enumerate(row_positions(3)):
        assert list(by_gid(ax, f"estimate-{i}").get_ydata()) == [y]


def test_odds_ratios_on_a_log_axis_with_no_effect_at_one():
    ax = forest_figure(ROWS, "ratio", "odds ratio").axes[0]
    assert ax.get_xscale() == "log"
    (null,) = [line for line in ax.lines if line.get_label() == "no effect"]
    assert set(null.get_xdata()) == {1.0}
    lo, hi = ax.get_xlim()
    assert lo < 0.5 and hi > 4.0       # every interval end and published value inside


def test_differences_on_a_linear_axis_with_no_effect_at_zero():
    rows = [ForestRow("k05 vs midazolam", -5.0, -7.0, -3.0, published_low=-30.0, published_high=-3.0, passed=True)]
    ax = forest_figure(rows, "difference", "MADRS points").axes[0]
    assert ax.get_xscale() == "linear"
    (null,) = [line for line in ax.lines if line.get_label() == "no effect"]
    assert set(null.get_xdata()) == {0.0}
    assert x_limits(rows, "difference")[0] < -30.0 and x_limits(rows, "difference")[1] > 0.0
    with pytest.raises(ValueError, match="unknown forest scale"):
        forest_figure(rows, "percent", "x")


def test_whiskers_and_published_range_at_the_given_values():
    ax = forest_figure(ROWS, "ratio", "odds ratio").axes[0]
    ci = by_gid(ax, "ci-0")
    assert list(ci.get_xdata()) == [1.5, 3.0] and list(ci.get_ydata()) == [2.0, 2.0]
    assert list(ci.get_markevery()) == [0, 1]                      # both ends capped
    assert list(by_gid(ax, "estimate-0").get_xdata()) == [2.0]
    band = by_gid(ax, "published-range-0")
    assert list(band.get_xdata()) == [1.8, 4.0] and band.get_ydata()[0] < 2.0   # drawn just below its row
    assert list(by_gid(ax, "published-0").get_xdata()) == [2.5]
    assert list(by_gid(ax, "published-1").get_xdata()) == [3.0]                  # a value without a range
    assert not [a for a in ax.lines if a.get_gid() in ("ci-2", "published-2", "published-range-2")]
    assert list(by_gid(ax, "estimate-2").get_xdata()) == [1.2]                   # a point alone


def test_an_unbounded_interval_runs_to_the_axis_edge_uncapped():
    rows = [ForestRow("open", 2.0, 1.2, math.inf)]
    ax = forest_figure(rows, "ratio", "odds ratio").axes[0]
    ci = by_gid(ax, "ci-0")
    assert ci.get_xdata()[0] == 1.2 and ci.get_xdata()[1] == pytest.approx(ax.get_xlim()[1])
    assert list(ci.get_markevery()) == [0]


def test_pass_and_miss_are_marked_in_their_colours():
    ax = forest_figure(ROWS, "ratio", "odds ratio").axes[0]
    first, second = by_gid(ax, "verdict-0"), by_gid(ax, "verdict-1")
    assert (first.get_text(), first.get_color()) == ("pass", PASS_COLOUR)
    assert (second.get_text(), second.get_color()) == ("miss", MISS_COLOUR)
    assert by_gid(ax, "estimate-1").get_color() == MISS_COLOUR
    assert not [t for t in ax.texts if t.get_gid() == "verdict-2"]   # not scored
    svg = forest_svg(ROWS, "ratio", "odds ratio")
    assert svg.startswith("<svg") and "pass" in svg and "miss" in svg


def test_no_rows_says_so():
    fig = forest_figure([], "difference", "x")
    assert "no effects to show" in [t.get_text() for t in fig.axes[0].texts]


# ------------------------------------------------------------------ the trial's effects and report
def synthetic_arm(rng, visits, drop, n=40):
    base = rng.normal(32.0, 4.0, n)
    madrs = base[:, None] - drop * (1 - np.exp(-visits / 1.5))[None, :] + rng.normal(0.0, 4.0, (n, visits.size))
    dropout = np.where(np.arange(n) % 7 == 3, 3.0, np.inf)
    madrs[visits[None, :] > dropout[:, None]] = np.nan
    return ArmOutcomes(visits, madrs, base, dropout, np.zeros(n, bool), rng.random(n) * 10)


def spec_of(names, visits, n=40):
    return TrialSpec("t", "Test", "human", "trd", n, 1, n, float(visits[-1]), tuple(visits),
                     tuple(TrialArm(a, ()) for a in names))


@pytest.fixture(scope="module")
def trial():
    exp = parse_experiment(tomllib.loads(two_arm_trial() + MEAN_DIFFERENCE_MEASURE))
    spec = trial_spec(exp, check_models=False)
    rng = np.random.default_rng(5)
    visits = np.asarray(spec.visits)
    arms = {"ketamine": synthetic_arm(rng, visits, 15.0), "low_dose": synthetic_arm(rng, visits, 6.0)}
    return exp, spec, arms


def test_comparisons_from_the_measures_else_against_the_control():
    visits = np.arange(0.0, 4.0)
    assert comparisons(spec_of(["ketamine", "esketamine", "placebo"], visits)) == [
        ("ketamine", "placebo"), ("esketamine", "placebo")]
    assert comparisons(spec_of(["k05", "k10", "midazolam"], visits)) == [("k05", "midazolam"), ("k10", "midazolam")]
    assert comparisons(spec_of(["only"], visits)) == []


def test_effects_per_pair_and_day_with_intervals(trial):
    exp, spec, arms = trial
    pairs, days = comparisons(spec, exp), effect_days(spec, exp)
    assert pairs == [("ketamine", "low_dose")] and days == [1.0, 1.5, 7.0]
    effects = arm_effects(spec, arms, pairs, days, n_boot=100)
    assert [(v.endpoint, v.at) for v in effects] == [(e, d) for e in EFFECT_SCALES for d in days]
    assert all(v.low <= v.estimate <= v.high for v in effects)
    rows = effect_rows(effects, list(arms))
    assert [r.label for r in rows["mean_difference"]] == [f"ketamine vs low_dose, day {d:g}" for d in days]
    assert rows["response_odds_ratio"][0].colour == ANALYTE_COLOURS["ketamine"]
    # the measure's interval is the effect's own (one seed per effect's names)
    (_, md), = [(m, v) for m, v in measure_values(exp, spec, arms, 100) if v.endpoint == "mean_difference"]
    same = next(v for v in effects if v.endpoint == "mean_difference" and v.at == 1.5)
    assert (md.low, md.high) == (same.low, same.high)


def test_measures_keep_the_effects_interval_when_bootstrapped(trial):
    exp, spec, arms = trial
    scored = measure_values(exp, spec, arms, 100, boot=EFFECT_SCALES)
    by_endpoint = {v.endpoint: m for m, v in scored}
    assert by_endpoint["response_rate"].ci is None                    # not an effect: no bootstrap
    lo, hi = by_endpoint["mean_difference"].ci
    assert lo <= by_endpoint["mean_difference"].simulated <= hi
    assert "ci" not in by_endpoint["mean_difference"].to_json()       # the JSON shape is unchanged


def test_trial_report_has_the_effects_and_individual_courses(trial):
    exp, spec, arms = trial
    effects = arm_effects(spec, arms, comparisons(spec, exp), effect_days(spec, exp), n_boot=50)
    html = render_trial_report(spec, arms, [], [], (), "", effects)
    assert "<h2>Effects between arms</h2>" in html and "<h2>Individual MADRS courses</h2>" in html
    assert html.index("Individual MADRS courses") < html.index("Effects between arms")
    assert html.count("<svg") == 5   # MADRS, individual courses, two forest plots, rates
    assert "Effects between arms" not in render_trial_report(spec, arms, [], [])


@pytest.mark.slow
def test_tiny_real_trial_report_has_both_sections(tmp_path):
    """The real chunk simulator (JAX compiles the slow model: about a minute)."""
    from ketasim.trial.engine import run_trial
    from ketasim.trial.summary import trial_outputs

    exp = parse_experiment(tomllib.loads(two_arm_trial(n=4, chunk=4)))
    result = run_trial(trial_spec(exp), tmp_path / "trial.zarr", scheduler="sync", progress=False)
    html = trial_outputs(exp, result, n_boot=20).html
    assert "Effects between arms" in html and "ketamine vs low_dose, day 7" in html
    assert "Individual MADRS courses" in html and "first 20 patients" in html


# ------------------------------------------------------------------ the scorecard
def fava_entry(ci: bool):
    fava = {e.id: e for e in library()}["clinical-fava2018-dose-ranging"]
    values = {"k05": (-5.0, (-7.5, -2.6)), "k10": (-2.0, (-4.1, 0.2)), "k01": (-1.0, (-3.0, 1.0))}
    ms = []
    for m in fava.measure:
        v, interval = values[m.arm]
        ms.append(MeasureResult(m.label, v, m.expected, m.unit, m.range[0] <= v <= m.range[1], m.range, "",
                                ci=interval if ci else None))
    return LibraryEntry(fava, ExperimentResult(fava.id, fava.title, fava.source, tuple(fava.tags), {}, tuple(ms)),
                        "", 0.1)


def test_scorecard_rows_are_the_effect_measures_with_published_ranges(small_scorecard):
    rows = scorecard_rows([fava_entry(True), *small_scorecard.entries])
    assert list(rows) == ["mean_difference"]      # murrough2013's mean_change is no effect between arms
    md = rows["mean_difference"]
    assert [r.label for r in md] == [f"clinical-fava2018-dose-ranging: {a} vs midazolam at 1 d"
                                     for a in ("k05", "k10", "k01")]
    assert (md[0].low, md[0].high) == (-7.5, -2.6)
    assert md[0].published_range == (-30.0, -3.0) and md[2].published_range == (-3.0, 30.0)
    assert [r.passed for r in md] == [True, False, True]


def test_scorecard_has_the_forest_section(small_scorecard):
    sc = Scorecard((*small_scorecard.entries, fava_entry(True)), frozenset(), small_scorecard.unsourced)
    page = render_scorecard(sc)
    clinical = page[page.index('id="layer-clinical"'):page.index('id="unsourced"')]
    assert f'id="{ANCHOR}"' in clinical and clinical.count('<figure class="fig forest">') == 1
    assert clinical.index(ANCHOR) < clinical.index('id="clinical-fava2018-dose-ranging"')
    assert "95% percentile bootstrap intervals" in clinical and "points only" not in clinical
    assert f'id="{ANCHOR}"' not in render_scorecard(small_scorecard)   # no effect measures: no section


def test_scorecard_without_intervals_says_so(small_scorecard):
    sc = Scorecard((*small_scorecard.entries, fava_entry(False)), frozenset(), small_scorecard.unsourced)
    page = render_scorecard(sc)
    assert "points only; the scorecard holds no interval" in page
    (rows,) = scorecard_rows([fava_entry(False)]).values()
    ax = forest_figure(rows, "difference", "points").axes[0]
    assert not [line for line in ax.lines if str(line.get_gid()).startswith("ci-")]
    assert len([line for line in ax.lines if str(line.get_gid()).startswith("published-range-")]) == 3
    assert PLACEBO_COLOUR not in (r.estimate_colour for r in rows)
