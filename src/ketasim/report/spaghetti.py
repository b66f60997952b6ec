"""Spaghetti plots: a sample of individual courses drawn thin and translucent, the group's mean bold.

A mean course hides how patients differ: whether everyone improves a little or some a lot
and others not at all, who drops out when. One panel per group (a trial arm, a
population), sharing the y axis: `SAMPLE` individual courses, each a thin translucent
line in the group's colour (`report.colours`: a drug's arm in the drug's colour, placebo
grey), and the mean over every patient of the group (not only the sample) as a bold line
on top. The sample is deterministic: the first `SAMPLE` patients by index, so one seed
draws the same picture.

Artists carry gids for tests and readers: `individual-j` (the j-th sampled course of a
panel) and `mean`.

`spaghetti_figure` is pure: `Courses` in, a matplotlib Figure out (Agg, nothing shown).
`population_courses` turns a population Dataset (`ketasim.simulate_population`: a
`patient` dimension, time in minutes) into `Courses` of one observable, e.g.
`plasma_ketamine`; the trial report builds its MADRS `Courses` from the trial store
(`ketasim.trial.report.madrs_courses`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from .colours import panel_colours
from .figures import figure_to_svg, unit_label
from .time_axis import display_time

SAMPLE = 20               # individual courses drawn per panel
INDIVIDUAL_ALPHA = 0.35
INDIVIDUAL_LW = 0.7
MEAN_LW = 2.4


@dataclass(frozen=True)
class Courses:
    """One panel's courses. name: the group (the panel's title and colour); x: (T,) the
    common x values; individual: (k, T) the sampled courses (NaN where a course has no
    value: after dropout); mean: (T,) the group's mean course over all its `n` patients."""

    name: str
    x: np.ndarray
    individual: np.ndarray
    mean: np.ndarray
    n: int

    def __post_init__(self) -> None:
        x = np.asarray(self.x, float)
        ind = np.asarray(self.individual, float).reshape(-1, x.size)
        mean = np.asarray(self.mean, float)
        if mean.shape != x.shape:
            raise ValueError(f"{self.name}: the mean has {mean.size} values for {x.size} x values")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "individual", ind)
        object.__setattr__(self, "mean", mean)


def sample_rows(n: int, k: int = SAMPLE) -> np.ndarray:
    """Which of `n` patients are drawn: the first `k` by index (all when there are fewer)."""
    return np.arange(min(int(n), int(k)))


def spaghetti_figure(panels: Sequence[Courses], xlabel: str, ylabel: str, log: bool = False,
                     mean_label: str = "mean of all patients", columns: int = 3) -> Figure:
    """One panel per group of `panels` (up to `columns` a row, y shared): its sampled courses thin
    and translucent, its mean bold, in the group's colour. log: a log y axis (concentrations;
    values <= 0 are not drawn)."""
    k = max(1, len(panels))
    cols = min(columns, k)
    rows = -(-k // cols)
    fig = Figure(figsize=(3.4 * cols + 0.6, 2.7 * rows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, sharex=True, squeeze=False)).ravel()
    if not panels:
        axes[0].text(0.5, 0.5, "no courses to show", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
        return fig
    for ax, c, colour in zip(axes, panels, panel_colours([c.name for c in panels])):
        shown = (lambda y: np.where(y > 0, y, np.nan)) if log else (lambda y: y)
        for j, y in enumerate(c.individual):
            ax.plot(c.x, shown(y), color=colour, lw=INDIVIDUAL_LW, alpha=INDIVIDUAL_ALPHA, gid=f"individual-{j}",
                    label=f"individual ({len(c.individual)} of {c.n})" if j == 0 else None)
        ax.plot(c.x, shown(c.mean), color=colour, lw=MEAN_LW, gid="mean", label=mean_label, zorder=3)
        ax.set_title(f"{c.name} (n = {c.n})", fontsize=9, loc="left")
        if log:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, frameon=False, loc="best")
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    for i, ax in enumerate(axes[:len(panels)]):
        if i % cols == 0:
            ax.set_ylabel(ylabel, fontsize=8)
        if i >= len(panels) - cols:
            ax.set_xlabel(xlabel, fontsize=8)
            ax.tick_params(labelbottom=True)
    return fig


def spaghetti_svg(panels: Sequence[Courses], xlabel: str, ylabel: str, **kw) -> str:
    """`spaghetti_figure` as inline SVG text."""
    return figure_to_svg(spaghetti_figure(panels, xlabel, ylabel, **kw))


def population_courses(ds, observable: str, name: str | None = None, k: int = SAMPLE) -> tuple[Courses, str, str]:
    """(Courses, x label, y label) of `observable` in a population Dataset (dimensions `patient`
    and `time`, time in minutes): the first `k` patients' courses and the mean over all patients,
    time in hours or days (`report.time_axis`). name: the panel's name (default: the observable)."""
    da = ds[observable].transpose("patient", "time")
    values = np.asarray(da.values, float)
    x, xlabel = display_time(np.asarray(ds["time"].values, float))
    ylabel = f"{observable} ({unit_label(str(da.attrs.get('units', '')))})"
    courses = Courses(name or observable, x, values[sample_rows(values.shape[0], k)], np.nanmean(values, axis=0),
                      values.shape[0])
    return courses, xlabel, ylabel
