"""Assembled models kept on disk between processes (beside JAX's compilation cache).

Assembling the full model parses some 400 equations with SymPy and generates its code:
about 0.6 s in every process that builds it (each `ketasim run`, each trial worker, each
CLI test). A pickle of the assembled model, its generated source included, loads in about
0.03 s: its SymPy expressions are written so that loading rebuilds them without SymPy's
evaluation (`sympy_pickle`; a plain pickle takes 0.24 s). The key is a SHA-256 of the
caller's key (the full text of the modules assembled, species and hypotheses: a module
list changed in memory, as a test may do, is a new key),
the content of every file of the ketasim package (code and data: a change to the
assembler or code generator gives a new key too), and the Python and SymPy versions. A
file that cannot be read or unpickled is built again; a cache that cannot be written is
skipped; KETASIM_JAX_CACHE=off builds every time. The files are pickles: like JAX's
compiled programs in the same folder, they are trusted as the user's own.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path
from typing import Callable

from ..cache import compilation_cache_dir, package_digest
from .model import AssembledModel
from .sympy_pickle import dumps


def model_path(key: tuple) -> Path | None:
    """Where the model of `key` is kept, or None when caching is off."""
    import sympy

    root = compilation_cache_dir()
    if root is None:
        return None
    text = repr((key, package_digest(), sys.version, sympy.__version__))
    return root / "models" / f"{hashlib.sha256(text.encode()).hexdigest()}.pickle"


def cached_model(key: tuple, build: Callable[[], AssembledModel]) -> AssembledModel:
    """The model `build()` returns, read from the cache folder when a process has built it
    before (its generated source included); `key` (its repr) must determine what `build`
    assembles: the modules' full text, not their names."""
    from ..files import atomic_write

    path = model_path(key)
    if path is not None and path.exists():
        try:
            model = pickle.loads(path.read_bytes())
            if isinstance(model, AssembledModel):
                return model
        except Exception:  # noqa: BLE001 -- any unreadable entry (cut short, older class layout): build again
            pass
    model = build()
    model.source  # noqa: B018 -- generated now, so the pickle carries it
    if path is not None:
        try:
            data = dumps(model)
            atomic_write(path, lambda p: p.write_bytes(data))
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass  # a cache that cannot be written costs only time
    return model
