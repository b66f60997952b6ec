"""Writing and reading files the safe way: nothing half-written, errors as one line.

`atomic_write` writes through a temporary file in the destination folder and renames it
into place, so a failure leaves the old file untouched; the result gets the usual
permissions (umask), not mkstemp's 0600. `read_toml` turns an unreadable or malformed
file into the caller's `InputError` subclass naming where it came from.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Callable

from .errors import InputError


def atomic_write(path: Path, writer: Callable[[Path], object]) -> None:
    """Call writer(temporary path), then rename it to `path` (folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        writer(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def read_toml(path: Path, where: str, error: type[InputError] = InputError) -> dict:
    """The parsed TOML document at `path`; `error(f"{where}: ...")` when unreadable or invalid."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{where}: cannot read file ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML ({exc})") from None
