"""The default backend: diffrax on JAX (float64, CPU), segment by segment in one scan.

The solve of one patient is a `lax.scan` over dosing segments; in each segment the
state jumps by the bolus vector and diffrax integrates the smooth RHS with constant
infusion inputs. The output grid is saved by clipping it into each segment and masking,
so every segment has the same shapes and the whole solve compiles once and vmaps over
patients.
"""

from __future__ import annotations

from functools import lru_cache

import jax

from . import jaxconfig  # noqa: E402  (float64 and the compilation cache; its jit)

import diffrax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from .codegen import compile_source  # noqa: E402
from .solver_options import SolverOptions  # noqa: E402


METHODS = {
    "tsit5": diffrax.Tsit5,
    "dopri5": diffrax.Dopri5,
    "kvaerno5": diffrax.Kvaerno5,
    "kvaerno3": diffrax.Kvaerno3,
}


@lru_cache(maxsize=32)
def _make_solve(source: str, n_states: int, options: SolverOptions):
    """A pure function solve(p, jumps, rates, breaks, ts) -> (ys, ok).

    ys: (n_times, n_states) canonical; ok: False if any segment failed or a value is not finite.
    """
    if options.method not in METHODS:
        raise ValueError(f"unknown solver {options.method!r}; one of {sorted(METHODS)}")
    rhs, _, init = compile_source(source, "jax")
    term = diffrax.ODETerm(lambda t, y, args: rhs(t, y, args[0], args[1]))
    solver = METHODS[options.method]()
    controller = diffrax.PIDController(rtol=options.rtol, atol=options.atol)

    def solve(p, jumps, rates, breaks, ts):
        K = jumps.shape[0]
        y0 = init(p)
        out0 = jnp.zeros((ts.shape[0], n_states))

        def segment(carry, k):
            y, out, ok = carry
            t0, t1 = breaks[k], breaks[k + 1]
            y = y + jumps[k]
            save = jnp.concatenate([jnp.clip(ts, t0, t1), t1[None]])
            sol = diffrax.diffeqsolve(
                term, solver, t0, t1, None, y, args=(p, rates[k]),
                saveat=diffrax.SaveAt(ts=save), stepsize_controller=controller,
                max_steps=options.max_steps, throw=False,
            )
            inside = (ts >= t0) & ((ts < t1) | (k == K - 1))
            out = jnp.where(inside[:, None], sol.ys[:-1], out)
            ok = ok & (sol.result == diffrax.RESULTS.successful)
            return (sol.ys[-1], out, ok), None

        (_, out, ok), _ = jax.lax.scan(segment, (y0, out0, jnp.bool_(True)), jnp.arange(K))
        return out, ok & jnp.all(jnp.isfinite(out))

    return solve


def pure_solve(source: str, n_states: int, options: SolverOptions = SolverOptions()):
    """The un-jitted solve(p, jumps, rates, breaks, ts) -> (ys, ok), for callers that compose it
    with other JAX transformations (jax.grad, an optimiser's loop) before jitting; see `_make_solve`."""
    return _make_solve(source, n_states, options)


@lru_cache(maxsize=32)
def jitted(source: str, n_states: int, options: SolverOptions, batched: bool):
    """jit (and for batched, vmap over p, jumps, rates) the solve function."""
    fn = _make_solve(source, n_states, options)
    if batched:
        fn = jax.vmap(fn, in_axes=(0, 0, 0, None, None))
    return jaxconfig.jit(fn)
