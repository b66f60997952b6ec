"""Voltage-clamp protocols on the kinetic scheme: time courses and steady-state sweeps.

A receptor preparation is one subtype (`glun2a` ... `glun2d`) or the receptor mix of a
cell type (`pyramidal`, `pv`, `sst`; shares from the layer's parameters). Currents are
reported as conductance relative to a reference (open, drug-free, Mg2+-free channels
weighted by subtype share), so the driving force (V - 0 mV) cancels at fixed voltage.
Time courses are exact for piecewise-constant solutions (matrix exponential per step).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np
from scipy.linalg import expm

from ..choices import unknown_name
from ..errors import InputError
from .ligands import species_of
from .parameters import BLOCKERS, CELLS, SUBTYPES
from .scheme import Bath, conducting, generator, resting_state, steady_state
from .values import ReceptorValues

PREPARATIONS = SUBTYPES + CELLS


class ClampError(InputError):
    """A voltage-clamp protocol is invalid."""


def composition(values: ReceptorValues, preparation: str) -> dict[str, float]:
    """Subtype shares of a preparation (sum 1)."""
    if preparation in SUBTYPES:
        return {preparation: 1.0}
    if preparation in CELLS:
        shares = {s: values.get(f"fraction_{preparation}_{s}", "1") for s in SUBTYPES}
        total = sum(shares.values())
        if total <= 0:
            raise ClampError(f"parameters.fraction_{preparation}_*: shares must not all be zero")
        return {s: v / total for s, v in shares.items() if v > 0}
    raise ClampError(unknown_name("protocol.in_vitro.receptor", "receptor", preparation, PREPARATIONS))


def blockers_of(drug: str, concentration: float) -> dict[str, float]:
    """Blocker concentrations (uM) for `concentration` uM of a named drug."""
    return species_of(drug, concentration, BLOCKERS, "protocol.in_vitro.drug")


def steady_conductance(values: ReceptorValues, shares: Mapping[str, float], bath: Bath) -> float:
    """Steady-state conducting fraction of the preparation (needs agonists present)."""
    if bath.glutamate <= 0 or bath.glycine <= 0:
        raise ClampError("protocol.in_vitro: a steady state needs glutamate and glycine above zero")
    return float(sum(w * conducting(values, s, bath, steady_state(generator(values, s, bath)))
                     for s, w in shares.items()))


def steady_block(values: ReceptorValues, shares: Mapping[str, float], bath: Bath) -> float:
    """1 - I(drug) / I(no drug) at steady state, same bath otherwise."""
    return 1.0 - steady_conductance(values, shares, bath) / steady_conductance(values, shares, bath.without_blockers())


def mg_remaining(values: ReceptorValues, shares: Mapping[str, float], bath: Bath) -> float:
    """I(Mg2+) / I(no Mg2+) at steady state: the Jahr & Stevens quantity."""
    no_mg = replace(bath, magnesium=0.0)
    return steady_conductance(values, shares, bath) / steady_conductance(values, shares, no_mg)


@dataclass(frozen=True)
class Step:
    """From `start` (ms) on, the bath is `bath` (until the next step)."""

    start: float
    bath: Bath


def time_course(values: ReceptorValues, shares: Mapping[str, float], steps: Sequence[Step],
                times: np.ndarray) -> np.ndarray:
    """Conducting fraction of the preparation at `times` (ms), from rest at the first step.

    Exact for piecewise-constant baths: p(t) = p(t_k) expm(Q_k (t - t_k)) within step k.
    """
    if not steps or steps[0].start != 0.0:
        raise ClampError("protocol.in_vitro.steps: the first step must start at 0 s")
    starts = [s.start for s in steps]
    if any(b <= a for a, b in zip(starts, starts[1:])):
        raise ClampError("protocol.in_vitro.steps: start times must increase")
    times = np.asarray(times, dtype=float)
    out = np.zeros(times.size)
    for subtype, w in shares.items():
        p = resting_state()
        t_now = 0.0
        bounds = starts[1:] + [np.inf]
        for step, end in zip(steps, bounds):
            q = generator(values, subtype, step.bath)
            cache: dict[float, np.ndarray] = {}

            def advance(p, dt):
                key = round(dt, 9)
                if key not in cache:
                    cache[key] = expm(q * dt)
                return p @ cache[key]

            sel = np.nonzero((times >= step.start) & (times < end))[0]
            for i in sel[np.argsort(times[sel])]:
                p = advance(p, times[i] - t_now)
                t_now = times[i]
                out[i] += w * conducting(values, subtype, step.bath, p)
            if np.isfinite(end):
                p = advance(p, end - t_now)
                t_now = end
    if not np.all(np.isfinite(out)):
        raise ClampError("protocol.in_vitro: the kinetic scheme produced a non-finite current")
    return out


def ic50(concentrations: np.ndarray, block: np.ndarray) -> float:
    """Concentration of half block by log-linear interpolation of a rising block curve."""
    c = np.asarray(concentrations, dtype=float)
    b = np.asarray(block, dtype=float)
    if not (b[0] < 0.5 < b[-1]):
        raise ClampError("protocol.in_vitro.concentrations: the range does not bracket half block")
    k = int(np.argmax(b >= 0.5))
    x0, x1 = np.log(c[k - 1]), np.log(c[k])
    return float(np.exp(x0 + (0.5 - b[k - 1]) * (x1 - x0) / (b[k] - b[k - 1])))
