"""A declared calibration set: which experiments a joint fit uses and which parameters it sets.

A calibration set is a TOML file (the clinical layer's: `data/calibration/clinical.toml`)
with `experiments` (library ids), `parameters` (qualified names or patterns), optional
`max_steps`, an optional `[bounds]` table (NAME = [LO, HI]) and an optional `[sources]`
table (EXPERIMENT = "the publication it encodes", as provenance text names it). `ketasim fit --set FILE`
fits it; everything outside the set is left to validation (the scorecard derives the
classes from the parameters' notes, which name the set's experiments).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

KEYS = ("description", "experiments", "parameters", "max_steps", "bounds", "sources")


@dataclass(frozen=True)
class CalibrationSet:
    """The experiments (ids), the fitted parameters (labels), bounds by label, the step budget, and
    the publication each experiment encodes (by id)."""

    description: str
    experiments: tuple[str, ...]
    parameters: tuple[str, ...]
    bounds: tuple[tuple[str, tuple[float, float]], ...] = ()
    max_steps: int | None = None
    sources: tuple[tuple[str, str], ...] = ()


def load_calibration_set(path: str | Path, field: str = "--set") -> CalibrationSet:
    """Read and check a calibration set; one InputError naming `field`, the file and the key."""
    from ..files import read_toml

    where = f"{field}: {path}"
    data = read_toml(Path(path), where)
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise InputError(f"{where}: {unknown[0]}: unknown key (known: {', '.join(KEYS)})")
    lists = {}
    for key in ("experiments", "parameters"):
        items = data.get(key)
        if not isinstance(items, list) or not items or not all(isinstance(s, str) and s for s in items):
            raise InputError(f"{where}: {key}: must be a non-empty list of names")
        if len(set(items)) != len(items):
            raise InputError(f"{where}: {key}: a name is listed twice")
        lists[key] = tuple(items)
    steps = data.get("max_steps")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise InputError(f"{where}: max_steps: must be a whole number >= 1")
    bounds = []
    for name, b in dict(data.get("bounds", {})).items():
        ok = isinstance(b, list) and len(b) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                          and math.isfinite(v) for v in b)
        if not ok or not b[0] < b[1]:
            raise InputError(f"{where}: bounds.{name}: must be [lower, upper] with lower < upper")
        if name not in lists["parameters"]:
            raise InputError(f"{where}: bounds.{name}: not among the parameters")
        bounds.append((name, (float(b[0]), float(b[1]))))
    sources = []
    for name, text in dict(data.get("sources", {})).items():
        if name not in lists["experiments"]:
            raise InputError(f"{where}: sources.{name}: not among the experiments")
        if not isinstance(text, str) or not text:
            raise InputError(f"{where}: sources.{name}: must be a non-empty text")
        sources.append((name, text))
    return CalibrationSet(str(data.get("description", "")), lists["experiments"], lists["parameters"],
                          tuple(bounds), steps, tuple(sources))
