"""Gradient-based calibration through the diffrax solver (optimistix).

The loss of a `FitProblem` is the mean over its measures of r^2, r = (simulated -
expected) / scale, the scale being the measure's tolerance (see `fit_problem`), so a
loss below 1 means the measures sit inside their tolerances on average. The simulated
values are pure JAX functions of the unconstrained coordinates x of the fitted
parameters (`fit_parameters`): x -> values -> canonical parameter vector -> the pure
diffrax solve of each experiment's model (`engine.solver_jax.pure_solve`) -> the
generated `observe` -> the statistics' JAX faces (`ketasim.measures`). Derivatives are
reverse-mode through diffrax (`RecursiveCheckpointAdjoint`, its default; it does not
support forward mode).

Optimiser: Levenberg-Marquardt (`optimistix.LevenbergMarquardt`) by default. The loss is
a sum of squares of a few residuals in few parameters, which is the case Gauss-Newton
methods are made for: the Jacobian (one reverse pass per measure) gives curvature
information from the first step, and the trust region damps steps where the
linearisation fails, so it usually converges in a handful of solves, where BFGS on the
scalar loss (`method="bfgs"`, `optimistix.BFGS`, one value-and-gradient per step) has to
build its curvature estimate over many steps. BFGS is offered for problems with more
parameters than measures, where the Gauss-Newton matrix is singular.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Mapping

import numpy as np

from ..choices import check_name
from ..engine import jaxconfig  # float64; its jit
from ..engine.solver_jax import pure_solve
from ..engine.solver_options import SolverOptions
from ..errors import InputError
from .fit_parameters import FitParameter, bounded, on_bound, to_unconstrained, value_of
from .fit_problem import FitProblem, MeasureFit, Target, fit_problem  # noqa: F401  (re-exported)

__all__ = ["FitProblem", "FitResult", "MeasureFit", "Target", "fit", "fit_problem", "loss_and_grad",
           "loss_function", "residual_function", "start_point"]

METHODS = ("levenberg_marquardt", "bfgs")
PENALTY = 1e3   # residual of every measure when a solve fails (rejects the step)


@dataclass(frozen=True)
class FitResult:
    """Fitted values by label (in the parameter's unit), loss before/after, steps, measures.

    converged: the optimiser met its tolerances within max_steps.
    """

    parameters: tuple[FitParameter, ...]
    values: Mapping[str, float]
    loss_initial: float
    loss_final: float
    iterations: int
    converged: bool
    method: str
    measures: tuple[MeasureFit, ...]
    wall_s: float

    def named_values(self) -> dict[str, float]:
        """Fitted values by qualified name (a pattern's value for each name it matched)."""
        return {n: self.values[fp.label] for fp in self.parameters for n in fp.names}

    def bounds(self) -> dict[str, tuple[float, float]]:
        """Bounds by qualified name."""
        return {n: (fp.lower, fp.upper) for fp in self.parameters for n in fp.names}

    def at_bound(self, label: str) -> bool:
        """Whether a fitted value ended on its bound (within AT_BOUND of the mapped range)."""
        fp = next(f for f in self.parameters if f.label == label)
        return on_bound(fp, self.values[label])


def fit_data(problem: FitProblem) -> dict:
    """The numbers of a problem that its compiled functions take as arguments, not constants.

    p0: each experiment's canonical parameter vector; expected, scale: per target;
    lower, upper: per fitted parameter. Problems that differ only in these share one
    compilation (`_functions`), so a refit to other data or within other bounds is fast.
    """
    return {"p0": tuple(np.asarray(e.p0, dtype=float) for e in problem.experiments),
            "expected": np.array([t.expected for t in problem.targets]),
            "scale": np.array([t.scale for t in problem.targets]),
            "lower": np.array([fp.lower for fp in problem.parameters]),
            "upper": np.array([fp.upper for fp in problem.parameters])}


def _structure(problem: FitProblem, options: SolverOptions) -> tuple:
    """Everything the compiled functions close over (a cache key): models, schedules, grids, plans."""
    def arr(a):
        return None if a is None else (np.asarray(a).shape, np.asarray(a).tobytes())

    exps = tuple((e.model.source, len(e.model.states), e.slots, arr(e.ts), arr(e.schedule.breaks),
                  arr(e.schedule.jumps), arr(e.schedule.rates),
                  tuple(t.plan for t in e.targets))
                 for e in problem.experiments)
    return exps, tuple(fp.log for fp in problem.parameters), options


@dataclass(frozen=True)
class _Functions:
    simulate: Callable      # (x, data) -> (simulated values, ok)
    residuals: Callable     # (x, data) -> r
    loss: Callable          # (x, data) -> mean r^2


_COMPILED: dict[tuple, _Functions] = {}   # compilation cache by problem structure (like solver_jax.jitted)
_COMPILED_MAX = 16


def _functions(problem: FitProblem, options: SolverOptions) -> _Functions:
    """The pure JAX functions of a problem's structure (one object per structure, so jit caches hit)."""
    key = _structure(problem, options)
    if key not in _COMPILED:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = _build_functions(problem, options)
    return _COMPILED[key]


def _build_functions(problem: FitProblem, options: SolverOptions) -> _Functions:
    import jax.numpy as jnp

    logs = tuple(fp.log for fp in problem.parameters)
    parts = []
    for e in problem.experiments:
        _, observe, _ = e.model.functions("jax")
        sched = e.schedule
        parts.append((e.slots, e.ts, sched.breaks, sched.jumps, sched.rates, tuple(t.plan for t in e.targets),
                      pure_solve(e.model.source, len(e.model.states), options), observe))

    def simulate(x, data):
        values = [bounded(x[k], data["lower"][k], data["upper"][k], log, jnp) for k, log in enumerate(logs)]
        out, oks = [], []
        for (slots, ts, breaks, jumps, rates, plans, solve, observe), p0 in zip(parts, data["p0"]):
            p = jnp.asarray(p0)
            for k, i, factor in slots:
                p = p.at[i].set(values[k] * factor)
            ts_ = jnp.asarray(ts)
            ys, ok = solve(p, jnp.asarray(jumps), jnp.asarray(rates), jnp.asarray(breaks), ts_)
            obs = observe(ts_, ys, p)
            out += [plan.value(ts, obs) for plan in plans]
            oks.append(ok)
        return jnp.stack(out), jnp.all(jnp.stack(oks))

    def residuals(x, data):
        sim, ok = simulate(x, data)
        return jnp.where(ok, (sim - data["expected"]) / data["scale"], PENALTY)

    def loss(x, data):
        return jnp.mean(residuals(x, data) ** 2)

    return _Functions(simulate, residuals, loss)


def residual_function(problem: FitProblem, options: SolverOptions = SolverOptions()) -> Callable:
    """Pure JAX x -> r, r = (simulated - expected) / scale per target (PENALTY where a solve failed)."""
    fns, data = _functions(problem, options), fit_data(problem)
    return lambda x: fns.residuals(x, data)


def loss_function(problem: FitProblem, options: SolverOptions = SolverOptions()) -> Callable:
    """Pure JAX x -> mean(r^2)."""
    fns, data = _functions(problem, options), fit_data(problem)
    return lambda x: fns.loss(x, data)


@lru_cache(maxsize=16)
def _jitted(fn: Callable, what: str) -> Callable:
    import jax

    return jaxconfig.jit(jax.value_and_grad(fn) if what == "value_and_grad" else fn)


def loss_and_grad(problem: FitProblem, options: SolverOptions = SolverOptions()) -> Callable:
    """Jitted x -> (loss, d loss / d x) (jax.value_and_grad through the diffrax solves)."""
    fns, data = _functions(problem, options), fit_data(problem)
    vg = _jitted(fns.loss, "value_and_grad")
    return lambda x: vg(x, data)


def start_point(problem: FitProblem) -> np.ndarray:
    """The unconstrained coordinates of every fitted parameter's start value."""
    return np.array([to_unconstrained(fp, fp.initial) for fp in problem.parameters])


def fit(problem: FitProblem, method: str = "levenberg_marquardt", max_steps: int = 100, rtol: float = 1e-6,
        atol: float = 1e-6, options: SolverOptions = SolverOptions()) -> FitResult:
    """Minimise the loss of `problem` from its start values within the bounds.

    method: "levenberg_marquardt" or "bfgs". max_steps: optimiser steps at most.
    rtol, atol: the optimiser's Cauchy tolerances on the unconstrained coordinates and the
    loss. SimulationError if the model cannot be solved at the start or at the result.
    """
    import jax.numpy as jnp
    import optimistix as optx

    from ..simulate import SimulationError

    check_name(method, METHODS, "--method", "method")
    if max_steps < 1:
        raise InputError("--max-steps: must be at least 1")
    t0 = time.perf_counter()
    fns, data = _functions(problem, options), fit_data(problem)
    simulate = _jitted(fns.simulate, "value")
    x0 = jnp.asarray(start_point(problem))
    sim0, ok0 = simulate(x0, data)
    if not bool(ok0) or not np.all(np.isfinite(np.asarray(sim0))):
        raise SimulationError("numerical failure: the model cannot be solved at the fit's start values")
    if method == "levenberg_marquardt":
        sol = optx.least_squares(fns.residuals, optx.LevenbergMarquardt(rtol=rtol, atol=atol), x0, args=data,
                                 max_steps=max_steps, throw=False, options={"jac": "bwd"})
    else:
        sol = optx.minimise(fns.loss, optx.BFGS(rtol=rtol, atol=atol), x0, args=data,
                            max_steps=max_steps, throw=False)
    x1 = sol.value
    sim1, ok1 = simulate(x1, data)
    if not bool(ok1) or not np.all(np.isfinite(np.asarray(sim1))) or not np.all(np.isfinite(np.asarray(x1))):
        raise SimulationError("numerical failure: the model cannot be solved at the fitted values")
    targets = problem.targets
    expected = np.array([t.expected for t in targets])
    scale = np.array([t.scale for t in targets])
    loss0 = float(np.mean(((np.asarray(sim0) - expected) / scale) ** 2))
    loss1 = float(np.mean(((np.asarray(sim1) - expected) / scale) ** 2))
    if loss1 > loss0:  # never report a worse point than the start
        x1, sim1, loss1 = x0, sim0, loss0
    values = {fp.label: value_of(fp, float(x1[k])) for k, fp in enumerate(problem.parameters)}
    measures = tuple(MeasureFit(t.name, t.expected, t.scale, t.unit, float(sim0[i]), float(sim1[i]))
                     for i, t in enumerate(targets))
    return FitResult(problem.parameters, values, loss0, loss1, int(sol.stats["num_steps"]),
                     bool(sol.result == optx.RESULTS.successful), method, measures, time.perf_counter() - t0)
