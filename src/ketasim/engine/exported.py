"""Compiled solves kept across processes: JAX programs exported once per model and shapes.

JAX's persistent cache keeps the compiled machine code, but every new process still
traces the solve again (Python through diffrax: 2-3 s for the whole model) before it can
look the code up. `Program` skips that: the first time a model's solve is called with
given argument shapes it is exported (`jax.export`: the traced, lowered program as
bytes) into the cache folder (`cache.compilation_cache_dir`, subfolder `exported`); any
later process deserialises it (milliseconds), and the compiled code then comes from the
persistent cache. diffrax itself is not imported on that path (`build` runs only on a miss).

A program's file name is a hash of: what the caller says identifies it (the model's
generated source, the solver and tolerances, ...), the argument shapes and dtypes, the
versions of ketasim, JAX, jaxlib, diffrax, equinox and optimistix, and the content of
ketasim's own files (`cache.package_digest`), so a changed model, solver or library never
loads a stale program. With caching off (KETASIM_JAX_CACHE=off) a
Program is the plain jitted function. A file that cannot be read is exported again; one
that cannot be written (a read-only cache) is skipped. Files are written through
`files.atomic_write`, so a parallel reader sees a whole program or none. Before a program
new to the process is loaded or built, compiled programs that crowd the process's memory
mappings are let go (`code_memory.release_if_crowded`): a process that runs hundreds of
models (the scorecard, `ketasim hypotheses`, a long-lived explorer) would otherwise reach
the kernel's limit and abort.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..files import atomic_write
from .code_memory import release_if_crowded
from ..cache import compilation_cache_dir, package_digest

SUBFOLDER = "exported"
SUFFIX = ".jaxexport"
LIBRARIES = ("ketasim", "jax", "jaxlib", "diffrax", "equinox", "optimistix")
"""Packages whose versions are part of every program's key (the program embeds their code)."""


@lru_cache(maxsize=1)
def versions() -> str:
    """The installed versions of `LIBRARIES`, as one string (read from metadata, nothing imported)."""
    out = []
    for name in LIBRARIES:
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=-")
    return ";".join(out)


def shapes_of(args: tuple) -> tuple[tuple[tuple[int, ...], str], ...]:
    """(shape, dtype) of each argument, as the program is specialised to them (read from the
    arguments' own attributes where they have them: a device array is not copied to the host)."""
    return tuple((tuple(np.shape(a)), str(a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype)) for a in args)


def identity_digest(name: str, identity: str) -> str:
    """SHA-256 of a program's name, identity, the library versions and ketasim's own files
    (`cache.package_digest`: the solvers' code is not in the identity, and a changed solver
    with the same version number must not read an old program): the part of its key that does
    not depend on the call (computed once per Program)."""
    h = hashlib.sha256()
    for part in (name, identity, versions(), package_digest()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def program_key(name: str, digest: str, args: tuple) -> str:
    """The file stem of a program: its name and a SHA-256 of its `identity_digest` and the
    argument shapes."""
    return f"{name}-{hashlib.sha256(f'{digest}|{shapes_of(args)!r}'.encode()).hexdigest()[:32]}"


class Program:
    """A solve compiled once per model and argument shapes, kept across processes.

    name: a short label (the file name's prefix); identity: text that identifies the
    function for the caller (two functions with the same identity must compute the same);
    build: makes the jitted function (called only when no exported program is on disk).
    Calling the Program calls the function. `loaded` counts programs read from disk
    (for tests and benchmarks).
    """

    def __init__(self, name: str, identity: str, build: Callable[[], Callable]):
        self.name, self.build = name, build
        self.digest = identity_digest(name, identity)
        self.calls: dict[str, Callable] = {}
        self.loaded = 0
        self.function: Callable | None = None

    def __call__(self, *args: Any):
        folder = compilation_cache_dir()
        if folder is None:
            if self.function is None:
                release_if_crowded()
            return self.jitted()(*args)
        key = program_key(self.name, self.digest, args)
        fn = self.calls.get(key)
        if fn is None:
            release_if_crowded()
            fn = self.calls[key] = self.load_or_export(folder / SUBFOLDER / f"{key}{SUFFIX}", args)
        return fn(*args)

    def jitted(self) -> Callable:
        """The jitted function itself (built on first use)."""
        if self.function is None:
            self.function = self.build()
        return self.function

    def load_or_export(self, path: Path, args: tuple) -> Callable:
        """The program at `path` (deserialised), or, when absent or unreadable, the function
        exported for these argument shapes and written there."""
        from . import jaxconfig  # float64 and EQX_ON_ERROR before JAX is imported; its jit

        import jax

        if path.exists():
            try:
                exported = jax.export.deserialize(bytearray(path.read_bytes()))
                self.loaded += 1
                return jaxconfig.jit(exported.call)
            except Exception:  # noqa: BLE001  (a truncated or foreign file: export it again)
                pass
        specs = [jax.ShapeDtypeStruct(shape, np.dtype(dtype)) for shape, dtype in shapes_of(args)]
        exported = jax.export.export(self.jitted())(*specs)
        blob = bytes(exported.serialize())
        try:
            atomic_write(path, lambda tmp: tmp.write_bytes(blob))
        except OSError:
            pass  # a cache that cannot be written only costs time (the next process exports again)
        return jaxconfig.jit(exported.call)
