"""Each experiment's class, derived mechanically (docs/architecture.md §5), never declared by hand.

- **calibration**: a parameter the experiment's measures depend on (its parameter
  catalogue, catalogue.py) cites the experiment's publication: the parameter's `source`
  is one of the experiment's `references`, or its `note` names one of those keys or the
  experiment's id; or a fitted parameter file applied to the run names the experiment.
  A passed calibration target is no evidence that the model is right.
- **consistency**: not calibration, and the outcome is fixed by a hypothesis switch: the
  file (protocol or an arm) pins a value of a switch that changes the modules upstream of
  the measures (the whole model for a trial; hypotheses.relevant), or, in vitro, the
  equations the assay evaluates.
- **validation**: the rest, predictions the model was not set up to reproduce.

Precedence: calibration > consistency > validation. Every class carries its reasons
(which parameters cite which key; which switch value is pinned where).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..experiments.schema import Experiment
from ..parameters import UNSOURCED
from .catalogue import CatalogueEntry, in_vitro_modules, parameter_catalogue
from .hypotheses import relevant

KINDS = ("calibration", "consistency", "validation")


@dataclass(frozen=True)
class Pin:
    """A hypothesis switch value an experiment file sets: in the protocol or in one arm."""

    switch: str
    value: str
    where: str  # "protocol" or "arm NAME"


@dataclass(frozen=True)
class Classification:
    """An experiment's class (one of KINDS) and the reasons for it, one line each."""

    kind: str
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown class {self.kind!r} (one of {', '.join(KINDS)})")

    def to_json(self) -> dict:
        return {"class": self.kind, "class_reasons": list(self.reasons)}


def _names(text: str, word: str) -> bool:
    """Whether `text` names `word` as a whole token (not inside a longer key or id)."""
    return re.search(rf"(?<![A-Za-z0-9_-]){re.escape(word)}(?![A-Za-z0-9_]|-[A-Za-z0-9])", text) is not None


def citations(exp: Experiment, catalogue: Iterable[CatalogueEntry]) -> tuple[str, ...]:
    """One line per catalogue parameter that cites the experiment's publication: its source
    is one of the experiment's references, or its note names one of them or the id."""
    keys = [k for k in exp.references if k not in UNSOURCED]
    out: list[str] = []
    for e in catalogue:
        q = e.parameter
        species = f" [{q.species}]" if q.species != "all" else ""
        if q.source in keys:
            out.append(f"{e.qualified}{species}: source {q.source}")
            continue
        named = [k for k in keys if _names(q.note, k)] + ([exp.id] if _names(q.note, exp.id) else [])
        if named:
            out.append(f"{e.qualified}{species}: note names {', '.join(named)}")
    return tuple(out)


def pins(exp: Experiment) -> tuple[Pin, ...]:
    """Every switch value the file sets, the protocol's first, then each arm's in order."""
    out = [Pin(k, v, "protocol") for k, v in exp.protocol.hypotheses.items()]
    for name, arm in exp.protocol.arms.items():
        out += [Pin(k, v, f"arm {name}") for k, v in arm.hypotheses.items()]
    return tuple(out)


def classify(exp: Experiment, fitted_ids: frozenset[str], catalogue: Sequence[CatalogueEntry],
             relevant_pins: Sequence[Pin]) -> Classification:
    """The class of `exp` from what it depends on (pure).

    fitted_ids: experiments a fitted parameter file applied to the run was fitted to.
    catalogue: the parameters its measures depend on (catalogue.parameter_catalogue).
    relevant_pins: the switch values the file pins that can change its measures.
    """
    reasons: list[str] = []
    if exp.id in fitted_ids:
        reasons.append("a fitted parameter file applied to this run names it")
    reasons += citations(exp, catalogue)
    if reasons:
        return Classification("calibration", tuple(reasons))
    if relevant_pins:
        return Classification("consistency", tuple(
            f"hypotheses.{p.switch} = {p.value} ({p.where}) changes what it measures" for p in relevant_pins))
    return Classification("validation", ())


def relevant_pins(exp: Experiment, memo: dict | None = None) -> tuple[Pin, ...]:
    """The pinned switch values that can change the experiment's measures: in vivo and in
    trials, hypotheses.relevant; in vitro, the assay's equations differ between values."""
    from ..mechanisms.registry import HYPOTHESES

    out = []
    for pin in pins(exp):
        values = HYPOTHESES.get(pin.switch, ())
        if exp.protocol.in_vitro is not None:
            hit = len({in_vitro_modules(exp, {pin.switch: v}) for v in values}) > 1
        else:
            hit = relevant(exp, pin.switch, values, memo)
        if hit:
            out.append(pin)
    return tuple(out)


def classify_experiment(exp: Experiment, fitted_ids: frozenset[str] = frozenset(),
                        memo: dict | None = None) -> Classification:
    """Assemble what the experiment depends on, then `classify`. memo: assembly answers
    shared across calls (catalogue and relevance keys have different lengths)."""
    memo = {} if memo is None else memo
    return classify(exp, fitted_ids, parameter_catalogue(exp, memo), relevant_pins(exp, memo))


def classify_library(experiments: Iterable[Experiment],
                     fitted_ids: frozenset[str] = frozenset()) -> dict[str, Classification]:
    """The class of each experiment, by id, in the given order (models assembled once per
    species, hypotheses and drugs)."""
    memo: dict = {}
    return {exp.id: classify_experiment(exp, fitted_ids, memo) for exp in experiments}
