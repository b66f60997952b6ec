"""engine.jaxconfig: every program is compiled with the declared XLA options where the installed
XLA knows them, and without them (not with an error) where it does not."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.engine import jaxconfig


@pytest.fixture
def fresh_options():
    """compiler_options() re-checked inside the test and again after it (it is cached per process)."""
    jaxconfig.compiler_options.cache_clear()
    yield
    jaxconfig.compiler_options.cache_clear()


def test_declared_options_are_accepted_by_the_installed_xla(fresh_options):
    """On the pinned jaxlib the options are used, not silently dropped (the compile-time saving
    recorded in COMPILER_OPTIONS' docstring depends on them)."""
    assert jaxconfig.compiler_options() == jaxconfig.COMPILER_OPTIONS


def test_an_option_xla_does_not_know_is_left_out(fresh_options, monkeypatch):
    """An option a newer or older XLA lacks turns the options off; programs still compile and
    compute the same."""
    import jax.numpy as jnp

    monkeypatch.setattr(jaxconfig, "COMPILER_OPTIONS", {"xla_cpu_no_such_option_anywhere": True})
    assert jaxconfig.compiler_options() is None
    f = jaxconfig.jit(lambda x: jnp.sin(x) * 2.0)
    x = np.linspace(0.0, 1.0, 5)
    assert np.allclose(np.asarray(f(x)), np.sin(x) * 2.0, rtol=1e-15)


def test_options_do_not_change_what_a_program_computes(fresh_options):
    """The same function, with and without the options: results equal to rounding."""
    import jax
    import jax.numpy as jnp

    def g(x):
        return jnp.exp(-x) * jnp.cos(3.0 * x) + x ** 3 / (1.0 + x * x)

    x = np.linspace(-2.0, 2.0, 101)
    with_options = np.asarray(jaxconfig.jit(g)(x))
    plain = np.asarray(jax.jit(g)(x))
    assert np.allclose(with_options, plain, rtol=1e-14, atol=1e-15)
