"""The scorecard: every experiment scored, totals per layer, each class apart.

Each experiment's class is derived (classification.py), never declared: *calibration*
(a parameter its measures depend on cites its publication, or a fitted parameter file
applied to the run names it: `calibration_ids`, from
`ParameterFile.calibration_experiments`), *consistency* (a hypothesis switch the file pins
fixes the outcome) or *validation* (a prediction the model was not set up to reproduce).
The three are counted apart, per layer and in total, because a passed calibration target
or a consistency check is no evidence that the model is right.

The JSON keeps the shape of `ketasim experiment run --json` (docs/architecture.md §5: `experiments`
and `summary` with `total`, `passed`, `by_tag`) and adds keys; it never renames them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..experiments.schema import LAYERS
from .classification import KINDS, Classification, classify_library
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
    """One layer's tallies: all experiments, each class apart, measures."""

    all: Tally = Tally()
    calibration: Tally = Tally()
    validation: Tally = Tally()
    measures: Tally = Tally()
    consistency: Tally = Tally()

    def of(self, kind: str) -> Tally:
        """The tally of one class (one of classification.KINDS)."""
        return getattr(self, kind)


@dataclass(frozen=True)
class Scorecard:
    """A scorecard run: its entries, the fitted file's experiment ids, the unsourced
    parameters and the run's settings. `classes` (by experiment id) is derived from the
    entries' experiments when not given (classification.classify_library)."""

    entries: tuple[LibraryEntry, ...]
    calibration_ids: frozenset[str]
    unsourced: tuple[UnsourcedParameter, ...]
    settings: Mapping[str, object] = field(default_factory=dict)
    classes: Mapping[str, Classification] | None = None

    def __post_init__(self) -> None:
        if self.classes is None:
            derived = classify_library([e.experiment for e in self.entries], frozenset(self.calibration_ids))
            object.__setattr__(self, "classes", derived)

    def class_of(self, entry: LibraryEntry) -> Classification:
        return self.classes[entry.experiment.id]

    def is_calibration(self, entry: LibraryEntry) -> bool:
        return self.class_of(entry).kind == "calibration"

    @property
    def layers(self) -> dict[str, LayerScore]:
        """Per layer (in the order of the schema's LAYERS), plus "total"."""
        out: dict[str, LayerScore] = {}
        for e in self.entries:
            kind = self.class_of(e).kind
            for key in (e.experiment.tags[0], "total"):
                s = out.get(key, LayerScore())
                m = s.measures
                for r in (e.result.measures if e.result else ()):
                    m = m.add(r.passed)
                tallies = {k: (s.of(k).add(e.passed) if k == kind else s.of(k)) for k in KINDS}
                out[key] = LayerScore(all=s.all.add(e.passed), measures=m, **tallies)
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


def measures_json(entry: LibraryEntry) -> list[dict]:
    """Each measure's result with where its tolerance comes from (the file's basis and note)."""
    if entry.result is None:
        return []
    specs = entry.experiment.measure
    out = []
    for i, r in enumerate(entry.result.measures):
        row = r.to_json()
        if len(specs) == len(entry.result.measures):
            row["tolerance_basis"] = specs[i].tolerance_basis
            row["tolerance_note"] = specs[i].tolerance_note
        out.append(row)
    return out


def entry_json(sc: Scorecard, entry: LibraryEntry) -> dict:
    exp = entry.experiment
    cls = sc.class_of(entry)
    out = {"id": exp.id, "title": exp.title, "source": exp.source, "references": list(exp.references),
           "tags": list(exp.tags), "hypotheses": _hypotheses(entry), "passed": entry.passed,
           "class": cls.kind, "class_reasons": list(cls.reasons), "calibration": cls.kind == "calibration",
           "measures": measures_json(entry), "seconds": round(entry.seconds, 2)}
    if entry.error:
        out["error"] = entry.error
    if is_trial(exp):
        out["patients_per_arm"] = exp.protocol.population.n
    return out


def _layer_json(score: LayerScore) -> dict:
    return {"all": score.all.to_json(), **{k: score.of(k).to_json() for k in KINDS},
            "measures": score.measures.to_json()}


def scorecard_json(sc: Scorecard) -> dict:
    """The scorecard as JSON (docs/architecture.md §5 shape plus the three classes, unsourced, settings)."""
    layers = sc.layers
    total = layers.get("total", LayerScore())
    by_tag = {k: v.all.to_json() for k, v in layers.items() if k != "total"}
    return {
        "experiments": [entry_json(sc, e) for e in sc.entries],
        "summary": {
            "total": total.all.total, "passed": total.all.passed, "by_tag": by_tag,
            **{k: total.of(k).to_json() for k in KINDS},
            "measures": total.measures.to_json(),
            "by_layer": {k: _layer_json(v) for k, v in layers.items()},
        },
        "unsourced_parameters": [u.to_json() for u in sc.unsourced],
        "settings": dict(sc.settings),
    }
