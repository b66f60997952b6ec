"""What a failed solve says: the module and state that first went wrong, and when.

A solver that stops early (diffrax: step budget exhausted or step size collapsed, which
then fills every later output with inf; SciPy: its own message) or a state that becomes
NaN/inf leaves a trajectory whose observables are all non-finite, so blaming the first
observable says nothing. `diagnose` looks at the STATE trajectory instead: the first output
time at which any state is non-finite, and which state. When every state goes at once
(the solver stopped), it evaluates the generated NumPy right-hand side at the last finite
state: a state whose rate is not finite is the culprit; else one that grows by itself
(positive own rate constant, a blow-up); else the state with the fastest own time
constant (largest |d(dy_i/dt)/dy_i|), which is what limits an explicit solver's step.
The generated NumPy code runs under `quiet`, so no RuntimeWarning reaches the terminal.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from .dosing import Schedule
from .model import AssembledModel


EXPLICIT = ("tsit5", "dopri5")  # solvers whose step a fast (stiff) state limits


class SolverError(RuntimeError):
    """The solver did not finish (step-size collapse, step budget) or produced NaN."""


@contextmanager
def quiet() -> Iterator[None]:
    """Silence floating-point warnings (NumPy errstate and Python warnings) of generated code;
    non-finite results are checked and reported explicitly instead."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def state_label(model: AssembledModel, j: int) -> str:
    """'state <module>.<name> (module <module>)' of state j."""
    s = model.states[j]
    return f"state {s.module}.{s.name} (module {s.module})"


def first_nonfinite(ys: np.ndarray) -> tuple[int, int] | None:
    """(time index, subject index) of the first output row with a non-finite state, over all
    subjects of a (B, T, S) batch (subject 0 for a (T, S) trajectory); None if all finite."""
    y = ys[None] if ys.ndim == 2 else ys
    bad = ~np.isfinite(y).all(axis=-1)  # (B, T)
    if not bad.any():
        return None
    rows = np.where(bad.any(axis=0))[0]
    i = int(rows[0])
    return i, int(np.argmax(bad[:, i]))


def _segment(schedule: Schedule, t: float) -> int:
    return int(np.clip(np.searchsorted(schedule.breaks, t, side="right") - 1, 0, len(schedule.breaks) - 2))


def own_rates(model: AssembledModel, p: np.ndarray, schedule: Schedule, t: float,
              y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(f, d, noise) at state y, time t: the rates dy/dt, each state's own rate constant
    d(dy_i/dt)/dy_i (1/min, forward differences of the generated NumPy right-hand side) and
    the rounding level of each difference. Non-finite values are left as they come."""
    rhs, _, _ = model.functions("numpy")
    u = schedule.rates[_segment(schedule, t)]
    y = np.asarray(y, dtype=float)
    with quiet():
        f0 = np.asarray(rhs(t, y, p, u), dtype=float)
        diag, noise = np.zeros(y.size), np.zeros(y.size)
        for j in range(y.size):
            h = 1e-6 * max(abs(y[j]), 1e-6)
            yh = y.copy()
            yh[j] += h
            fj = float(np.asarray(rhs(t, yh, p, u), dtype=float)[j])
            diag[j] = (fj - f0[j]) / h
            noise[j] = 8 * np.finfo(float).eps * max(abs(fj), abs(f0[j])) / h  # rounding in the difference
    return f0, diag, noise


def fastest_time_constant(model: AssembledModel, p: np.ndarray, schedule: Schedule) -> float:
    """The shortest own time constant (min) of any state just after the first dose (the initial
    state plus the first segment's boluses): the step an explicit solver cannot exceed."""
    _, _, init = model.functions("numpy")
    with quiet():
        y = np.asarray(init(p), dtype=float) + np.asarray(schedule.jumps)[0]
    _, diag, _ = own_rates(model, p, schedule, float(schedule.breaks[0]), y)
    rate = float(np.max(np.abs(diag[np.isfinite(diag)]), initial=0.0))
    return np.inf if rate == 0 else 1.0 / rate


def culprit(model: AssembledModel, p: np.ndarray, schedule: Schedule, t: float, y: np.ndarray) -> tuple[int, str]:
    """(state index, why) of the state that stops the solver at the finite state y (time t):
    one whose rate is not finite, else one that grows by itself (a positive own rate
    constant d(dy_i/dt)/dy_i, moving away from zero: a blow-up), else the one with the fastest
    own time constant (what limits an explicit solver's step: stiffness)."""
    y = np.asarray(y, dtype=float)
    f0, diag, noise = own_rates(model, p, schedule, t, y)
    bad = np.flatnonzero(~np.isfinite(f0))
    if bad.size:
        return int(bad[0]), "its rate of change is not finite"
    diag[~np.isfinite(diag)] = np.inf
    # moving away from zero at a rate that rises with itself, clearly above rounding
    growing = (diag > 10 * noise) & (f0 * y > 0)
    if growing.any():
        j = int(np.argmax(np.where(growing, diag, -np.inf)))
        return j, f"growing by itself (rate +{diag[j]:.3g} per min)"
    j = int(np.argmax(np.abs(diag)))
    rate = abs(diag[j])
    if not np.isfinite(rate):
        return j, "its rate of change is not finite nearby"
    if rate == 0:
        return j, "the first state (no state has a fast or growing rate there)"
    return j, f"the fastest state (time constant {1.0 / rate:.3g} min)"


def diagnose(model: AssembledModel, p: np.ndarray, schedule: Schedule, ts: np.ndarray, ys: np.ndarray,
             solver: str) -> str:
    """One line naming the module, state and time of a failed solve of `solver`.

    ys: the solver's output (T, S) or (B, T, S) with p (P,) or (B, P) and a schedule batched
    alike; non-finite rows mark where it went wrong (diffrax fills the outputs after an early
    stop with inf)."""
    found = first_nonfinite(ys)
    if found is None:
        return (f"numerical failure: the {solver} solver did not finish "
                "(step-size collapse or step budget exhausted)")
    b = found[1]
    if ys.ndim == 3:
        where = locate(model, np.asarray(p)[b], schedule.subject(b), ts, ys[b], solver)
        return f"numerical failure: subject {b} of the batch: {where}"
    return f"numerical failure: {locate(model, np.asarray(p), schedule, ts, ys, solver)}"


def locate(model: AssembledModel, p: np.ndarray, schedule: Schedule, ts: np.ndarray, y: np.ndarray,
           solver: str) -> str:
    """Where one subject's trajectory y (T, S) on ts (min) first went non-finite, and which state."""
    found = first_nonfinite(y)
    if found is None:
        return f"the {solver} solver did not finish"
    i = found[0]
    bad = ~np.isfinite(y[i])
    t = float(ts[i])
    if i == 0:
        init = np.asarray(model.functions("numpy")[2](p), dtype=float)
        j = int(np.flatnonzero(bad)[0])
        if not bad.all():
            return f"{state_label(model, j)} is not finite at t = {t:g} min (the start)"
        j, why = culprit(model, p, schedule, t, init)
        return f"the {solver} solver stopped at t = {t:g} min (the start); {state_label(model, j)} is {why}"
    t0 = float(ts[i - 1])
    j, why = culprit(model, p, schedule, t0, y[i - 1])
    if bad.all():  # every state at once: the solver stopped between the two output times
        hint = "; a stiff solver (kvaerno5) may finish" if solver in EXPLICIT and why.startswith("the fastest") else ""
        return (f"the {solver} solver stopped between t = {t0:g} and {t:g} min (step budget exhausted, "
                f"step size collapsed or a non-finite value); {state_label(model, j)} is {why}{hint}")
    if not (bad[j] and why.startswith("its rate")):  # of the states that went together, the first
        j = int(np.flatnonzero(bad)[0])
    return f"{state_label(model, j)} is not finite at t = {t:g} min (last finite at {t0:g} min)"
