"""The scorecard page: contents whose links land, the misses on their own, labelled small plots with
tolerance bands, trial plots with every arm and its confidence band."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ketasim.report.colours import ANALYTE_COLOURS, PLACEBO_COLOUR
from ketasim.trial.course import arm_course
from ketasim.trial.outcomes import ArmOutcomes
from ketasim.validation.finding_figure import MISS_COLOUR, PASS_COLOUR, finding_figure, tolerance_band
from ketasim.validation.scorecard_html import render_scorecard


def entry(sc, experiment_id):
    return next(e for e in sc.entries if e.experiment.id == experiment_id)


@pytest.fixture(scope="module")
def page(small_scorecard):
    return render_scorecard(small_scorecard)


def test_contents_link_to_every_layer_the_misses_and_the_parameters(page, anchors):
    a = anchors(page)
    assert len(a.ids) == len(set(a.ids)), "duplicate ids"
    assert set(a.toc_links) <= set(a.ids)
    assert set(a.h2_ids) == set(a.toc_links)
    assert {"totals", "misses", "unsourced", "layer-pk", "layer-receptor", "layer-clinical"} == set(a.toc_links)
    assert "clinical (0 / 1 pass)" in page and "receptor (2 / 2 pass)" in page


def test_misses_are_listed_on_their_own_and_can_be_shown_alone(page):
    misses = page[page.index('id="misses"'):page.index('id="only-misses"')]
    # the one failing measure, linked to its experiment; no passing one
    assert misses.split("<tbody>")[1].count("<tr>") == 1
    assert 'href="#clinical-murrough2013-midazolam"' in misses and "midazolam mean_change at 1 d" in misses
    assert "ketamine mean_change" not in misses.replace("midazolam mean_change", "")
    # the check box hides passing experiments and passing measure rows by CSS alone
    assert "<script" not in page
    assert "main:has(#only-misses:checked) section.exp.passed{display:none}" in page
    assert len(re.findall(r'<section class="exp passed"', page)) == 3
    assert len(re.findall(r'<section class="exp missed"', page)) == 1
    assert page.count("<tr class='passed'>") == 7 and page.count("<tr class='missed'>") == 1


def test_small_plot_has_labelled_axes_and_a_tolerance_band(small_scorecard):
    e = entry(small_scorecard, "pk-end-of-infusion-cmax")
    ax = finding_figure(e).axes[0]
    assert ax.get_xlabel() == "time (h)" and ax.get_ylabel() == "plasma_ketamine (ng/mL)"
    assert not ax.containers  # no error bars
    (band,) = [p for p in ax.patches if p.get_label() == "published ± tolerance"]
    assert (band.get_y(), band.get_y() + band.get_height()) == pytest.approx((185 * 0.75, 185 * 1.25))
    assert band.get_facecolor()[:3] == pytest.approx(tuple(int(PASS_COLOUR[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    published = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(published) == 1 and set(published[0].get_ydata()) == {185.0}
    (curve,) = [line for line in ax.lines if line.get_label() == "plasma_ketamine"]
    assert curve.get_color() == ANALYTE_COLOURS["ketamine"]       # the run report's ketamine colour
    assert max(curve.get_xdata()) == pytest.approx(24.0)


def test_tolerance_band_keeps_the_published_value_of_a_range():
    from ketasim.experiments.results import MeasureResult

    assert tolerance_band(MeasureResult("m", 1.0, 31.0, "ng/mL", True, (21.3, 40.6))) == (31.0, 21.3, 40.6)
    assert tolerance_band(MeasureResult("m", 1.0, None, "ng/mL", True, (70.0, 160.0))) == (None, 70.0, 160.0)
    assert tolerance_band(MeasureResult("m", 1.0, 200.0, "ng/mL", False, None, "±10%")) == (200.0, 180.0, 220.0)
    assert MISS_COLOUR != PASS_COLOUR


def test_trial_plot_shows_every_arm_with_its_confidence_band(small_scorecard):
    e = entry(small_scorecard, "clinical-murrough2013-midazolam")
    ax = finding_figure(e).axes[0]
    assert ax.get_ylabel() == "mean MADRS (points)" and ax.get_xlabel() == "time (h)"
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"ketamine (n = 30)", "midazolam (n = 30)"}   # the comparator arm too
    assert lines["ketamine (n = 30)"].get_color() == ANALYTE_COLOURS["ketamine"]
    assert lines["midazolam (n = 30)"].get_color() == ANALYTE_COLOURS["midazolam"]
    assert len(ax.collections) == 2                                    # one band per arm
    for course, band in zip(e.result.courses, ax.collections):
        ys = band.get_paths()[0].vertices[:, 1]
        assert ys.min() == pytest.approx(min(course.low)) and ys.max() == pytest.approx(max(course.high))
        assert all(lo < m < hi for lo, m, hi in zip(course.low, course.mean, course.high))


def test_arm_course_is_the_mean_with_a_normal_95_percent_interval():
    """Four patients, one dropout after the first visit (LOCF keeps their score), one with no visit yet
    at day 0 (their baseline stands in): mean and 1.96 standard errors by hand."""
    madrs = np.array([[30.0, 20.0], [28.0, np.nan], [np.nan, 10.0], [34.0, 22.0]])
    baseline = np.array([32.0, 30.0, 26.0, 36.0])
    a = ArmOutcomes(np.array([0.0, 2.0]), madrs, baseline, np.array([np.inf, 1.0, np.inf, np.inf]),
                    np.zeros(4, bool), np.zeros(4))
    c = arm_course("placebo", a)
    filled = np.array([[30.0, 20.0], [28.0, 28.0], [26.0, 10.0], [34.0, 22.0]])
    mean = filled.mean(axis=0)
    se = filled.std(axis=0, ddof=1) / 2.0
    assert c.x == (0.0, 2 * 1440.0) and c.n == 4
    assert c.mean == pytest.approx(tuple(mean)) and c.mean[1] == pytest.approx(20.0)
    assert c.low == pytest.approx(tuple(mean - 1.959964 * se)) and c.high == pytest.approx(tuple(mean + 1.959964 * se))
    assert "95%" in c.interval and "1.96" in c.interval
    from ketasim.report.colours import series_colour

    assert series_colour(c.arm) == PLACEBO_COLOUR
