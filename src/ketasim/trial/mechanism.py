"""The mechanism behind a trial's arms, for its report: one typical patient per arm.

A trial's endpoints mix the mechanism with placebo, blinding, fluctuation and dropouts.
The report shows, next to them, what the mechanism alone does: each arm's regimen in a
typical patient of the species (70 kg adult, reference genotypes, the arm's own BDNF
genotype and hypotheses), through the whole cascade on the report's two time views, and
the shared model's equations and parameter table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .spec import TrialSpec

ACUTE_MIN = 1440.0  # min at 1-min resolution before the hourly weeks grid


@dataclass(frozen=True)
class ArmCourse:
    """One arm's typical-patient simulation (an xarray Dataset, time in minutes)."""

    arm: str
    dataset: Any


def typical_courses(spec: TrialSpec) -> tuple[ArmCourse, ...]:
    """Simulate each arm's regimen in the typical patient over the trial's duration."""
    from ..patient import Patient
    from ..report.cascade import extended_times
    from ..simulate import grid_for, simulate

    duration = spec.duration_days * 1440.0
    first = min(duration, ACUTE_MIN)
    every_dose = tuple(e for arm in spec.arms for e in arm.regimen)
    times = extended_times(grid_for(every_dose, first), first, spec.duration_days)
    out = []
    for arm in spec.arms:
        patient = Patient(species=spec.species, bdnf=arm.bdnf or "val/val")
        ds = simulate(arm.regimen, patient, duration, dict(arm.hypotheses), times=times,
                      parameters=dict(spec.parameters) or None)
        out.append(ArmCourse(arm.name, ds))
    return tuple(out)


def mechanism_html(spec: TrialSpec, courses: tuple[ArmCourse, ...]) -> str:
    """The report section: a cascade figure per arm, then the equations and parameters of the
    model the trial's patients were solved with (the union of the arms' drugs)."""
    from ..mechanisms.registry import build_model
    from ..report.cascade import cascade_figure
    from ..report.figures import svg_of
    from ..report.markup import esc, html_figure
    from ..report.model_html import equations_html, parameters_html

    parts = ['<h2>The mechanism in a typical patient</h2>',
             '<p class="small muted">Each arm\'s regimen in one typical patient (70 kg, reference genotypes, the '
             "arm's BDNF genotype and hypotheses), without placebo, fluctuation or dropout: what the model's "
             "mechanism contributes to the arm's course. Left: the first hours; right: the whole trial.</p>"]
    for c in courses:
        fig = cascade_figure(c.dataset.sel(time=slice(None, ACUTE_MIN)), c.dataset)
        if fig is not None:
            parts += [f"<h3>{esc(c.arm)}</h3>", html_figure(svg_of(fig), f"Cascade of arm {c.arm}.")]
    if not courses:
        return "".join(parts)
    arm = spec.arms[0]
    drugs = frozenset().union(*(a.drugs for a in spec.arms))
    model = build_model(spec.species, dict(arm.hypotheses), drugs)
    if spec.parameters:
        model = model.with_parameters(model.parameters.with_mapping(dict(spec.parameters)))
    parts += ["<h2>Model equations</h2>",
              f'<p class="small muted">The model all arms share (drugs: {esc(", ".join(sorted(drugs)))}; '
              f"hypotheses of arm {esc(arm.name)}). A state equation reads d(state)/dt.</p>",
              equations_html(model), "<h2>Parameters</h2>", parameters_html(courses[0].dataset, model)]
    return "".join(parts)
