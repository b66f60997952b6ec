"""The trial's HTML report: arm-by-arm MADRS course, individual courses, arm-versus-arm effects
(forest plot), response and remission, adverse effects.

Self-contained like the simulation report (`ketasim.report.html`) and built from the same
toolkit (`report.markup`): inline CSS and SVG figures, no scripts. Curves use LOCF scores
over all randomised patients.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..version import __version__
from ..report.colours import panel_colours
from ..report.figures import figure_to_svg
from ..report.forest import ForestRow, forest_figure
from ..report.markup import dose_text, html_figure, html_table, page_close, page_header, page_open
from ..report.spaghetti import SAMPLE, Courses, sample_rows, spaghetti_figure
from .course import madrs_course
from .decomposition_figure import decomposition_section
from .effects import EFFECT_AXES, EFFECT_SCALES
from .definitions import DEFAULT_RULES, EndpointRules
from .endpoints import ENDPOINT_DEFS, EndpointValue, rated
from .outcomes import ArmOutcomes
from .spec import TrialSpec


def rates_course(a: ArmOutcomes, rules: EndpointRules = DEFAULT_RULES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days, response, remission): the two rates at each scheduled visit, as the protocol
    defines them (its remission line, LOCF or observed cases; `trial.endpoints`)."""
    days = np.asarray(rated(a, rules).visits, float)
    rates = [[ENDPOINT_DEFS[e].statistic(ENDPOINT_DEFS[e].per_patient(a, d, rules)) for d in days]
             for e in ("response_rate", "remission_rate")]
    return days, np.asarray(rates[0]), np.asarray(rates[1])


def _definitions_text(rules: EndpointRules) -> str:
    """The protocol's endpoint definitions in one sentence-run for the report."""
    who = ("Rates are fractions of all randomised patients; a missing score after dropout is the last rating "
           "carried forward" if rules.analysis == "locf" else
           "Observed cases: rates are fractions of the patients rated at that visit")
    visits = ("every day of the record" if rules.visits is None
              else "the scheduled visits (days " + ", ".join(f"{d:g}" for d in rules.visits) + ")")
    return (f"{who}. Ratings: {visits}. Remission: {rules.describe('remission_rate')}. Relapse: Kaplan–Meier "
            f"median days from first response to {rules.describe('relapse_median_days')}")


def madrs_figure(visits: np.ndarray, arms: Mapping[str, ArmOutcomes]) -> Figure:
    fig = Figure(figsize=(7.5, 4.0))
    ax = fig.subplots()
    for (name, a), colour in zip(arms.items(), panel_colours(list(arms))):
        mean, lo, hi = madrs_course(a)
        ax.plot(visits, mean, marker="o", ms=2.5, label=name, color=colour)
        ax.fill_between(visits, lo, hi, color=colour, alpha=0.2, lw=0)
    ax.set_xlabel("day")
    ax.set_ylabel("MADRS (mean, LOCF)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def rates_figure(arms: Mapping[str, ArmOutcomes], rules: EndpointRules = DEFAULT_RULES) -> Figure:
    fig = Figure(figsize=(9.0, 3.6))
    ax_r, ax_m = fig.subplots(1, 2, sharey=True)
    for (name, a), colour in zip(arms.items(), panel_colours(list(arms))):
        days, resp, rem = rates_course(a, rules)
        ax_r.plot(days, resp, marker="o", ms=2.5, label=name, color=colour)
        ax_m.plot(days, rem, marker="o", ms=2.5, label=name, color=colour)
    ax_r.set_title("response (MADRS ≤ 50% of baseline)", fontsize=9)
    ax_m.set_title(f"remission ({rules.describe('remission_rate').replace('<=', '≤')})", fontsize=9)
    ax_r.set_ylabel("fraction of patients")
    for ax in (ax_r, ax_m):
        ax.set_xlabel("day")
        ax.set_ylim(0, 1)
        ax.grid(True, alpha=0.3)
    ax_m.legend(fontsize=8)
    return fig


def madrs_courses(arms: Mapping[str, ArmOutcomes], k: int = SAMPLE) -> list[Courses]:
    """Per arm: the rated MADRS of its first `k` patients at each visit as observed (a course
    ends at dropout; no carrying forward) and the arm's mean over all randomised patients
    (LOCF, as in the mean MADRS figure). The store keeps every patient's scores at every
    visit, so the sample is read from it (`spaghetti.sample_rows`: the first k by index)."""
    return [Courses(name, np.asarray(a.visits, float), np.asarray(a.madrs, float)[sample_rows(a.n, k)],
                    madrs_course(a)[0], a.n) for name, a in arms.items()]


def spaghetti_section(arms: Mapping[str, ArmOutcomes], k: int = SAMPLE) -> str:
    """The individual MADRS courses section (heading, figure, caption)."""
    fig = spaghetti_figure(madrs_courses(arms, k), "day", "MADRS (points)", mean_label="arm mean (LOCF, all)")
    return ("<h2>Individual MADRS courses</h2>"
            + html_figure(figure_to_svg(fig), f"One panel per arm: the rated MADRS of the arm's first {k} patients "
                          "(by patient index, the same on every run of one seed) at each visit, thin lines, each "
                          "ending where the patient dropped out; bold: the arm's mean over all randomised patients "
                          "(LOCF), as in the figure above."))


def effect_rows(effects: Sequence[EndpointValue], arm_names: Sequence[str]) -> dict[str, list[ForestRow]]:
    """endpoint -> forest rows of its effects (in the order given), each '<arm> vs <versus>, day d'
    in the arm's colour."""
    colours = dict(zip(arm_names, panel_colours(list(arm_names))))
    out: dict[str, list[ForestRow]] = {}
    for v in effects:
        if v.endpoint in EFFECT_SCALES:
            out.setdefault(v.endpoint, []).append(ForestRow(f"{v.arm} vs {v.versus}, day {v.at:g}", v.estimate,
                                                            v.low, v.high, colour=colours.get(v.arm)))
    return out


def forest_section(effects: Sequence[EndpointValue], arm_names: Sequence[str]) -> str:
    """The arm-versus-arm effects section: one forest plot per effect (odds ratio of response on a
    log axis, mean MADRS difference on a linear one); '' without effects."""
    by_endpoint = effect_rows(effects, arm_names)
    if not by_endpoint:
        return ""
    level = next(iter(effects)).level
    figs = "".join(html_figure(figure_to_svg(forest_figure(rows, EFFECT_SCALES[e], EFFECT_AXES[e],
                                                           title=e.replace("_", " "),
                                                           interval_label=f"{level:.0%} CI")), "")
                   for e, rows in by_endpoint.items())
    return ("<h2>Effects between arms</h2>"
            '<p class="small muted">Each arm against its comparator at each day the trial reads (the end of the '
            "trial and every measure's day): the odds ratio of response (log axis; 1: no effect) and the difference "
            "in mean MADRS change from baseline (arm minus comparator; 0: no effect), squares the point estimates, "
            f"lines their {level:.0%} percentile bootstrap intervals (patients resampled within arms), LOCF scores of "
            "all randomised patients. An interval without a cap runs beyond the axis (unbounded).</p>" + figs)


def _arms_table(spec: TrialSpec) -> list[dict]:
    return [{"arm": a.name, "regimen": "; ".join(dose_text(asdict(e)) for e in a.regimen) or "no doses",
             "hypotheses": ", ".join(f"{k}={v}" for k, v in a.hypotheses) or "defaults",
             "blinding": "blinded" if a.blinded else "open label"} for a in spec.arms]


def render_trial_report(spec: TrialSpec, arms: Mapping[str, ArmOutcomes], summary: Sequence[dict],
                        adverse: Sequence[dict], measures: Sequence[dict] = (), mechanism: str = "",
                        effects: Sequence[EndpointValue] = ()) -> str:
    """The report as one HTML string. summary: display rows per arm (endpoint 'estimate [CI]');
    adverse: adverse-effect rows per arm; measures: scored measure rows (may be empty);
    effects: the arm-versus-arm effects for the forest plot (`trial.effects.arm_effects`; none:
    no forest section);
    mechanism: the typical-patient cascade, equations and parameters section (HTML, may be
    empty; `ketasim.trial.mechanism.mechanism_html`)."""
    visits = np.asarray(spec.visits, float)
    meta = [("Trial", spec.trial_id), ("Cohort", spec.cohort), ("Species", spec.species),
            ("Patients per arm", spec.n), ("Seed", spec.seed), ("Duration", f"{spec.duration_days:g} d"),
            ("Specification digest", spec.digest[:16]), ("ketasim version", __version__)]
    parts = [
        page_open(spec.title), page_header(spec.title, meta),
        "<h2>Arms</h2>", html_table(_arms_table(spec)),
        "<h2>Endpoints at the end of the trial</h2>",
        '<p class="small muted">Point estimate [95% percentile bootstrap interval, patients resampled within '
        f"arms]. {_definitions_text(spec.endpoints)} (n.r.: not reached).</p>",
        html_table(list(summary)),
    ]
    if measures:
        parts += ["<h2>Measures</h2>", html_table(list(measures))]
    parts += [
        "<h2>MADRS over time</h2>",
        html_figure(figure_to_svg(madrs_figure(visits, arms)),
                "Mean MADRS per arm (LOCF) against days since the first dose; bands: mean ± 1.96 SE."),
        spaghetti_section(arms),
        decomposition_section(arms, spec.duration_days),
        forest_section(effects, list(arms)),
        "<h2>Response and remission over time</h2>",
        html_figure(figure_to_svg(rates_figure(arms, spec.endpoints)), "Fraction of patients responding and "
                "remitting at each scheduled visit, as the protocol defines them (above)."),
        "<h2>Adverse effects and dropouts</h2>",
        '<p class="small muted">Peak CADSS dissociation score per patient; fractions of patients who dropped '
        "out, and who dropped out because of side effects, by the end of the trial.</p>",
        html_table(list(adverse)),
        mechanism,
        # no generation time: one seed gives the same bytes, fresh or resumed (the sitting's time is in --json)
        page_close(__version__),
    ]
    return "\n".join(parts)
