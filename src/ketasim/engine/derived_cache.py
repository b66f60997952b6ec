"""Results derived from a model's text, kept in memory and on disk between processes.

Symbolic analysis of the assembled model (its linear form, its partition into blocks) and
the report's rendering of its equations (MathML) take a noticeable part of a warm run's
start-up, and each is a pure function of text the model already has. `cached_json` keeps
such a result in this process and, as JSON, in the cache folder (`cache.compilation_cache_dir`,
subfolder `kind`), keyed by a SHA-256 of the key text and the ketasim and SymPy versions.
A key must name everything the result depends on (the model's generated source; for code
still changing between releases, `cache.package_digest`). An unreadable entry is
derived again; a cache that cannot be written only costs time; with caching off only the
in-process memo is kept.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from ..files import atomic_write_text

MEMO: dict[tuple[str, str], Any] = {}
"""Results derived in this process, by (kind, key text)."""

MISSING = object()


def cached_json(kind: str, key: str, derive: Callable[[], Any], encode: Callable[[Any], Any],
                decode: Callable[[Any], Any]) -> Any:
    """derive(), memoised by (kind, key) and stored on disk as JSON (encode: result -> JSON
    data, decode: JSON data -> result)."""
    memo_key = (kind, key)
    if memo_key not in MEMO:
        path = disk_path(kind, key)
        value = MISSING
        if path is not None and path.exists():
            try:
                value = decode(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                value = MISSING
        if value is MISSING:
            value = derive()
            if path is not None:
                store(path, encode(value))
        MEMO[memo_key] = value
    return MEMO[memo_key]


def disk_path(kind: str, key: str) -> Path | None:
    """The file of (kind, key), or None when caching is off."""
    from ..cache import compilation_cache_dir
    from ..version import __version__

    root = compilation_cache_dir()
    if root is None:
        return None
    digest = hashlib.sha256(f"{__version__}|{sympy_version()}|{key}".encode()).hexdigest()
    return root / kind / f"{digest}.json"


@lru_cache(maxsize=1)
def sympy_version() -> str:
    """SymPy's installed version, read from its metadata (a key need not import SymPy)."""
    return metadata.version("sympy")


def store(path: Path, data: Any) -> None:
    """Write JSON `data` to `path` (`files.atomic_write_text`: a reader sees all of it or none)."""
    try:
        atomic_write_text(path, json.dumps(data))
    except OSError:
        pass  # a cache that cannot be written only costs time
