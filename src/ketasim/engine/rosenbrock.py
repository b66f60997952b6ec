"""ROS34PW2, a Rosenbrock-W method, integrating a batch of stiff systems in lockstep with error control.

Why not diffrax's ESDIRK methods for the split solve's slow rest: each of their steps solves
three nonlinear systems by Newton iteration and takes a fresh Jacobian, and under `vmap` the
whole batch waits for the slowest patient's iterations. A Rosenbrock method is linearly
implicit: four linear solves with one factorisation per step (block substitution over the
system's own structure where the caller gives it, `block_solve`), no iteration. A W-method
keeps its order with an approximate Jacobian, so one Jacobian serves several steps
(`Control.jac_every`) and the batch shares the decision when to refresh it (a real branch,
not a masked one, because the loop runs over the batch explicitly rather than under `vmap`).

Method (Rang & Angermann 2005, BIT Numer. Math. 45:761-787, method ROS34PW2): four stages,
order 3 with an embedded solution of order 2, stiffly accurate. With step h, Jacobian
approximation J ≈ ∂f/∂y, time derivative f_t ≈ ∂f/∂t (taken with J) and γ = `GAMMA`:

    (I − γ h J) k_i = h f(t + c_i h, y + Σ_{j<i} a_ij k_j) + h J Σ_{j<i} g_ij k_j + γ_i h² f_t
    y(t + h) ≈ y + Σ b_i k_i,    error estimate Σ (b_i − b̂_i) k_i,    γ_i = γ + Σ_j g_ij.

The f_t term matters here: the slow rest is driven by the pharmacokinetic feed, an explicit
function of time; leaving it out (allowed for a W-method) took 1.7 times the steps on the
trial model (esketamine twice weekly, 1,206 against 713 steps per patient-month at equal
tolerance). tests/test_rosenbrock.py measures the orders 3 and 2 of the coefficients, with
the exact and with a perturbed Jacobian.

Steps do not stop at output times (so the solution does not depend on the output grid):
outputs inside a step are the cubic Hermite interpolant of the step's two ends and
derivatives, which is third-order like the method. The derivative at a step's end is the
next step's first stage, so dense output costs no extra evaluation: a step's outputs are
written in the next pass of the loop, once that stage is known (an interval's last step
gets one pass of a single stage after it; a rejected step's retry evaluates f at the same
point again, one evaluation per rejection).

The program holds the right-hand side twice, not four times: once in the stage loop (all
four stages, the first included; the loop is the only place f is evaluated) and once in
the Jacobian's directional derivatives. The generated right-hand side is most of the
program, so this is most of the compile time: the standard `ketasim run`'s split solve,
StableHLO 19.9k -> 15.3k lines, XLA compile 5.5 -> 3.8 s, tracing and lowering 2.2 -> 1.7 s
(`solver_split.jitted_split`, one system, 28 days; 2 cores, load about 1).

Units are the caller's (minutes in ketasim).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from .block_solve import Structure, colour_groups, dense, factor, mask, solve

GAMMA = 0.435866521508459
A = ((0.0, 0.0, 0.0),
     (0.87173304301691801, 0.0, 0.0),
     (0.84457060015369423, -0.11299064236484185, 0.0),
     (0.0, 0.0, 1.0))
G = ((0.0, 0.0, 0.0),
     (-0.87173304301691801, 0.0, 0.0),
     (-0.90338057013044082, 0.054180672388095326, 0.0),
     (0.24212380706095346, -1.2232505839045147, 0.54526025533510214))
B = (0.24212380706095346, -1.2232505839045147, 1.5452602553351020, 0.435866521508459)
B_HAT = (0.37810903145819369, -0.096042292212423178, 0.5, 0.21793326075422950)
C = tuple(sum(row) for row in A)
GAMMA_T = tuple(GAMMA + sum(row) for row in G)

SAFETY = 0.9        # step-size controller: h_new = h · clip(SAFETY · err^(-1/3), SHRINK, GROW), err the
SHRINK = 0.2        # RMS of the embedded error over atol + rtol·|y|; no growth in the step after a
GROW = 5.0          # rejected one (a PI controller took 20% more steps on the trial model)
MIN_STEP = 1e-8     # a step below this (time units) that still fails marks the system as failed


class Control(NamedTuple):
    """Error control: relative and absolute tolerances (per state, the caller's units), the
    most steps (accepted or not) per interval, and after how many steps the Jacobian is
    refreshed."""

    rtol: float
    atol: float
    max_steps: int
    jac_every: int


class Interval(NamedTuple):
    """What a batch carries from interval to interval (B systems of n states, T output times).

    y (B, n): states; h (B,): the step to try next; J (B, n, n) and ft (B, n): the Jacobian
    and time derivative in use, and age: their age in steps (shared by the batch; every
    interval starts with a fresh pair); out (B, T, n): the outputs; accepted (B,): steps
    accepted in the current interval; failed (B,); tried (B,) and jacobians: steps tried by
    each system and Jacobians taken over the whole solve; rejected (B,): whether a system's
    last step was rejected."""

    y: object
    h: object
    J: object
    ft: object
    age: object
    out: object
    accepted: object
    failed: object
    tried: object
    jacobians: object
    rejected: object


class Last(NamedTuple):
    """The step a pass of the integrator's loop took, kept for the next pass, which writes its
    outputs (B systems of n states): accepted (B,), its start t and length h (B,), the state y
    and derivative f at its start (B, n)."""

    accepted: object
    t: object
    h: object
    y: object
    f: object


def start(y, h, T: int) -> Interval:
    """The carry of a batch before its first interval: states y (B, n), first steps h (B,)."""
    import jax.numpy as jnp

    nb, n = y.shape
    counts = jnp.zeros((nb,), dtype=jnp.int32)
    flags = jnp.zeros((nb,), dtype=bool)
    return Interval(y, h, jnp.zeros((nb, n, n), dtype=y.dtype), jnp.zeros((nb, n), dtype=y.dtype), 0,
                    jnp.zeros((nb, T, n), dtype=y.dtype), counts, flags, counts, 0, flags)


def hermite(y0, f0, y1, f1, h, theta):
    """The cubic Hermite interpolant at θ ∈ [0, 1] of a step of length h (per system, (B,))
    from y0 to y1 with derivatives f0, f1 at its ends; exactly y1 at θ = 1."""
    th = theta[:, None]
    hc = h[:, None]
    return ((1.0 - th) * y0 + th * y1
            + th * (th - 1.0) * ((1.0 - 2.0 * th) * (y1 - y0) + (th - 1.0) * hc * f0 + th * hc * f1))


def make_step(f: Callable, n: int, structure: Structure | None = None):
    """step(t, y, h, J, ft, args, stages=4) -> (y1, err, f0): one ROS34PW2 step of each system of a batch.

    f(t, y, args) is one system's derivative; t, h (B,), y (B, n), J (B, n, n) and ft (B, n)
    approximations of ∂f/∂y and ∂f/∂t, args with a leading batch axis. f0 = f(t, y) (B, n) is
    the first stage's evaluation, returned for the caller's dense output. stages: how many
    stages to take (a traced integer; 1 evaluates f0 alone, and y1 and err are then not a
    step). structure: which states each derivative reads (`block_solve`; default: dense),
    used to solve the stages' linear systems; J must be zero outside it."""
    import jax
    import jax.numpy as jnp

    fb = jax.vmap(f)
    eye = jnp.eye(n)
    structure = dense(n) if structure is None else structure

    def matvec(M, v):
        return jnp.einsum("bij,bj->bi", M, v)

    a_rows, g_rows = jnp.asarray(A), jnp.asarray(G)                       # (4, 3): stage i's a_ij, g_ij
    c_of, gt_of = jnp.asarray(C), jnp.asarray(GAMMA_T)
    b_sol, b_err = jnp.asarray(B), jnp.asarray(B) - jnp.asarray(B_HAT)

    def step(t, y, h, J, ft, args, stages=4):
        hc = h[:, None]
        M = eye[None] - (GAMMA * h)[:, None, None] * J
        factors = factor(M, structure)                                    # once per step, for 4 solves

        def stage(i, carry):
            # every stage in one loop, the first included (its a_ij, g_ij are zero and c is 0, so
            # its input is (t, y)): the program holds one copy of f for all four
            ks, f0 = carry
            a, g = a_rows[i], g_rows[i]
            fi = fb(t + c_of[i] * h, y + jnp.einsum("j,jbn->bn", a, ks[:3]), args)
            rhs = hc * fi + hc * matvec(J, jnp.einsum("j,jbn->bn", g, ks[:3]))
            ks = ks.at[i].set(solve(M, factors, rhs + (gt_of[i] * h * h)[:, None] * ft, structure))
            return ks, jnp.where(i == 0, fi, f0)

        zero = jnp.zeros_like(y)
        ks, f0 = jax.lax.fori_loop(0, stages, stage, (jnp.zeros((4,) + y.shape, dtype=y.dtype), zero))
        return y + jnp.einsum("i,ibn->bn", b_sol, ks), jnp.einsum("i,ibn->bn", b_err, ks), f0

    return step


def compressed_jacobian(f: Callable, structure: Structure) -> Callable:
    """jac(t, y, args) -> (J, f_t) for a batch, J nonzero only on the structure: one
    forward-mode pass per group of columns that share no row (`block_solve.colour_groups`)
    and one along t, as one batched directional derivative, where `jacfwd` takes one per
    state. The trial model's 20 slow states need 7 passes (then 21)."""
    import jax
    import jax.numpy as jnp

    n = len(structure.reads)
    groups = colour_groups(structure)
    group_of = np.empty(n, dtype=int)
    seeds_y = np.zeros((len(groups) + 1, n))
    for g, cols in enumerate(groups):
        group_of[list(cols)] = g
        seeds_y[g, list(cols)] = 1.0
    seeds_t = np.zeros(len(groups) + 1)
    seeds_t[-1] = 1.0                                     # the last direction is time
    rows, cols = np.nonzero(mask(structure, n))

    def one(t, y, args):
        def along(dy, dt):
            return jax.jvp(lambda yy, tt: f(tt, yy, args), (y, t), (dy, dt))[1]

        D = jax.vmap(along)(jnp.asarray(seeds_y, dtype=y.dtype), jnp.asarray(seeds_t, dtype=y.dtype))
        J = jnp.zeros((n, n), dtype=y.dtype).at[rows, cols].set(D[group_of[cols], rows])
        return J, D[-1]

    return jax.vmap(one)


def make_integrate(f: Callable, n: int, control: Control, structure: Structure | None = None):
    """integrate(t0, t1, state, args, ts, write_end) -> (state, ok): advance a batch from t0 to t1.

    t0, t1: scalars shared by the batch; state: `Interval`; ts: sorted output times (T,)
    shared by the batch. Row j of `state.out` gets the solution at ts[j] for ts[j] inside
    (t0, t1), and at t1 only when write_end (the caller writes t0 itself). ok (B,): the
    system reached t1 within `control.max_steps` steps. structure: as in `make_step`; the
    Jacobian is then taken on it alone (`compressed_jacobian`), exactly zero outside it, so
    the matrix the stages solve with is the one they are coupled with."""
    import jax
    import jax.numpy as jnp

    step = make_step(f, n, structure)
    jac = jax.vmap(jax.jacfwd(f, argnums=(1, 0))) if structure is None else compressed_jacobian(f, structure)

    def integrate(t0, t1, state: Interval, args, ts, write_end):
        T = ts.shape[0]
        rows = jnp.arange(state.y.shape[0])
        t_start = jnp.full(state.h.shape, t0, dtype=ts.dtype)

        def wanted(j, t_new):
            jc = jnp.minimum(j, T - 1)
            return (j < T) & (ts[jc] <= t_new) & ((ts[jc] < t1) | write_end)

        def dense(out, accept, t, h, t_new, y0, f0, y1, f1):
            """Write every output time in (t, t_new] of each accepted step."""
            def more(c):
                j, _ = c
                return jnp.any(accept & wanted(j, t_new))

            def put(c):
                j, out = c
                jc = jnp.minimum(j, T - 1)
                due = accept & wanted(j, t_new)
                value = hermite(y0, f0, y1, f1, h, jnp.clip((ts[jc] - t) / h, 0.0, 1.0))
                return j + due, out.at[rows, jc].set(jnp.where(due[:, None], value, out[rows, jc]))

            j0 = jnp.searchsorted(ts, t, side="right")
            return jax.lax.while_loop(more, put, (j0, out))[1]

        def cond(c):
            t, s, it, last = c
            return (jnp.any((t < t1) & ~s.failed) & (it < control.max_steps)) | jnp.any(last.accepted)

        def body(c):
            # last: the previous pass's step (accepted flags, start, length, start state and
            # derivative); its outputs are written here, with this pass's first stage as the
            # derivative at its end
            t, s, it, last = c
            live = (t < t1) & ~s.failed & (it < control.max_steps)
            stepping = jnp.any(live)              # False: the pass after an interval's last step
            refresh = (s.age >= control.jac_every) & stepping
            J, ft = jax.lax.cond(refresh, lambda: jac(t, s.y, args), lambda: (s.J, s.ft))
            ends = s.h >= t1 - t
            h = jnp.where(live, jnp.where(ends, t1 - t, s.h), 1.0)
            y1, err, f0 = step(t, s.y, h, J, ft, args, jnp.where(stepping, 4, 1))
            out = dense(s.out, last.accepted, last.t, last.h, t, last.y, last.f, s.y, f0)
            scale = control.atol + control.rtol * jnp.maximum(jnp.abs(s.y), jnp.abs(y1))
            e = jnp.sqrt(jnp.mean((err / scale) ** 2, axis=1))
            good = jnp.isfinite(e) & jnp.all(jnp.isfinite(y1), axis=1)
            accept = live & good & (e <= 1.0)
            grow = jnp.clip(SAFETY * jnp.maximum(e, 1e-10) ** (-1.0 / 3.0), SHRINK, GROW)
            grow = jnp.where(good, jnp.where(s.rejected, jnp.minimum(grow, 1.0), grow), SHRINK)
            h_next = jnp.where(accept & ends & (grow >= 1.0), jnp.maximum(h * grow, s.h), h * grow)
            t_new = jnp.where(accept, jnp.where(ends, t1, t + h), t)
            taken = Last(accept, t, h, s.y, f0)
            s = Interval(jnp.where(accept[:, None], y1, s.y), jnp.where(live, h_next, s.h), J, ft,
                         jnp.where(refresh, 1, s.age + 1), out, s.accepted + accept,
                         s.failed | (live & ~accept & (h <= MIN_STEP)), s.tried + live, s.jacobians + refresh,
                         jnp.where(live, ~accept, s.rejected))
            return t_new, s, it + stepping.astype(jnp.int32), taken

        # a fresh Jacobian at every interval's start: within an interval every live system has
        # tried as many steps as the loop has run, so its refresh schedule is its own and its
        # solution does not depend on the batch it is solved in
        state = state._replace(age=control.jac_every)
        nothing = jnp.zeros_like(state.y)
        first = Last(jnp.zeros(state.h.shape, dtype=bool), t_start, state.h, nothing, nothing)
        t, state, _, _ = jax.lax.while_loop(cond, body, (t_start, state, jnp.int32(0), first))
        return state, (t >= t1) & ~state.failed

    return integrate
