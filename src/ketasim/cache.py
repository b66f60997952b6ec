"""Where ketasim keeps what it computes once for later processes (no ketasim import here).

One folder holds JAX's persistent compilation cache, ketasim's exported solves
(`engine/exported.py`), assembled models (`engine/model_cache.py`), results derived from a
model's text (its linear form and partition, the report's MathML: `engine/derived_cache.py`),
and pint's parsed unit definitions
(`units.new_registry`): KETASIM_JAX_CACHE names it ("off" disables them all), default
~/.cache/ketasim/jax. Entries are keyed by content hashes, so a changed model, ketasim,
SymPy, pint or JAX version never reads a stale entry.
"""

from __future__ import annotations

import os
from pathlib import Path


def compilation_cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    path = os.environ.get("KETASIM_JAX_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "ketasim", "jax")
    return None if path == "off" else Path(path)
