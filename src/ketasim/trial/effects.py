"""A trial's arm-versus-arm effects: what the report's forest plot shows.

Which comparisons: every (arm, versus) pair named by the experiment's two-arm measures; a
trial with none compares every other arm with its control, the first arm named as a
placebo, saline or sham (`report.colours.is_placebo`), else the last arm listed. At which
days: the end of the trial and every measure's `at`. Which effects: both two-arm
endpoints, the odds ratio of response (`response_odds_ratio`) and the difference in mean
MADRS change (`mean_difference`), each with its percentile bootstrap interval
(`endpoints.evaluate`, seeded from the trial's seed and the effect's names, so the
interval of an effect that is also a measure is the measure's).
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ..report.colours import is_placebo
from .endpoints import EndpointValue, evaluate
from .outcomes import ArmOutcomes
from .spec import TrialSpec

EFFECT_SCALES = {"response_odds_ratio": "ratio", "mean_difference": "difference"}
"""The two-arm endpoints a forest plot shows, and the scale each is drawn on (`report.forest.SCALES`)."""

EFFECT_AXES = {"response_odds_ratio": "odds ratio of response (log scale; > 1 favours the arm)",
               "mean_difference": "difference in mean MADRS change (points; < 0 favours the arm)"}
"""The x label of each effect's forest plot."""


def comparisons(spec: TrialSpec, exp=None) -> list[tuple[str, str]]:
    """(arm, versus) pairs: those of the experiment's two-arm measures, in file order, else every
    other arm against the control (the first placebo-named arm, else the last arm)."""
    pairs: list[tuple[str, str]] = []
    for m in (exp.measure if exp is not None else ()):
        if m.versus and (m.arm, m.versus) not in pairs:
            pairs.append((m.arm, m.versus))
    if pairs or len(spec.arms) < 2:
        return pairs
    names = list(spec.arm_names)
    control = next((a for a in names if is_placebo(a)), names[-1])
    return [(a, control) for a in names if a != control]


def effect_days(spec: TrialSpec, exp=None) -> list[float]:
    """The days effects are read at: every measure's `at` and the end of the trial, ascending."""
    from ..experiments.plan import experiment_plan
    from ..units import MINUTES_PER_DAY

    days = {float(spec.duration_days)}
    if exp is not None:
        for t in experiment_plan(exp).measures:
            if t.at is not None:
                days.add(round(t.at / MINUTES_PER_DAY, 9))
    return sorted(days)


def arm_effects(spec: TrialSpec, arms: Mapping[str, ArmOutcomes], pairs: Sequence[tuple[str, str]],
                days: Sequence[float], n_boot: int = 1000) -> list[EndpointValue]:
    """Both effects (`EFFECT_SCALES`) of every pair at every day, with bootstrap intervals when
    n_boot > 0; ordered by effect, then pair, then day."""
    return [evaluate(e, arm, arms[arm], day, versus, arms[versus], n_boot=n_boot, seed=spec.seed,
                     rules=spec.endpoints)
            for e in EFFECT_SCALES for arm, versus in pairs for day in days]
