"""engine.block_solve: the blocks come out dependencies first, and block substitution solves
the same systems as a dense solve."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.engine import jaxconfig  # noqa: F401  (float64)
from ketasim.engine.block_solve import colour_groups, dense, factor, inverse, mask, solve, structure_of


def check_order(structure) -> None:
    """Every block covers its states once, and reads outside a block point to earlier blocks."""
    seen: set[int] = set()
    for block in structure.blocks:
        for i in block:
            assert set(structure.reads[i]) - set(block) <= seen
        assert not seen & set(block)
        seen |= set(block)
    assert seen == set(range(len(structure.reads)))


def test_a_cycle_is_one_block_and_dependencies_come_first():
    # 0 <-> 1 a cycle; 2 reads 0; 3 reads nothing; 4 reads 2 and 3; 5 reads itself only
    s = structure_of([[1], [0, 1], [0], [], [2, 3], [5]])
    assert sorted(s.blocks) == [(0, 1), (2,), (3,), (4,), (5,)]
    check_order(s)
    assert s.reads[1] == (0,) and s.reads[5] == ()        # self-reads are not reads
    assert mask(s, 6)[4].tolist() == [0, 0, 1, 1, 1, 0]


@pytest.mark.parametrize("seed", range(5))
def test_random_graphs_are_ordered(seed):
    rng = np.random.default_rng(seed)
    n = 25
    reads = [list(np.flatnonzero(rng.random(n) < 0.08)) for _ in range(n)]
    check_order(structure_of(reads))


@pytest.mark.parametrize("seed", range(5))
def test_colour_groups_share_no_row_and_cover_every_column(seed):
    rng = np.random.default_rng(seed)
    n = 25
    s = structure_of([list(np.flatnonzero(rng.random(n) < 0.1)) for _ in range(n)])
    groups = colour_groups(s)
    assert sorted(j for g in groups for j in g) == list(range(n))
    pattern = mask(s, n)
    for g in groups:
        assert np.all(pattern[:, list(g)].sum(axis=1) <= 1)   # each row meets a group at most once
    assert len(colour_groups(dense(4))) == 4


def test_dense_is_one_block_of_everything():
    s = dense(4)
    assert s.blocks == ((0, 1, 2, 3),)
    assert mask(s, 4).tolist() == np.ones((4, 4)).tolist()


@pytest.mark.parametrize("density", [0.0, 0.1, 0.3])
def test_block_substitution_solves_what_a_dense_solve_solves(density):
    import jax.numpy as jnp

    rng = np.random.default_rng(7)
    n, batch = 12, 5
    reads = [list(np.flatnonzero(rng.random(n) < density)) for _ in range(n)]
    reads[3] += [4]
    reads[4] += [3]                                        # at least one cycle
    s = structure_of(reads)
    J = rng.normal(size=(batch, n, n)) * mask(s, n)[None]
    M = np.eye(n)[None] - 0.43 * 0.5 * J
    r = rng.normal(size=(batch, n))
    x = np.asarray(solve(jnp.asarray(M), factor(jnp.asarray(M), s), jnp.asarray(r), s))
    np.testing.assert_allclose(x, np.linalg.solve(M, r[..., None])[..., 0], rtol=1e-10, atol=1e-12)
    full = dense(n)
    xd = np.asarray(solve(jnp.asarray(M), factor(jnp.asarray(M), full), jnp.asarray(r), full))
    np.testing.assert_allclose(xd, x, rtol=1e-10, atol=1e-12)


def test_inverse_is_the_inverse():
    import jax.numpy as jnp

    rng = np.random.default_rng(3)
    M = np.eye(6)[None] - 0.2 * rng.normal(size=(4, 6, 6))
    np.testing.assert_allclose(np.asarray(inverse(jnp.asarray(M))), np.linalg.inv(M), rtol=1e-10, atol=1e-12)


def test_the_trial_models_rest_is_small_blocks_and_its_jacobian_lies_inside_the_structure():
    """The structure the split solve uses is right for the model: the Jacobian of the rest
    (forward mode, at the initial state with a dose running) is zero outside it, so zeroing it
    there changes nothing."""
    import jax
    import jax.numpy as jnp

    from ketasim.engine.codegen import compile_hoisted, compile_source
    from ketasim.engine.partition import partition
    from ketasim.mechanisms.registry import build_model

    model = build_model("human", {}, frozenset({"ketamine"}))
    part = partition(model)
    s = structure_of(part.rest_reads)
    check_order(s)
    assert max(len(b) for b in s.blocks) <= len(part.rest) // 4   # the point of the structure
    constants, rhs_c = compile_hoisted(model.source, "jax")
    _, _, init = compile_source(model.source, "jax")
    p = jnp.asarray(model.param_vector)
    y0 = init(p)
    R = np.asarray(part.rest)
    u = jnp.ones(len(model.dose_channels))
    y = y0.at[np.asarray(part.linear)].add(0.5)           # some drug everywhere in the linear block

    def f(yr):
        return rhs_c(30.0, y.at[R].set(yr), p, u, constants(p))[R]

    yr = y[R] * 1.1 + 0.01
    J = np.asarray(jax.jacfwd(f)(yr))
    outside = mask(s, len(R)) == 0
    assert np.all(J[outside] == 0.0)
    assert np.count_nonzero(J) > len(R)                    # not a trivially diagonal Jacobian
    # the compressed Jacobian (one pass per colour group) is the same matrix, and f_t too
    from ketasim.engine.rosenbrock import compressed_jacobian

    def g(t, yy, args):
        return rhs_c(t, y.at[R].set(yy), p, u, constants(p))[R]

    Jc, ftc = compressed_jacobian(g, s)(jnp.array([30.0]), yr[None], (jnp.zeros(1),))
    # equal to rounding: a colour group's pass sums its columns' seeds, so the operations' order may differ
    np.testing.assert_allclose(np.asarray(Jc[0]), J, rtol=1e-12, atol=0)
    ft = np.asarray(jax.jacfwd(lambda t: g(t, yr, None))(30.0))
    np.testing.assert_allclose(np.asarray(ftc[0]), ft, rtol=1e-12, atol=0)


def test_block_feeds_and_what_lies_downstream():
    from ketasim.engine.block_solve import block_feeds, downstream

    # 0 <- 1 <-> 2 (one block) <- 3; 4 reads 0 only
    s = structure_of([(), (0, 2), (1,), (2,), (0,)])
    assert s.blocks == ((0,), (1, 2), (3,), (4,))
    assert block_feeds(s) == [[], [0], [1], [0]]
    assert downstream(block_feeds(s)) == [{1, 2, 3}, {2}, set(), set()]
