"""The split solve: the linear upstream block exactly, the slow rest with a Rosenbrock-W method.

A whole-model implicit solve spends its steps on the pharmacokinetics: a central
compartment's time constant is a fraction of a minute, so every dose starts a transient
that the error control must follow, in a Newton system of every state. Here the
`partition.Partition` of the model does the work instead:

- The linear block L (dy/dt = A y + b + B u, u constant per dosing segment) is solved in
  modal form. With A = V diag(λ) V⁻¹ (one eigendecomposition per patient; A does not change
  between segments), z = V⁻¹ y evolves as z(t0 + h) = e^{λh} z(t0) + h φ1(λh) w_k with
  w_k = V⁻¹ (b + B u_k) and φ1(x) = (eˣ − 1)/x: exact at any time, so the rest can read L
  wherever its solver steps, and at the output times. The eigenvalues of compartmental
  pharmacokinetic matrices are real, so the modal form is kept in real arithmetic (one
  exponential per mode and evaluation).
- The rest R is integrated by `rosenbrock` (ROS34PW2, linearly implicit, one Jacobian for
  several steps) segment by segment for the whole batch at once, reading the feed states
  of L from the modal form: its steps follow R's own time constants (minutes at the
  fastest) and its linear systems are R's size.

A matrix with complex eigenvalues, or whose eigenvectors are too ill-conditioned to
reproduce it, is reported through the `ok` flag, so the caller falls back to the
whole-model solve (`engine.solve`); `modal_method` makes the same check on the host
before any tracing, so that such a model does not compile a split solve it cannot use.
Ill-conditioned eigenvectors come from a defective A (two chained compartments with one
rate constant) and also from a repeated eigenvalue of a non-defective one: in the mouse,
ketamine's and norketamine's effect compartments share one equilibration rate, and one
LAPACK `eig` of the whole matrix returns nearly parallel eigenvectors for it (condition
number about 1e18). So the eigenvectors are found block by block over A's strongly
connected components (`block_eigenvectors`, with the structure the partition records):
blocks that share a rate but do not feed each other stay exact, and only a truly
defective A is refused. Block by block makes a larger program, so it is used only where one
`eig` fails (`modal_method` decides on the host). (Advancing L by the exponential of its augmented matrix instead
is exact for any A, but was measured 11 times slower than the whole-model Kvaerno5 solve
on the mouse's 8-day course, 7.9 s against 0.72 s warm: one exponential per evaluation of
the feed, and 2,600 steps at rtol 1e-8 for the third-order method.)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .block_solve import Structure, block_feeds, downstream, structure_of
from .linear import input_matrix
from .partition import Partition

MODAL_TOLERANCE = 1e-9   # relative error of V diag(λ) V⁻¹ against A beyond which the modal form is refused
PHI_SERIES = 1e-3        # |λh| below which φ1 is summed as a series (no cancellation in eˣ − 1)
FIRST_STEP = 0.25        # min: the first step after a dose or a change of infusion rate (the controller
                         # grows it at most fivefold per step); a segment with no change (a split one, see
                         # `Schedule.padded`) starts with twice the previous segment's mean accepted step
JAC_EVERY = 4            # steps one Jacobian of the rest serves (a W-method keeps its order with a stale one)


def phi1(x, e=None):
    """φ1(x) = (eˣ − 1)/x, 1 at 0, accurate near 0 (a four-term series there); e: eˣ when the
    caller has it (the modal form needs both, so one exponential serves)."""
    from . import jaxconfig  # noqa: F401  (float64)

    import jax.numpy as jnp

    e = jnp.exp(x) if e is None else e
    small = jnp.abs(x) < PHI_SERIES
    series = 1.0 + x / 2.0 + x * x / 6.0 + x * x * x / 24.0
    return jnp.where(small, series, (e - 1.0) / jnp.where(small, 1.0, x))


def modal_form(A, xp=None, structure: Structure | None = None):
    """(λ, V, V⁻¹, ok) of A = V diag(λ) V⁻¹ in real arithmetic; ok is False where an
    eigenvalue is complex or V diag(λ) V⁻¹ misses A by more than `MODAL_TOLERANCE` of its
    largest entry (a defective or nearly defective A). xp: the array module, jax.numpy
    (default, traced inside the split solve) or numpy (on the host, `modal_method`), where
    a singular V raises `numpy.linalg.LinAlgError`.

    structure: A's off-diagonal nonzeros (`block_solve.Structure`, from
    `Partition.linear_reads`). With it the eigenvectors are found block by block
    (`block_eigenvectors`), which stays exact where eigenvalues repeat across blocks that do
    not feed each other (the mouse's effect sites share one rate); without it, or with one
    block, by one `eig` of A."""
    if xp is None:
        import jax.numpy as xp

        from . import jaxconfig  # noqa: F401  (float64)

    A = xp.asarray(A)
    if structure is None or len(structure.blocks) == 1:
        lam_c, V_c = xp.linalg.eig(A)
        real = xp.all(xp.imag(lam_c) == 0.0)
        lam, V = xp.real(lam_c), xp.real(V_c)
    else:
        lam, V, real = block_eigenvectors(A, structure, xp)
    Vi = xp.linalg.inv(V)
    rebuilt = (V * lam) @ Vi
    scale = xp.max(xp.abs(A)) + 1e-300
    ok = real & xp.all(xp.isfinite(rebuilt)) & (xp.max(xp.abs(rebuilt - A)) <= MODAL_TOLERANCE * scale)
    return lam, V, Vi, ok


def block_eigenvectors(A, structure: Structure, xp):
    """(λ, V, real) of A, block by block over its strongly connected components.

    Why: one `eig` of the whole matrix returns nearly parallel vectors for an eigenvalue
    that two compartments share (condition about 1e18 for the mouse), although the matrix is
    not defective. Ordered dependencies first, A is block lower triangular. Each eigenpair
    (λ, v) of a diagonal block A_jj extends to an eigenvector of A that is zero in the
    blocks upstream of j and, in each block k that j reaches, solves
    (λ I − A_kk) x_k = Σ_i A_ki x_i over the blocks i already filled; blocks j does not
    reach stay zero, so an eigenvalue repeated there costs nothing. A λ that a reached
    block shares makes that solve singular (a truly defective A): its non-finite values fail
    `modal_form`'s check. Columns are scaled to unit length."""
    blocks = structure.blocks
    feeds = block_feeds(structure)
    reached = downstream(feeds)
    lams, columns, real = [], [], True
    for j, bj in enumerate(blocks):
        Ajj = A[np.ix_(bj, bj)]
        if len(bj) == 1:
            lj, Vj = Ajj[0], xp.ones((1, 1), dtype=A.dtype)
        else:
            lc, Vc = xp.linalg.eig(Ajj)
            real = real & xp.all(xp.imag(lc) == 0.0)
            lj, Vj = xp.real(lc), xp.real(Vc)
        filled = {j: Vj}                                           # block -> (len(block), len(bj))
        for k in sorted(reached[j]):
            bk = blocks[k]
            rhs = sum(A[np.ix_(bk, blocks[i])] @ filled[i] for i in feeds[k] if i in filled)
            if len(bk) == 1:
                filled[k] = rhs / (lj - A[bk[0], bk[0]])
            else:
                M = lj[:, None, None] * xp.eye(len(bk)) - A[np.ix_(bk, bk)][None]
                filled[k] = xp.linalg.solve(M, rhs.T[:, :, None])[:, :, 0].T
        rows = [filled.get(k, xp.zeros((len(b), len(bj)), dtype=A.dtype)) for k, b in enumerate(blocks)]
        col = xp.concatenate(rows, axis=0)
        columns.append(col / xp.sqrt(xp.sum(col * col, axis=0)))
        lams.append(xp.reshape(lj, (len(bj),)))
    order = np.argsort(np.concatenate([np.asarray(b) for b in blocks]))  # block order -> state order
    V = xp.concatenate(columns, axis=1)[order]
    return xp.concatenate(lams), V, real


MODAL_METHODS = ("eig", "blocks")


def modal_structure(part: Partition, method: str) -> Structure | None:
    """The structure `modal_form` is given for a method of `MODAL_METHODS`."""
    return structure_of(part.linear_reads) if method == "blocks" else None


def modal_method(part: Partition, p: np.ndarray) -> str | None:
    """How L's modal form is found for p (P,), or for the first row of a batch (B, P): "eig"
    when one `eig` of the whole matrix rebuilds it (the smaller program: the human models),
    "blocks" when only `block_eigenvectors` does (a rate shared without a chain: the mouse;
    its program is about a third larger and compiles about half again as long), None when
    neither does (a defective L: the caller goes to Kvaerno5 without tracing and compiling a
    split solve whose `ok` flag would be False, about 25 s). The same `modal_form` on the host
    with NumPy. Like `solve.stiff_for_explicit`, the first subject decides (a matrix a
    batch-mate's values make unusable still fails through `ok`): 1 ms, where checking a batch
    of 256 took 0.2 s."""
    from .codegen import namespace

    first = np.atleast_2d(np.asarray(p, dtype=float))[0]
    A = np.asarray(namespace(part.source, "numpy")["linear_parts"](first)[0], dtype=float)
    for method in MODAL_METHODS:
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if bool(modal_form(A, np, modal_structure(part, method))[3]):
                    return method
        except np.linalg.LinAlgError:
            continue
    return None


def modal(z, w, lam, h):
    """Modal coordinates h after a segment's start (h broadcast against λ): e^{λh} z + h φ1(λh) w."""
    import jax.numpy as jnp

    x = lam * h
    e = jnp.exp(x)
    return e * z + h * phi1(x, e) * w


@lru_cache(maxsize=16)
def make_split_solve(source: str, part: Partition, channels: tuple[int, ...], n_states: int,
                     rtol: float, atol: float, max_steps: int, modal_by: str):
    """A pure function solve(p, jumps, rates, breaks, ts) -> (ys, ok, (steps, jacobians, accepted))
    for a batch: p (B, P), jumps (B, K, S), rates (B, K, C), breaks (K+1,), ts (T,) -> ys (B, T, S),
    ok (B,), and for profiling: steps tried by each system (B,), Jacobians taken for the batch and
    steps accepted per segment and system (K, B).
    source: the model's generated code; channels: the state index of each dose channel;
    modal_by: how L's modal form is found, one of `MODAL_METHODS` (`modal_method` chooses)."""
    import jax
    import jax.numpy as jnp

    from . import jaxconfig  # noqa: F401  (float64 and the compilation cache)
    from .codegen import compile_hoisted, compile_source, namespace
    from .rosenbrock import Control, make_integrate, start

    _, _, init = compile_source(source, "jax")
    constants, rhs_c = compile_hoisted(source, "jax")
    block_parts = namespace(part.source, "jax")["linear_parts"]
    L, R, F = (np.asarray(x, dtype=int) for x in (part.linear, part.rest, part.feed))
    rest_rows = tuple(int(i) for i in part.rest)              # rhs_c computes these derivatives only
    feed_rows = np.searchsorted(L, F)                          # rows of V that give the feed
    Bmat = jnp.asarray(input_matrix(part.linear, channels))    # (nL, C)
    linear_structure = modal_structure(part, modal_by)

    def full_state(feed, y_rest):
        y = jnp.zeros(n_states, dtype=y_rest.dtype)
        return y.at[F].set(feed).at[R].set(y_rest)

    def rest_rhs(t, y_rest, args):
        p, c, u, z, w, lam, V_feed, t0 = args
        feed = V_feed @ modal(z, w, lam, t - t0)
        return rhs_c(t, full_state(feed, y_rest), p, u, c, rest_rows)

    # the stages' linear systems by block substitution over the rest's own structure (block_solve)
    integrate = make_integrate(rest_rhs, len(R), Control(rtol, atol, max_steps, JAC_EVERY),
                               structure_of(part.rest_reads))

    def prepare(p):
        A, b = block_parts(p)
        lam, V, Vi, ok = modal_form(A, structure=linear_structure)
        return lam, V, Vi, ok, b, init(p), constants(p)

    def solve(p, jumps, rates, breaks, ts):
        nb, K = jumps.shape[0], jumps.shape[1]
        lam, V, Vi, modal_ok, b, y0, c = jax.vmap(prepare)(p)
        V_feed = V[:, feed_rows]
        W = jnp.einsum("bkl,bml->bkm", b[:, None, :] + jnp.einsum("bkc,lc->bkl", rates, Bmat), Vi)  # (B, K, nL)
        z0 = jnp.einsum("bml,bl->bm", Vi, y0[:, L])
        previous = jnp.concatenate([rates[:, :1] * jnp.nan, rates[:, :-1]], axis=1)
        changed = jnp.any(jumps != 0, axis=2) | jnp.any(rates != previous, axis=2)   # (B, K)
        tc = jnp.clip(ts, breaks[0], breaks[-1])
        state0 = start(y0[:, R], jnp.full((nb,), FIRST_STEP), ts.shape[0])

        def segment(carry, k):
            z, s, ok = carry
            t0, t1 = breaks[k], breaks[k + 1]
            z = z + jnp.einsum("bml,bl->bm", Vi, jumps[:, k][:, L])
            y = s.y + jumps[:, k][:, R]
            at0 = jnp.searchsorted(tc, t0, side="left")
            j0 = jnp.minimum(at0, tc.shape[0] - 1)
            first = (at0 < tc.shape[0]) & (tc[j0] == t0)
            out = s.out.at[:, j0].set(jnp.where(first, y, s.out[:, j0]))
            h = jnp.minimum(jnp.where(changed[:, k], FIRST_STEP, s.h), t1 - t0)
            s = s._replace(y=y, h=h, out=out, accepted=jnp.zeros_like(s.accepted), rejected=jnp.zeros_like(s.rejected))
            w = W[:, k]
            args = (p, c, rates[:, k], z, w, lam, V_feed, jnp.full((nb,), t0))
            s, done = integrate(t0, t1, s, args, tc, k == K - 1)
            mean_step = (t1 - t0) / jnp.maximum(s.accepted, 1)
            s = s._replace(h=2.0 * mean_step)
            return (modal(z, w, lam, t1 - t0), s, ok & done), (z, s.accepted)

        (_, s, ok), (starts, accepted) = jax.lax.scan(segment, (z0, state0, modal_ok), jnp.arange(K))
        rest = s.out[:, jnp.searchsorted(tc, tc, side="left")]         # repeated output times
        # the linear block at the output times, from the modal state at the start of each one's segment
        k_t = jnp.clip(jnp.searchsorted(breaks, ts, side="right") - 1, 0, K - 1)
        h = (ts - breaks[k_t])[None, :, None]
        starts = jnp.swapaxes(starts, 0, 1)                                # (B, K, nL)
        y_lin = jnp.einsum("btm,blm->btl", modal(starts[:, k_t], W[:, k_t], lam[:, None, :], h), V)
        out = jnp.zeros((nb, ts.shape[0], n_states)).at[:, :, L].set(y_lin).at[:, :, R].set(rest)
        return out, ok & jnp.all(jnp.isfinite(out), axis=(1, 2)), (s.tried, s.jacobians, accepted)

    return solve


@lru_cache(maxsize=16)
def jitted_split(source: str, part: Partition, channels: tuple[int, ...], n_states: int,
                 rtol: float, atol: float, max_steps: int, batched: bool, modal_by: str):
    """jit the split solve; unbatched, one system as a batch of one."""
    from . import jaxconfig

    fn = make_split_solve(source, part, channels, n_states, rtol, atol, max_steps, modal_by)
    if not batched:
        def one(p, jumps, rates, breaks, ts):
            ys, ok, _ = fn(p[None], jumps[None], rates[None], breaks, ts)
            return ys[0], ok[0]
        return jaxconfig.jit(one)
    return jaxconfig.jit(lambda p, jumps, rates, breaks, ts: fn(p, jumps, rates, breaks, ts)[:2])
