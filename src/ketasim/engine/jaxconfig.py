"""JAX set-up shared by the JAX solvers: float64 on CPU and the persistent compilation cache.

Import this module before diffrax, equinox or optimistix. It sets EQX_ON_ERROR=nan (unless
the user set it): ketasim calls diffrax and optimistix with throw=False and checks the
result flags and finiteness itself (`engine.failure.diagnose` names module and time), and
equinox's default ("raise") compiles a host callback into every program, which JAX's
persistent cache refuses to store, so every process traced and compiled the whole-model
solve again.
"""

from __future__ import annotations

import os

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
