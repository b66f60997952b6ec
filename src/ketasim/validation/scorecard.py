"""The scorecard: every experiment scored, totals per layer, calibration apart from validation.

An experiment is *calibration* when its file says so (`calibration = true`: its target
set a parameter) or when a fitted parameter file applied to the run names it among the
experiments it was fitted to (`calibration_ids`, from `ParameterFile.calibration_experiments`). Everything else is *validation*: a prediction the model
was not tuned to. The two are counted apart, per layer and in total, because a passed
calibration target is no evidence that the model is right.

The JSON keeps the shape of `ketasim experiment run --json` (DESIGN §4: `experiments`
and `summary` with `total`, `passed`, `by_tag`) and adds keys; it never renames them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..experiments.schema import LAYERS
from .library_run import LibraryEntry, is_trial
from .unsourced import UnsourcedParameter


@dataclass(frozen=True)
class Tally:
    """How many experiments (or measures) there were and how many passed."""

    total: int = 0
    passed: int = 0

    def add(self, passed: bool) -> "Tally":
        return Tally(self.total + 1, self.passed + int(passed))

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    def to_json(self) -> list[int]:
        return [self.total, self.passed]


@dataclass(frozen=True)
class LayerScore:
    """One layer's tallies: all experiments, calibration only, validation only, measures."""

    all: Tally = Tally()
    calibration: Tally = Tally()
    validation: Tally = Tally()
    measures: Tally = Tally()


@dataclass(frozen=True)
class Scorecard:
    entries: tuple[LibraryEntry, ...]
    calibration_ids: frozenset[str]
    unsourced: tuple[UnsourcedParameter, ...]
    settings: Mapping[str, object] = field(default_factory=dict)

    def is_calibration(self, entry: LibraryEntry) -> bool:
        return entry.experiment.calibration or entry.experiment.id in self.calibration_ids

    @property
    def layers(self) -> dict[str, LayerScore]:
        """Per layer (in the order of DESIGN's layers), plus "total"."""
        out: dict[str, LayerScore] = {}
        for e in self.entries:
            for key in (e.experiment.tags[0], "total"):
                s = out.get(key, LayerScore())
                cal = self.is_calibration(e)
                m = s.measures
                for r in (e.result.measures if e.result else ()):
                    m = m.add(r.passed)
                out[key] = LayerScore(s.all.add(e.passed),
                                      s.calibration.add(e.passed) if cal else s.calibration,
                                      s.validation if cal else s.validation.add(e.passed), m)
        order = [k for k in LAYERS if k in out] + ["total"]
        return {k: out[k] for k in order if k in out}

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.entries)


def _hypotheses(entry: LibraryEntry) -> dict:
    exp = entry.experiment
    out = dict(exp.protocol.hypotheses)
    for name, arm in exp.protocol.arms.items():
        if arm.hypotheses:
            out[f"arm {name}"] = dict(arm.hypotheses)
    return out


def entry_json(sc: Scorecard, entry: LibraryEntry) -> dict:
    exp = entry.experiment
    out = {"id": exp.id, "title": exp.title, "source": exp.source, "tags": list(exp.tags),
           "hypotheses": _hypotheses(entry), "passed": entry.passed, "calibration": sc.is_calibration(entry),
           "measures": [m.to_json() for m in entry.result.measures] if entry.result else [],
           "seconds": round(entry.seconds, 2)}
    if entry.error:
        out["error"] = entry.error
    if is_trial(exp):
        out["patients_per_arm"] = exp.protocol.population.n
    return out


def scorecard_json(sc: Scorecard) -> dict:
    """The scorecard as JSON (DESIGN §4 shape plus calibration/validation, unsourced, settings)."""
    layers = sc.layers
    total = layers.get("total", LayerScore())
    by_tag = {k: v.all.to_json() for k, v in layers.items() if k != "total"}
    return {
        "experiments": [entry_json(sc, e) for e in sc.entries],
        "summary": {
            "total": total.all.total, "passed": total.all.passed, "by_tag": by_tag,
            "calibration": total.calibration.to_json(), "validation": total.validation.to_json(),
            "measures": total.measures.to_json(),
            "by_layer": {k: {"all": v.all.to_json(), "calibration": v.calibration.to_json(),
                             "validation": v.validation.to_json(), "measures": v.measures.to_json()}
                         for k, v in layers.items()},
        },
        "unsourced_parameters": [u.to_json() for u in sc.unsourced],
        "settings": dict(sc.settings),
    }
