"""An experiment's result records and how a simulated value is scored against a published one.

The bottom of the experiment layer: the in-vivo runner, the in-vitro runner and the trial
scorer all build these records, and the CLI, the scorecard and the figures read them. It
imports nothing from the runners, so none of them imports another to get its records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class MeasureResult:
    """One measure's simulated value (in the measure's unit), what was expected and the verdict.

    ci: the simulated value's interval where the runner computes one (a trial's
    arm-versus-arm effects: percentile bootstrap), kept for figures such as the scorecard's
    forest plot; not part of the JSON document.
    """

    name: str
    simulated: float
    expected: float | None
    unit: str
    passed: bool
    range: tuple[float, float] | None = None
    tolerance: str = ""
    series: tuple[tuple[float, ...], tuple[float, ...]] | None = None  # (x, y) for plots
    axis: str = "time (min)"  # what the series' x is, with its unit (in-vitro curves: concentration, voltage)
    y_axis: str = ""  # what the series' y is, with its unit: 'plasma_ketamine (ng/mL)' ('' when unknown)
    ci: tuple[float, float] | None = None  # the simulated value's 95% interval (a trial's bootstrap), for plots

    def to_json(self) -> dict:
        out = {"name": self.name, "simulated": self.simulated, "expected": self.expected,
               "unit": self.unit, "passed": self.passed}
        if self.range is not None:
            out["range"] = list(self.range)
        if self.tolerance:
            out["tolerance"] = self.tolerance
        return out


@dataclass(frozen=True)
class ArmCourse:
    """One trial arm's mean course with its 95% confidence band, for plots of every arm side by side.

    x: visit times (minutes); mean, low, high: the arm's mean score and the band's ends
    at each visit; n: patients in the arm; what: the score with its unit ('mean MADRS
    (points)'); interval: how the band was computed, in words.
    """

    arm: str
    x: tuple[float, ...]
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    n: int
    what: str
    interval: str


@dataclass(frozen=True)
class ExperimentResult:
    """One experiment's measures; it passes when every measure passes.

    courses: a trial's every arm (comparators too) as mean and 95% band over time, kept
    for plots (empty for in-vivo and in-vitro experiments and when series are not kept).
    """

    id: str
    title: str
    source: str
    tags: tuple[str, ...]
    hypotheses: dict
    measures: tuple[MeasureResult, ...] = field(default=())
    courses: tuple[ArmCourse, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(m.passed for m in self.measures)

    def to_json(self) -> dict:
        return {"id": self.id, "tags": list(self.tags), "hypotheses": self.hypotheses,
                "passed": self.passed,
                "measures": [m.to_json() for m in self.measures]}


def score(value: float, m) -> tuple[bool, str]:
    """Pass if inside range, or within rel_tol / abs_tol of expected."""
    if not np.isfinite(value):
        return False, "not finite"
    if m.range is not None:
        lo, hi = m.range
        return bool(lo <= value <= hi), f"range [{lo:g}, {hi:g}]"
    if m.rel_tol is not None:
        return bool(abs(value - m.expected) <= m.rel_tol * abs(m.expected)), f"±{m.rel_tol:.0%}"
    return bool(abs(value - m.expected) <= m.abs_tol), f"±{m.abs_tol:g}"


def summarize(results: list[ExperimentResult]) -> dict:
    """Counts of experiments run and passed, in total and by first tag (the layer)."""
    by_tag: dict[str, list[int]] = {}
    for r in results:
        layer = r.tags[0]
        by_tag.setdefault(layer, [0, 0])
        by_tag[layer][0] += 1
        by_tag[layer][1] += int(r.passed)
    return {"total": len(results), "passed": sum(r.passed for r in results), "by_tag": by_tag}


def to_json(results: list[ExperimentResult]) -> dict:
    """The JSON document `ketasim experiment --json` writes: every result and the summary."""
    return {"experiments": [r.to_json() for r in results], "summary": summarize(results)}
