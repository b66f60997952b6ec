"""The statistical patient layer's parameters by qualified name, and a trial's overrides of them.

The observation model (`trial.observation.PARAMETERS`) and the cohorts
(`trial.cohorts.COHORTS`) are not part of the assembled ODE model, yet a joint calibration
of the clinical layer fits them beside the mood weights, and a fitted parameter file names
them. They are addressed as `trial.NAME` (e.g. `trial.unblinding_gain`,
`trial.trd_placebo_max`); any other qualified name is a model parameter. A trial's
overrides are split here, checked against each parameter's bounds, and applied as plain
values: the records themselves are never changed.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Mapping

from ..errors import InputError
from ..parameters import Parameter

PREFIX = "trial."


def statistical_registry() -> dict[str, Parameter]:
    """Every cohort and observation parameter by qualified name (`trial.` + its name)."""
    from .cohorts import COHORTS
    from .observation import PARAMETERS

    out = {PREFIX + q.name: q for c in COHORTS.values() for q in c.parameters}
    out.update({PREFIX + name: q for name, q in PARAMETERS.items()})
    return out


def is_statistical(name: str) -> bool:
    """Whether a qualified name addresses the statistical layer (not the ODE model)."""
    return name.startswith(PREFIX)


def split_overrides(values: Mapping[str, float] | None) -> tuple[dict[str, float], dict[str, float]]:
    """(model overrides, statistical overrides) of one mapping of qualified names."""
    model, stat = {}, {}
    for key, value in dict(values or {}).items():
        (stat if is_statistical(key) else model)[key] = float(value)
    return model, stat


def checked_statistical(values: Mapping[str, float], field: str = "parameters") -> dict[str, float]:
    """The statistical overrides, each a known name with a finite value inside its bounds;
    otherwise an InputError naming `field` and the key."""
    import math

    reg = statistical_registry()
    out = {}
    for key, value in values.items():
        if key not in reg:
            from ..choices import did_you_mean

            raise InputError(f"{field}.{key}: no such parameter of the trial's statistical layer"
                             f"{did_you_mean(key, reg)}")
        q, v = reg[key], float(value)
        if not math.isfinite(v):
            raise InputError(f"{field}.{key}: must be a finite number, got {value!r}")
        lo, hi = q.bounds
        if not lo <= v <= hi:
            raise InputError(f"{field}.{key}: {v:g} is outside its bounds [{lo:g}, {hi:g}] ({q.unit})")
        out[key] = v
    return out


def observation_values(stat: Mapping[str, float] | None = None) -> dict[str, float]:
    """The observation model's parameter values by plain name (declared values, overridden)."""
    from .observation import declared_values

    over = dict(stat or {})
    return {name: over.get(PREFIX + name, value) for name, value in declared_values().items()}


def cohort_with(cohort, stat: Mapping[str, float] | None = None):
    """The cohort with its parameters' values overridden (a new record; the registry's is unchanged)."""
    over = dict(stat or {})
    changes = {}
    for f in fields(cohort):
        q = getattr(cohort, f.name)
        if isinstance(q, Parameter) and PREFIX + q.name in over:
            changes[f.name] = replace(q, value=over[PREFIX + q.name])
    return replace(cohort, **changes) if changes else cohort
