"""An existing scorecard JSON with its experiments' classes derived again, without simulating.

The classes depend only on the experiment files and the parameter records (classification.py),
not on the simulated values, so a scorecard written before a change of references or
parameter notes can have its `class`, `class_reasons`, `calibration` and its per-class
tallies brought up to date from the stored pass/miss of each experiment and measure.
"""

from __future__ import annotations

import copy
from typing import Mapping

from .classification import KINDS, Classification


def class_changes(data: Mapping, classes: Mapping[str, Classification]) -> list[tuple[str, str, str]]:
    """(id, class in the scorecard, class now) for each experiment whose class differs. A
    scorecard written before the consistency class has only `calibration` (true or false)."""
    out = []
    for e in data["experiments"]:
        old = e.get("class") or ("calibration" if e.get("calibration") else "validation")
        new = classes[e["id"]].kind if e["id"] in classes else "(not in the library)"
        if old != new:
            out.append((e["id"], old, new))
    return out


def _pair(passed: int, total: int) -> list[int]:
    return [total, passed]


def reclassified(data: Mapping, classes: Mapping[str, Classification]) -> dict:
    """A copy of the scorecard JSON `data` with every experiment's class from `classes` (by
    id) and the summary's per-class tallies recounted from the stored results; KeyError
    naming the id when an experiment has no class."""
    out = copy.deepcopy(dict(data))
    tallies: dict[str, dict[str, list[int]]] = {}
    for e in out["experiments"]:
        cls = classes[e["id"]]
        e.update(cls.to_json())
        e["calibration"] = cls.kind == "calibration"
        for key in (e["tags"][0], "total"):
            t = tallies.setdefault(key, {k: [0, 0] for k in KINDS})
            t[cls.kind][0] += 1
            t[cls.kind][1] += int(bool(e["passed"]))
    summary = out["summary"]
    for kind in KINDS:
        summary[kind] = tallies.get("total", {k: [0, 0] for k in KINDS})[kind]
    layers = {}
    for layer, old in summary["by_layer"].items():
        t = tallies.get(layer, {k: [0, 0] for k in KINDS})
        layers[layer] = {"all": old["all"], **{k: t[k] for k in KINDS}, "measures": old["measures"]}
    summary["by_layer"] = layers
    return out
