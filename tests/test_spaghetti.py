"""Spaghetti plots: one panel per group, the sampled courses thin and translucent at their own
values, the mean bold, colours from `report.colours`; the trial's MADRS courses from the store's
per-patient scores and a population's plasma courses. Artists are inspected, never pixels."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ketasim.report.colours import ANALYTE_COLOURS, PLACEBO_COLOUR
from ketasim.report.spaghetti import (INDIVIDUAL_LW, MEAN_LW, SAMPLE, Courses, population_courses, sample_rows,
                                      spaghetti_figure)
from ketasim.trial.course import madrs_course
from ketasim.trial.outcomes import ArmOutcomes
from ketasim.trial.report import madrs_courses, spaghetti_section


def lines(ax, prefix):
    return [line for line in ax.lines if str(line.get_gid()).startswith(prefix)]


def arm(rng, n, drop):
    visits = np.arange(0.0, 8.0)
    base = rng.normal(32.0, 4.0, n)
    madrs = base[:, None] - drop * (visits / 7.0)[None, :] + rng.normal(0.0, 3.0, (n, visits.size))
    dropout = np.where(np.arange(n) == 2, 3.0, np.inf)            # patient 2 leaves after day 3
    madrs[visits[None, :] > dropout[:, None]] = np.nan
    return ArmOutcomes(visits, madrs, base, dropout, np.zeros(n, bool), np.zeros(n))


@pytest.fixture(scope="module")
def arms():
    rng = np.random.default_rng(11)
    return {"ketamine": arm(rng, 30, 14.0), "placebo": arm(rng, 12, 4.0)}


def test_sample_is_the_first_patients():
    np.testing.assert_array_equal(sample_rows(100), np.arange(SAMPLE))
    np.testing.assert_array_equal(sample_rows(5), np.arange(5))
    np.testing.assert_array_equal(sample_rows(100, 3), [0, 1, 2])


def test_one_panel_per_arm_courses_thin_mean_bold_in_the_arms_colours(arms):
    panels = madrs_courses(arms)
    fig = spaghetti_figure(panels, "day", "MADRS (points)")
    axes = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title(loc="left") for ax in axes] == ["ketamine (n = 30)", "placebo (n = 12)"]
    for ax, a, colour, k in zip(axes, arms.values(), (ANALYTE_COLOURS["ketamine"], PLACEBO_COLOUR), (20, 12)):
        individual = lines(ax, "individual-")
        assert len(individual) == k                               # the first 20 (all 12 of a small arm)
        for j, line in enumerate(individual):
            np.testing.assert_array_equal(line.get_ydata(), a.madrs[j])    # as observed, NaN after dropout
            assert line.get_color() == colour and line.get_linewidth() == INDIVIDUAL_LW
            assert line.get_alpha() < 1
        (mean,) = lines(ax, "mean")
        np.testing.assert_allclose(mean.get_ydata(), madrs_course(a)[0])   # over all patients, LOCF
        assert mean.get_color() == colour and mean.get_linewidth() == MEAN_LW > INDIVIDUAL_LW
        np.testing.assert_array_equal(mean.get_xdata(), a.visits)
    assert np.isnan(lines(axes[0], "individual-2")[0].get_ydata()[4:]).all()
    assert axes[0].get_ylabel() == "MADRS (points)" and axes[0].get_xlabel() == "day"


def test_trial_section_names_the_sample(arms):
    html = spaghetti_section(arms, k=5)
    assert html.startswith("<h2>Individual MADRS courses</h2>") and "<svg" in html
    assert "first 5 patients" in html


def test_population_plasma_courses_on_a_log_axis():
    t = np.arange(0.0, 361.0, 10.0)
    rng = np.random.default_rng(2)
    cl = rng.uniform(0.5, 2.0, 30)
    conc = 200.0 * np.exp(-np.outer(cl, t) / 120.0)
    ds = xr.Dataset({"plasma_ketamine": (("time", "patient"), conc.T, {"units": "ng/mL"})},
                    coords={"time": t, "patient": np.arange(30)})
    courses, xlabel, ylabel = population_courses(ds, "plasma_ketamine", k=8)
    assert (xlabel, ylabel, courses.n) == ("time (h)", "plasma_ketamine (ng/mL)", 30)
    np.testing.assert_allclose(courses.x, t / 60.0)
    np.testing.assert_array_equal(courses.individual, conc[:8])
    np.testing.assert_allclose(courses.mean, conc.mean(axis=0))
    ax = spaghetti_figure([courses], xlabel, ylabel, log=True).axes[0]
    assert ax.get_yscale() == "log" and len(lines(ax, "individual-")) == 8
    assert lines(ax, "mean")[0].get_color() == ANALYTE_COLOURS["ketamine"]


def test_courses_check_their_shapes():
    with pytest.raises(ValueError, match="mean has 2 values for 3"):
        Courses("a", np.arange(3.0), np.zeros((2, 3)), np.zeros(2), 2)
    fig = spaghetti_figure([], "day", "MADRS")
    assert "no courses to show" in [t.get_text() for t in fig.axes[0].texts]
