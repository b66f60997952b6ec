"""JAX set-up shared by the JAX solvers: float64 on CPU, the persistent compilation cache, and
`jit`, the one way ketasim compiles (with `COMPILER_OPTIONS` where XLA accepts them).

Import this module before diffrax, equinox or optimistix. It sets EQX_ON_ERROR=nan (unless
the user set it): ketasim calls diffrax and optimistix with throw=False and checks the
result flags and finiteness itself (`engine.failure.diagnose` names module and time), and
equinox's default ("raise") compiles a host callback into every program, which JAX's
persistent cache refuses to store, so every process traced and compiled the whole-model
solve again.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Callable

# A user's script that imported equinox first keeps its own setting: results are the same,
# only the whole-model diffrax programs are then not kept in the persistent cache.
os.environ.setdefault("EQX_ON_ERROR", "nan")

import jax  # noqa: E402

from ..cache import compilation_cache_dir  # noqa: E402

jax.config.update("jax_enable_x64", True)


def enable_compilation_cache() -> str:
    """Turn on JAX's persistent compilation cache in `cache.compilation_cache_dir()`."""
    path = compilation_cache_dir()
    if path is None:
        return "off"
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return str(path)


enable_compilation_cache()


COMPILER_OPTIONS = {"xla_cpu_use_fusion_emitters": False}
"""XLA options every ketasim program is compiled with, where the installed XLA knows them.

XLA's CPU fusion emitters (its default since about jaxlib 0.5) compile each fusion as an
LLVM module of its own; the generated right-hand sides are hundreds of small scalar
fusions (890 kernels in the standard run's split solve), so compilation dominated a cold
run. The older elemental emitters, with this option, measured on jaxlib 0.10.2, 2 cores:
the standard `ketasim run`'s split solve compiles in 6.2 s against 10.8 s (one cold run
each, `JAX_LOG_COMPILES`); the benchmark trial (2,000 patients x 4 arms x 28 days, 2
workers, fresh cache) compiled in 19.8 s against 34.1 s and ran in 28.1 s against 31.9 s.
Outputs agree to rounding (tests/test_backends.py and tests/test_split_solve.py compare the
solvers with SciPy's; tests/test_jaxconfig.py compares a program with and without them)."""


@lru_cache(maxsize=1)
def compiler_options() -> dict[str, object] | None:
    """`COMPILER_OPTIONS` if this XLA accepts them, else None (an option XLA does not know is
    an error at compile time, and a newer or older jaxlib may lack one): checked once per
    process by compiling a one-line program with them (milliseconds; lowered from an abstract
    argument, so no array is made and nothing else is compiled at start-up)."""
    try:
        jax.jit(lambda x: x + 1.0, compiler_options=COMPILER_OPTIONS).lower(jax.ShapeDtypeStruct((1,), "float64")).compile()
    except Exception:  # noqa: BLE001  (XLA's INVALID_ARGUMENT for an unknown option)
        return None
    return dict(COMPILER_OPTIONS)


def jit(fn: Callable) -> Callable:
    """`jax.jit(fn)` with `compiler_options()`: every compiled ketasim program goes through here,
    so all of them (and their persistent-cache keys) are built with the same options."""
    options = compiler_options()
    return jax.jit(fn) if options is None else jax.jit(fn, compiler_options=options)
