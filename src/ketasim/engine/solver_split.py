"""The split solve: the linear upstream block exactly, the slow rest with an implicit method.

A whole-model implicit solve spends its steps on the pharmacokinetics: a central
compartment's time constant is a fraction of a minute, so every dose starts a transient
that the error control must follow, in a Newton system of every state. Here the
`partition.Partition` of the model does the work instead:

- The linear block L (dy/dt = A y + b + B u, u constant per dosing segment) is solved in
  modal form. With A = V diag(λ) V⁻¹ (one eigendecomposition per patient; A does not change
  between segments), z = V⁻¹ y evolves as z(t0 + h) = e^{λh} z(t0) + h φ1(λh) w_k with
  w_k = V⁻¹ (b + B u_k) and φ1(x) = (eˣ − 1)/x: exact at any time, so the rest can read L
  wherever its solver steps, and at the output times.
- The rest R is integrated by diffrax (`SPLIT_METHOD`, Kvaerno3) segment by segment, reading
  the feed states of L from the modal form: its steps follow R's own time constants
  (minutes at the fastest) and its Newton systems are R's size.

A matrix whose eigenvectors are too ill-conditioned to reproduce it (a defective A: two
chained compartments with one rate constant) is reported through the `ok` flag, so the
caller falls back to the whole-model solve (`engine.solve`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .partition import Partition, block_matrix

SPLIT_METHOD = "kvaerno3"   # the rest's integrator: Kvaerno5 rejected about half its steps after each dose
                            # (measured: 344 steps, 160 rejected, for a 28-day single infusion; Kvaerno3 169, 11)
MODAL_TOLERANCE = 1e-9   # relative error of V diag(λ) V⁻¹ against A beyond which the modal form is refused
PHI_SERIES = 1e-3        # |λh| below which φ1 is summed as a series (no cancellation in eˣ − 1)
FIRST_STEP = 0.25        # min: the first step after a dose or a change of infusion rate (the controller
                         # grows it at most tenfold per step); a segment with no change (a split one, see
                         # `Schedule.padded`) starts with twice the previous segment's mean accepted step


def phi1(x):
    """φ1(x) = (eˣ − 1)/x for complex x, 1 at 0, accurate near 0 (a four-term series there)."""
    import jax.numpy as jnp

    small = jnp.abs(x) < PHI_SERIES
    safe = jnp.where(small, 1.0, x)
    series = 1.0 + x / 2.0 + x * x / 6.0 + x * x * x / 24.0
    return jnp.where(small, series, jnp.expm1(safe) / safe)


def modal_form(A):
    """(λ, V, V⁻¹, ok) of A = V diag(λ) V⁻¹ (complex); ok is False where V diag(λ) V⁻¹ misses A
    by more than `MODAL_TOLERANCE` of its largest entry (a defective or nearly defective A)."""
    import jax.numpy as jnp

    from . import jaxconfig  # noqa: F401  (float64)

    A = jnp.asarray(A)
    lam, V = jnp.linalg.eig(A)
    Vi = jnp.linalg.inv(V)
    rebuilt = jnp.real((V * lam) @ Vi)
    scale = jnp.max(jnp.abs(A)) + 1e-300
    ok = jnp.all(jnp.isfinite(rebuilt)) & (jnp.max(jnp.abs(rebuilt - A)) <= MODAL_TOLERANCE * scale)
    return lam, V, Vi, ok


@lru_cache(maxsize=16)
def make_split_solve(source: str, part: Partition, channels: tuple[int, ...], n_states: int, method: str,
                     rtol: float, atol: float, max_steps: int):
    """A pure function solve(p, jumps, rates, breaks, ts) -> (ys, ok), the signature of
    `solver_jax` (so it pads, vmaps and jits alike). source: the model's generated code;
    channels: the state index of each dose channel."""
    import diffrax
    import jax
    import jax.numpy as jnp

    from . import jaxconfig  # noqa: F401  (float64 and the compilation cache)
    from .codegen import compile_source
    from .solver_jax import METHODS

    rhs, _, init = compile_source(source, "jax")
    ns: dict[str, object] = {"numpy": jnp}
    exec(compile(part.source, "<ketasim linear block>", "exec"), ns)
    block_parts = ns["linear_parts"]
    L, R, F = (np.asarray(x, dtype=int) for x in (part.linear, part.rest, part.feed))
    feed_rows = np.searchsorted(L, F)                          # rows of V that give the feed
    B = jnp.asarray(block_matrix(part, channels))              # (nL, C)
    solver = METHODS[method]()
    controller = diffrax.PIDController(rtol=rtol, atol=atol)

    def modal(z, w, lam, h):
        """Modal coordinates h after a segment's start (h broadcast against λ)."""
        return jnp.exp(lam * h) * z + h * phi1(lam * h) * w

    def full_state(feed, y_rest):
        y = jnp.zeros(n_states, dtype=y_rest.dtype)
        return y.at[F].set(feed).at[R].set(y_rest)

    def rest_rhs(t, y_rest, args):
        p, u, z, w, lam, V_feed, t0 = args
        feed = jnp.real(V_feed @ modal(z, w, lam, t - t0))
        return rhs(t, full_state(feed, y_rest), p, u)[R]

    term = diffrax.ODETerm(rest_rhs)

    def solve(p, jumps, rates, breaks, ts):
        K = jumps.shape[0]
        A, b = block_parts(p)
        lam, V, Vi, modal_ok = modal_form(A)
        V_feed = V[feed_rows]
        W = (b[None, :] + rates @ B.T).astype(V.dtype) @ Vi.T       # (K, nL) modal inputs
        y0 = init(p)
        z0 = Vi @ y0[L].astype(V.dtype)
        out0 = jnp.zeros((ts.shape[0], len(R)))
        previous = jnp.concatenate([rates[:1] * jnp.nan, rates[:-1]])
        changed = jnp.any(jumps != 0, axis=1) | jnp.any(rates != previous, axis=1)

        def segment(carry, k):
            z, y_rest, out, ok, dt = carry
            t0, t1 = breaks[k], breaks[k + 1]
            dt0 = jnp.minimum(jnp.where(changed[k], FIRST_STEP, dt), t1 - t0)
            z = z + Vi @ jumps[k][L].astype(V.dtype)
            y_rest = y_rest + jumps[k][R]
            w = W[k]
            save = jnp.concatenate([jnp.clip(ts, t0, t1), t1[None]])
            sol = diffrax.diffeqsolve(
                term, solver, t0, t1, dt0, y_rest, args=(p, rates[k], z, w, lam, V_feed, t0),
                saveat=diffrax.SaveAt(ts=save), stepsize_controller=controller,
                max_steps=max_steps, throw=False,
            )
            inside = (ts >= t0) & ((ts < t1) | (k == K - 1))
            out = jnp.where(inside[:, None], sol.ys[:-1], out)
            ok = ok & (sol.result == diffrax.RESULTS.successful)
            mean_step = (t1 - t0) / jnp.maximum(sol.stats["num_accepted_steps"], 1)
            return (modal(z, w, lam, t1 - t0), sol.ys[-1], out, ok, 2.0 * mean_step), z

        carry = (z0, y0[R], out0, modal_ok, jnp.asarray(FIRST_STEP, dtype=breaks.dtype))
        (_, _, rest, ok, _), starts = jax.lax.scan(segment, carry, jnp.arange(K))
        # the linear block at the output times, from the modal state at the start of each one's segment
        k_t = jnp.clip(jnp.searchsorted(breaks, ts, side="right") - 1, 0, K - 1)
        h = (ts - breaks[k_t])[:, None]
        y_lin = jnp.real(modal(starts[k_t], W[k_t], lam[None, :], h) @ V.T)
        out = jnp.zeros((ts.shape[0], n_states)).at[:, L].set(y_lin).at[:, R].set(rest)
        return out, ok & jnp.all(jnp.isfinite(out))

    return solve


@lru_cache(maxsize=16)
def jitted_split(source: str, part: Partition, channels: tuple[int, ...], n_states: int, method: str,
                 rtol: float, atol: float, max_steps: int, batched: bool):
    """jit (and for batched, vmap over p, jumps, rates) the split solve."""
    import jax

    fn = make_split_solve(source, part, channels, n_states, method, rtol, atol, max_steps)
    if batched:
        fn = jax.vmap(fn, in_axes=(0, 0, 0, None, None))
    return jax.jit(fn)
