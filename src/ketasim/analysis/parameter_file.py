"""Fitted parameter-set files: values by qualified name, with the fit's provenance (TOML).

`ketasim fit` writes one; `run`, `trial` and `validate` load one with `--parameters`.
The format:

    [values]                         # qualified name -> value in the parameter's unit
    "ketamine_s.cl" = 82.5

    [provenance]                     # optional for hand-written files
    experiments = ["pk-kamp-clearance"]   # ids of the experiments the values were fitted to
    measures = ["pk-kamp-clearance: plasma ketamine AUC ..."]
    loss_initial = 4.2               # mean squared tolerance-scaled residual, before
    loss_final = 0.01                # ... and after
    date = "2025-01-01T12:00:00+00:00"
    ketasim_version = "0.1.0"
    method = "levenberg_marquardt"
    iterations = 9
    seed = 0                         # optional
    [provenance.bounds]              # the fitted parameters' bounds, in their units
    "ketamine_s.cl" = [30.0, 300.0]

Experiments listed in `provenance.experiments` were used for calibration, so a scorecard
run with these values should count them as calibration, not validation. Malformed files,
non-finite numbers and unknown keys are `InputError`s naming the field and the key.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from ..errors import InputError

PROVENANCE_KEYS = ("experiments", "measures", "loss_initial", "loss_final", "date", "ketasim_version", "method",
                   "iterations", "seed", "bounds")


class ParameterFileError(InputError):
    """A parameter file cannot be read or does not follow the format."""


@dataclass(frozen=True)
class FitProvenance:
    """Where fitted values came from: experiments (ids), loss before and after, when, how.

    bounds: (lower, upper) of each fitted qualified name, in the parameter's unit.
    measures: labels of the measures fitted ("experiment id: measure label").
    seed: of any randomness the fit used (None: deterministic).
    """

    experiments: tuple[str, ...]
    loss_initial: float
    loss_final: float
    date: str
    ketasim_version: str
    method: str
    iterations: int
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    measures: tuple[str, ...] = ()
    seed: int | None = None


@dataclass(frozen=True)
class ParameterFile:
    """Parameter values by qualified name ('module.param'), in the parameter's unit, and their provenance."""

    values: Mapping[str, float]
    provenance: FitProvenance | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType({str(k): float(v) for k, v in self.values.items()}))

    @property
    def calibration_experiments(self) -> frozenset[str]:
        """Ids of the experiments these values were fitted to (scored as calibration)."""
        return frozenset(self.provenance.experiments) if self.provenance else frozenset()

    def provenance_json(self) -> dict | None:
        """The provenance as plain JSON data (None for a file without one)."""
        p = self.provenance
        if p is None:
            return None
        return {"experiments": list(p.experiments), "measures": list(p.measures),
                "loss_initial": p.loss_initial, "loss_final": p.loss_final, "date": p.date,
                "ketasim_version": p.ketasim_version, "method": p.method, "iterations": p.iterations,
                "seed": p.seed, "bounds": {k: list(v) for k, v in p.bounds.items()}}

    def to_attr(self, path: str | Path | None = None) -> str:
        """JSON for a results attribute: the file's path, its values and provenance."""
        return json.dumps({"path": None if path is None else str(path), "values": dict(self.values),
                           "provenance": self.provenance_json()})


# --- writing -------------------------------------------------------------------------

def _key(name: str) -> str:
    return json.dumps(name)  # a TOML basic string (JSON escapes are valid TOML escapes)


def _number(x: float) -> str:
    if not math.isfinite(x):
        raise ParameterFileError(f"cannot write a non-finite value ({x})")
    return repr(float(x))


def _strings(items: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(str(s)) for s in items) + "]"


def to_toml(pf: ParameterFile) -> str:
    """The file's text."""
    lines = ["# ketasim parameter set: values by qualified name, in each parameter's unit", "[values]"]
    lines += [f"{_key(k)} = {_number(v)}" for k, v in pf.values.items()]
    p = pf.provenance
    if p is not None:
        lines += ["", "[provenance]", f"experiments = {_strings(p.experiments)}",
                  f"measures = {_strings(p.measures)}",
                  f"loss_initial = {_number(p.loss_initial)}", f"loss_final = {_number(p.loss_final)}",
                  f"date = {json.dumps(p.date)}", f"ketasim_version = {json.dumps(p.ketasim_version)}",
                  f"method = {json.dumps(p.method)}", f"iterations = {int(p.iterations)}"]
        if p.seed is not None:
            lines.append(f"seed = {int(p.seed)}")
        lines += ["", "[provenance.bounds]"]
        lines += [f"{_key(k)} = [{_number(lo)}, {_number(hi)}]" for k, (lo, hi) in p.bounds.items()]
    return "\n".join(lines) + "\n"


def save_parameter_file(pf: ParameterFile, path: str | Path) -> None:
    """Write `pf` to `path` atomically (a temporary file in the same folder, then a rename)."""
    from ..files import atomic_write_text

    atomic_write_text(Path(path), to_toml(pf))


# --- reading -------------------------------------------------------------------------

def _finite(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterFileError(f"{where}: must be a finite number (got {value!r})")
    return float(value)


def _provenance(data, where: str) -> FitProvenance:
    if not isinstance(data, dict):
        raise ParameterFileError(f"{where}: must be a table")
    unknown = [k for k in data if k not in PROVENANCE_KEYS]
    if unknown:
        raise ParameterFileError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(PROVENANCE_KEYS)})")
    required = ("experiments", "loss_initial", "loss_final", "date", "ketasim_version", "method", "iterations")
    missing = [k for k in required if k not in data]
    if missing:
        raise ParameterFileError(f"{where}.{missing[0]}: required key missing")
    for key in ("experiments", "measures"):
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
            raise ParameterFileError(f"{where}.{key}: must be a list of strings")
    for key in ("date", "ketasim_version", "method"):
        if not isinstance(data[key], str):
            raise ParameterFileError(f"{where}.{key}: must be a string")
    for key in ("iterations", "seed"):
        v = data.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ParameterFileError(f"{where}.{key}: must be a whole number >= 0 (got {v!r})")
    bounds_in = data.get("bounds", {})
    if not isinstance(bounds_in, dict):
        raise ParameterFileError(f"{where}.bounds: must be a table of name = [lower, upper]")
    bounds = {}
    for name, b in bounds_in.items():
        w = f"{where}.bounds.{name}"
        if not isinstance(b, list) or len(b) != 2:
            raise ParameterFileError(f"{w}: must be [lower, upper]")
        lo, hi = _finite(b[0], w), _finite(b[1], w)
        if not lo <= hi:
            raise ParameterFileError(f"{w}: lower {lo:g} is above upper {hi:g}")
        bounds[name] = (lo, hi)
    return FitProvenance(experiments=tuple(data["experiments"]), loss_initial=_finite(data["loss_initial"],
                         f"{where}.loss_initial"), loss_final=_finite(data["loss_final"], f"{where}.loss_final"),
                         date=data["date"], ketasim_version=data["ketasim_version"], method=data["method"],
                         iterations=int(data["iterations"]), bounds=bounds, measures=tuple(data.get("measures", [])),
                         seed=data.get("seed"))


def parse_parameter_file(data: dict, where: str) -> ParameterFile:
    """A `ParameterFile` from parsed TOML; `where` prefixes every error ("--parameters: f.toml")."""
    unknown = [k for k in data if k not in ("values", "provenance")]
    if unknown:
        raise ParameterFileError(f"{where}: {unknown[0]}: unknown key (a parameter file has [values] and "
                                 "[provenance])")
    if "values" not in data:
        raise ParameterFileError(f"{where}: values: required table missing")
    values = data["values"]
    if not isinstance(values, dict) or not values:
        raise ParameterFileError(f"{where}: values: must be a non-empty table of \"module.param\" = number")
    for name, v in values.items():
        if "." not in name:
            raise ParameterFileError(f"{where}: values.{name}: not a qualified name ('module.param')")
        _finite(v, f"{where}: values.{name}")
    prov = _provenance(data["provenance"], f"{where}: provenance") if "provenance" in data else None
    if prov is not None:
        extra = [k for k in prov.bounds if k not in values]
        if extra:
            raise ParameterFileError(f"{where}: provenance.bounds.{extra[0]}: not among the values")
        outside = [k for k, (lo, hi) in prov.bounds.items() if not lo <= values[k] <= hi]
        if outside:
            k = outside[0]
            raise ParameterFileError(f"{where}: values.{k}: {values[k]:g} is outside its fitted bounds "
                                     f"[{prov.bounds[k][0]:g}, {prov.bounds[k][1]:g}]")
    return ParameterFile(values, prov)


def load_parameter_file(path: str | Path, field: str = "--parameters") -> ParameterFile:
    """Read and check a parameter file; `ParameterFileError` (an InputError) naming `field`, the file and key."""
    from ..files import read_toml

    path = Path(path)
    where = f"{field}: {path}"
    data = read_toml(path, where, ParameterFileError)
    return parse_parameter_file(data, where)


def check_against(pf: ParameterFile, model_parameters, field: str = "--parameters") -> None:
    """InputError naming the first value the model does not have (model_parameters: names or a ParameterSet)."""
    known = set(model_parameters)
    unknown = [k for k in pf.values if k not in known]
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise ParameterFileError(f"{field}: values.{unknown[0]}: the model has no such parameter{more}")


def known_values(values: Mapping[str, float] | None, model_parameters) -> dict[str, float]:
    """The values whose names the model has (the others are left out: see `run_experiment`)."""
    known = set(model_parameters)
    return {k: float(v) for k, v in dict(values or {}).items() if k in known}
