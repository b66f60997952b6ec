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

import hashlib
import os
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent   # the ketasim package folder


def compilation_cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    path = os.environ.get("KETASIM_JAX_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "ketasim", "jax")
    return None if path == "off" else Path(path)


@lru_cache(maxsize=1)
def package_digest() -> str:
    """SHA-256 over the relative path and bytes of every file of the package (byte-code
    caches excluded): part of the key of everything kept that ketasim's own code made (models,
    exported solves, derived results), so that a changed file, in an install whose version
    number did not change, never reads a stale entry. Computed once per process, about 10 ms."""
    h = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(PACKAGE)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()
