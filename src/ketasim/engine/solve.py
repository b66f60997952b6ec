"""Solver selection: one entry point over the exact-linear, diffrax and SciPy backends.

solver = "auto" (exact for models linear within dosing segments, else diffrax Tsit5 unless
the course is stiff for it, then the split solve: a fast state, such as a rodent's central
ketamine (time constant 0.08 min in a mouse) or the front-end mixing compartment of the
human venous PK (0.24 min), makes a course of weeks take more steps than an explicit
method's budget; "auto" also turns to the split solve when
Tsit5 runs out of steps), "exact", a diffrax method ("tsit5", "dopri5", "kvaerno5",
"kvaerno3") or "scipy"; "split" solves the linear upstream block (pharmacokinetics) exactly
in modal form and integrates only the slow rest with a Rosenbrock-W method
(`engine.solver_split`, `engine.rosenbrock`; the trials' solver), falling back to the
whole-model Kvaerno5 where the block's modal form is refused or the split solve does not
finish (`solve_stiff`). Two years of daily doses (the scorecard's bladder onset): 335 s
through Kvaerno5, 38 s split with a warm cache (85 s cold), the same values to 1e-13.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..choices import unknown_name
from ..errors import InputError
from .dosing import Schedule
from .exported import Program
from .failure import SolverError, diagnose, fastest_time_constant
from .model import AssembledModel
from .solver_options import SolverOptions

if TYPE_CHECKING:
    from .partition import Partition

SOLVERS = ("auto", "exact", "tsit5", "dopri5", "kvaerno5", "kvaerno3", "scipy", "split")
STIFF_FALLBACK = "kvaerno5"  # the whole-model solver where the split solve is refused or does not finish
__all__ = ["SOLVERS", "SolverError", "choose", "solve"]


def choose(model: AssembledModel, solver: str) -> str:
    from .linear import is_linear

    if solver not in SOLVERS:
        raise InputError(unknown_name("solver", "solver", solver, SOLVERS))
    if solver == "auto":
        return "exact" if is_linear(model) else "tsit5"
    if solver == "exact" and not is_linear(model):
        raise InputError("solver: 'exact' needs a model that is linear in its states")
    return solver


def solve(model: AssembledModel, p: np.ndarray, schedule: Schedule, ts: np.ndarray, solver: str = "auto",
          rtol: float = 1e-8, atol: float = 1e-10) -> np.ndarray:
    """States on the output grid, canonical units: (T, S), or (B, T, S) for a batched schedule.

    p: (P,) canonical parameters, or (B, P) with a batched `schedule` (one row per subject).
    A solver that does not finish, or any non-finite state, raises `SolverError` naming the
    module, state and time that first went wrong (`failure.diagnose`; SciPy's own message kept).
    """
    method = choose(model, solver)
    batched = schedule.batched
    if method == "scipy":
        from .solver_scipy import solve_scipy

        if batched:
            rows = []
            for i in range(p.shape[0]):
                try:
                    rows.append(solve_scipy(model, p[i], schedule.subject(i), ts))
                except SolverError as exc:
                    raise SolverError(str(exc).replace("numerical failure: ", f"numerical failure: subject {i} "
                                                       "of the batch: ", 1)) from None
            ys = np.stack(rows)
        else:
            ys = solve_scipy(model, p, schedule, ts)
        if not np.isfinite(ys).all():
            raise SolverError(diagnose(model, p, schedule, ts, ys, "scipy (LSODA)"))
        return ys
    if method == "exact":
        from .linear import solve_linear

        ys, ok = solve_linear(model, p, schedule, ts)
    elif method == "split" or (solver == "auto" and stiff_for_explicit(model, p, schedule)):
        method, ys, ok = solve_stiff(model, p, schedule, ts, rtol, atol)
    else:
        ys, ok = solve_diffrax(model, p, schedule, ts, method, rtol, atol)
        if solver == "auto" and not bool(np.all(np.asarray(ok))):
            method, ys, ok = solve_stiff(model, p, schedule, ts, rtol, atol)
    ys = np.asarray(ys)
    if not bool(np.all(np.asarray(ok))) or not np.isfinite(ys).all():
        raise SolverError(diagnose(model, p, schedule, ts, ys, method))
    return ys


def solve_stiff(model: AssembledModel, p: np.ndarray, schedule: Schedule, ts: np.ndarray, rtol: float,
                atol: float) -> tuple[str, np.ndarray, np.ndarray]:
    """(method used, states, finished flags): the split solve, or the whole-model Kvaerno5 where
    it is refused (no linear upstream block and slow rest: `Partition.useful`; a linear block
    without a usable modal form for some patient, `solver_split.modal_method`, checked before
    anything is compiled) or does not finish. Kvaerno5 runs at most once."""
    from .partition import partition
    from .solver_split import modal_method

    part = partition(model)
    modal_by = modal_method(part, p) if part.useful else None
    if modal_by is not None:
        ys, ok = solve_split(model, part, p, schedule, ts, rtol, atol, modal_by)
        if bool(np.all(np.asarray(ok))):
            return "split", ys, ok
    ys, ok = solve_diffrax(model, p, schedule, ts, STIFF_FALLBACK, rtol, atol)
    return STIFF_FALLBACK, ys, ok


def bucket(n: int) -> int:
    """The padded length for n output times: the next of 4 sizes per power of two (at most
    25 % more), so runs of similar length share one compiled solve."""
    if n <= 8:
        return 8
    base = 1 << (int(n - 1).bit_length() - 1)
    return next(base + j * base // 4 for j in range(1, 5) if base + j * base // 4 >= n)


def solve_diffrax(model: AssembledModel, p: np.ndarray, schedule: Schedule, ts: np.ndarray, method: str,
                  rtol: float, atol: float) -> tuple[np.ndarray, np.ndarray]:
    """(states, finished flags) of one diffrax solve with `method`. The compiled solve is
    specialised to the number of segments and of output times, so both are padded (segments
    to a power of two, `Schedule.padded`; times to `bucket` by repeating the last one) and the
    padding cut off again: a process that runs many experiments compiles a few programs, not
    one per grid (XLA's code memory runs out after some hundreds). The program is exported
    once per model and shapes and read back by later processes (`diffrax_program`)."""
    fn = diffrax_program(model.source, len(model.states), SolverOptions(method=method, rtol=rtol, atol=atol),
                         schedule.batched)
    return padded_call(fn, p, schedule, ts)


@lru_cache(maxsize=32)
def diffrax_program(source: str, n_states: int, options: SolverOptions, batched: bool) -> Program:
    """The whole-model diffrax solve (`solver_jax.jitted`) as an `exported.Program`: traced
    and exported the first time, read from the cache folder by every later process."""
    def build():
        from .solver_jax import jitted

        return jitted(source, n_states, options, batched)

    return Program("diffrax", repr((source, n_states, options, batched)), build)


def padded_call(fn, p: np.ndarray, schedule: Schedule, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """fn(p, jumps, rates, breaks, ts) -> (ys, ok) with the segments padded to a power of two
    (`Schedule.padded`) and the output times to `bucket` (the last one repeated), the padded
    times cut off again: one compiled solve serves runs of similar length."""
    ts = np.asarray(ts, dtype=float)
    padded = np.concatenate([ts, np.full(bucket(ts.size) - ts.size, ts[-1])])
    sched = schedule.padded()
    ys, ok = fn(p, sched.jumps, sched.rates, sched.breaks, padded)
    return np.asarray(ys)[..., :ts.size, :], ok


def solve_split(model: AssembledModel, part: Partition, p: np.ndarray, schedule: Schedule, ts: np.ndarray,
                rtol: float, atol: float, modal_by: str) -> tuple[np.ndarray, np.ndarray]:
    """(states, finished flags) of the split solve (`engine.solver_split`) of a model whose
    partition is useful, padded like `solve_diffrax` (`padded_call`); `solve_stiff` decides
    when it applies and what replaces it. modal_by: how L's modal form is found
    (`solver_split.modal_method`)."""
    channels = tuple(model.state_index[c] for c in model.dose_channels)
    fn = split_program(model.source, part, channels, len(model.states), rtol, atol, SolverOptions().max_steps,
                       schedule.batched, modal_by)
    return padded_call(fn, p, schedule, ts)


@lru_cache(maxsize=16)
def split_program(source: str, part: Partition, channels: tuple[int, ...], n_states: int, rtol: float, atol: float,
                  max_steps: int, batched: bool, modal_by: str) -> Program:
    """The split solve (`solver_split.jitted_split`) as an `exported.Program`, like `diffrax_program`."""
    def build():
        from .solver_split import jitted_split

        return jitted_split(source, part, channels, n_states, rtol, atol, max_steps, batched, modal_by)

    return Program("split", repr((source, part, channels, n_states, rtol, atol, max_steps, batched, modal_by)), build)


def stiff_for_explicit(model: AssembledModel, p: np.ndarray, schedule: Schedule) -> bool:
    """Whether the course is too long for an explicit method at the fastest state's time
    constant: duration / tau above the step budget (an explicit step stays below about 3 tau,
    so this is a third of the budget or more, spent on stability alone). For a batch, the
    first subject decides (the patients of a batch share the model)."""
    first = schedule.subject(0) if schedule.batched else schedule
    params = np.asarray(p)[0] if schedule.batched else np.asarray(p)
    duration = float(schedule.breaks[-1] - schedule.breaks[0])
    return duration / fastest_time_constant(model, params, first) > SolverOptions().max_steps
