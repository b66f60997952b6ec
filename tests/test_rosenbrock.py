"""engine.rosenbrock: the ROS34PW2 coefficients have the orders they claim, with an exact and
with a perturbed Jacobian (the W-property), and the batched integrator with its error control
and dense output meets the exact solution of a stiff, time-driven problem."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.engine import jaxconfig  # noqa: F401  (float64)
from ketasim.engine import rosenbrock as ros


def problem(t, y, args):
    """A stiff, nonlinear, time-driven test system (the slow rest's shape: a fast state relaxing
    to a forcing, a slow nonlinear state reading it); args: (stiffness,)."""
    import jax.numpy as jnp

    (k,) = args
    forcing = jnp.exp(-0.3 * t) * jnp.sin(t)
    return jnp.stack([-k * (y[0] - forcing), 0.5 * y[0] * y[0] - 0.2 * y[1] ** 3])


def derivatives(t, y, k, perturb):
    import jax

    J, ft = jax.jacfwd(problem, argnums=(1, 0))(t, y, (k,))
    return J * (1.0 + perturb), ft * (1.0 + perturb)


def end_of(h: float, k: float, perturb: float, t1: float = 1.0):
    """(y, embedded y) after fixed steps of h from y = (0, 1) at 0, Jacobian and f_t refreshed
    every step and scaled by 1 + perturb."""
    import jax
    import jax.numpy as jnp

    step = jax.jit(ros.make_step(problem, 2))   # compiled once, not run op by op at every step
    local = jax.jit(lambda t, y: (*derivatives(t, y, k, perturb), problem(t, y, (k,))))
    y = jnp.array([[0.0, 1.0]])
    t = 0.0
    low = None
    for _ in range(int(round(t1 / h))):
        J, ft, f = local(t, y[0])
        ta, ha = jnp.array([t]), jnp.array([h])
        y1, err, f0 = step(ta, y, ha, J[None], ft[None], (jnp.array([k]),))
        assert np.allclose(f0[0], f)  # the first stage's evaluation, returned for dense output
        low = y1 - err
        y, t = y1, t + h
    return np.asarray(y[0]), np.asarray(low[0])


def reference(k: float, t1: float = 1.0, ts=None) -> np.ndarray:
    """A tight Radau solve (NumPy right-hand side): y at t1, or (len(ts), 2) at ts."""
    from scipy.integrate import solve_ivp

    def f(t, y):
        forcing = np.exp(-0.3 * t) * np.sin(t)
        return [-k * (y[0] - forcing), 0.5 * y[0] * y[0] - 0.2 * y[1] ** 3]

    sol = solve_ivp(f, (0.0, t1), [0.0, 1.0], method="Radau", rtol=1e-12, atol=1e-14,
                    t_eval=None if ts is None else ts)
    return sol.y[:, -1] if ts is None else sol.y.T


@pytest.mark.parametrize("perturb", [0.0, 0.3])
def test_orders_three_and_two_with_exact_and_perturbed_jacobians(perturb):
    """The global error at t = 1 falls about 8x per halving of h (order 3), and the embedded
    solution's error after one step about 8x (order 2: local error h^3)."""
    k = 2.0   # not stiff, so the asymptotic order shows at moderate h
    exact = reference(k)
    errs = [np.max(np.abs(end_of(h, k, perturb)[0] - exact)) for h in (0.1, 0.05, 0.025)]
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(orders > 2.7) and np.all(orders < 3.5), orders
    # the embedded solution: local error of one step, order 2 => one-step error ~h^3
    loc = []
    for h in (0.1, 0.05, 0.025):
        _, low = end_of(h, k, perturb, t1=h)
        loc.append(np.max(np.abs(low - reference(k, h))))
    lorders = np.log2(np.array(loc[:-1]) / np.array(loc[1:]))
    assert np.all(lorders > 2.6) and np.all(lorders < 3.6), lorders


def test_integrator_meets_the_exact_solution_of_a_stiff_batch_at_its_outputs():
    """A batch of two stiffnesses (1e3 and 1e5 per time unit) through `make_integrate` over two
    intervals: outputs (dense, inside steps) within a few tolerances of a tight Radau solve, and
    the solution at the end does not depend on the output grid."""
    import jax
    import jax.numpy as jnp

    ks = np.array([1e3, 1e5])
    control = ros.Control(rtol=1e-6, atol=1e-9, max_steps=100_000, jac_every=4)
    integrate = jax.jit(ros.make_integrate(problem, 2, control), static_argnums=(5,))

    def run(ts):
        state = ros.start(jnp.array([[0.0, 1.0], [0.0, 1.0]]), jnp.full((2,), 1e-4), len(ts))
        state, ok1 = integrate(0.0, 2.0, state, (jnp.asarray(ks),), jnp.asarray(ts), False)
        state = state._replace(h=jnp.full((2,), 1e-3))
        state, ok2 = integrate(2.0, 5.0, state, (jnp.asarray(ks),), jnp.asarray(ts), True)
        assert bool(np.all(ok1)) and bool(np.all(ok2))
        return np.asarray(state.out), np.asarray(state.y)

    ts = np.array([0.37, 1.0, 1.9, 3.3, 4.25, 5.0])
    out, end = run(ts)
    for b, k in enumerate(ks):
        assert np.allclose(out[b], reference(k, 5.0, ts), rtol=2e-5, atol=1e-7), k
    _, end_fine = run(np.linspace(0.01, 5.0, 97))
    assert np.array_equal(end, end_fine)
