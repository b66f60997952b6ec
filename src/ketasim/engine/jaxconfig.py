"""JAX set-up shared by the JAX solvers: float64 on CPU and the persistent compilation cache."""

from __future__ import annotations

import jax

from .cache import compilation_cache_dir

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
