"""The decomposition section of a trial report: each arm's mean rated MADRS change split into
drug mechanism, placebo, regression to the mean and day-to-day fluctuation (`trial.decomposition`)."""

from __future__ import annotations

from typing import Mapping

from matplotlib.figure import Figure

from ..report.figures import figure_to_svg
from ..report.markup import html_figure, html_table
from .decomposition import PART_LABELS, PARTS, Decomposition, decompose
from .outcomes import ArmOutcomes

PART_STYLES = {"drug": ("#1b7837", "-"), "placebo": ("#2166ac", "-"), "regression": ("#b2182b", "--"),
               "fluctuation": ("#878787", ":")}


def decomposition_figure(decs: Mapping[str, Decomposition]) -> Figure:
    """One panel per arm: the mean rated change (black) and its four parts against days."""
    names = list(decs)
    fig = Figure(figsize=(min(4.2 * len(names), 12.6), 3.6))
    axes = fig.subplots(1, len(names), sharey=True, squeeze=False)[0]
    for ax, name in zip(axes, names):
        d = decs[name]
        ax.axhline(0.0, color="#cccccc", lw=0.8)
        ax.plot(d.days, d.change, color="black", lw=1.8, label="rated change")
        for part in PARTS:
            colour, style = PART_STYLES[part]
            ax.plot(d.days, d.parts[part], color=colour, ls=style, lw=1.3, label=PART_LABELS[part])
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("day")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("MADRS change from screening (mean)")
    axes[-1].legend(fontsize=7)
    return fig


def decomposition_rows(decs: Mapping[str, Decomposition], day: float) -> list[dict]:
    """Per arm at `day`: the mean rated change and its parts (MADRS points, 1 decimal)."""
    rows = []
    for name, d in decs.items():
        v = d.at(day)
        rows.append({"arm": name, "rated change": f"{v['change']:.1f}",
                     **{PART_LABELS[p]: f"{v[p]:.1f}" for p in PARTS}})
    return rows


def decomposition_section(arms: Mapping[str, ArmOutcomes], day: float) -> str:
    """The report's section (empty when the record has no decomposition)."""
    decs = {name: d for name, a in arms.items() if (d := decompose(a)) is not None}
    if not decs:
        return ""
    return "\n".join([
        "<h2>What the rated change is made of</h2>",
        '<p class="small muted">Mean MADRS change from the screening score of the patients rated at each visit, '
        "split into the change the drug's mechanism makes, the placebo response, regression to the mean (the "
        "screening score's upward fluctuation, selected by the inclusion threshold, decaying away) and the "
        "day-to-day fluctuation with rounding (the rest); the four add up to the rated change.</p>",
        html_figure(figure_to_svg(decomposition_figure(decs)),
                    "Per arm: rated change (black) and its parts against days since the first dose."),
        f"<p>At day {day:g}:</p>",
        html_table(decomposition_rows(decs, day)),
    ])
