"""JAX set-up shared by the JAX solvers: float64 on CPU and the persistent compilation cache."""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)


def enable_compilation_cache(path: str | None = None) -> str:
    """Turn on JAX's persistent compilation cache (default ~/.cache/ketasim/jax).

    Set KETASIM_JAX_CACHE to choose the folder, or to "off" to disable it.
    """
    import os

    path = path or os.environ.get("KETASIM_JAX_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "ketasim", "jax")
    if path == "off":
        return path
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path


enable_compilation_cache()
