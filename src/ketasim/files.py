"""Writing and reading files the safe way: nothing half-written, errors as one line.

`atomic_write` writes through a temporary file in the destination folder and renames it
into place, so a failure leaves the old file untouched; the result gets the usual
permissions (umask), not mkstemp's 0600. `atomic_group` does the same for several files
that belong together (a run's results and report): every file is written to its
temporary first and only when all succeeded are they renamed into place, so a failure
while writing leaves every old file as it was, never a new file beside an old one.
`check_output` refuses, before any work, an output path that cannot be written (a
folder, a path below a file, a folder that cannot be created or written). `read_toml`
turns an unreadable, non-UTF-8 or malformed file into the caller's `InputError`
subclass naming where it came from.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Callable, Mapping

from .errors import InputError


def atomic_write(path: Path, writer: Callable[[Path], object]) -> None:
    """Call writer(temporary path), then rename it to `path` (folders are created)."""
    atomic_group({Path(path): writer})


def _temporary(path: Path) -> Path:
    """An empty temporary file beside `path`, with umask permissions (not mkstemp's 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    return Path(tmp)


def atomic_group(writers: Mapping[Path, Callable[[Path], object]]) -> None:
    """Write several files as one group: writer(temporary path) for each, in order, then
    rename them all into place. If a writer (or a rename's preparation) fails, no file of
    the group is replaced and the temporaries are removed. Folders are created."""
    temps: dict[Path, Path] = {}
    try:
        for path, writer in writers.items():
            tmp = _temporary(Path(path))
            temps[Path(path)] = tmp
            writer(tmp)
        for path, tmp in temps.items():
            os.replace(tmp, path)
    finally:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)


def check_output(path: Path, field: str, error: type[InputError] = InputError) -> Path:
    """`path` if a file can be written there, else `error` naming `field` (one line).

    Refused: an existing folder, a path whose parent is (or lies below) a file, a parent
    that does not exist and cannot be created there, a parent that is not writable. Checked
    before any work, so a run does not simulate for minutes and then fail to write. Nothing
    is created."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{field}: {path} is a folder (give a file name)")
    if path.exists() and not os.access(path, os.W_OK):
        raise error(f"{field}: {path} exists and is not writable")
    check_folder(path.parent, field, error, what=str(path))
    return path


def check_folder(folder: Path, field: str, error: type[InputError] = InputError, what: str | None = None) -> Path:
    """`folder` if it exists and is writable, or could be created (its nearest existing
    ancestor is a writable folder); else `error` naming `field`. Nothing is created."""
    folder = Path(folder)
    what = what or str(folder)
    probe = folder
    while not probe.exists():
        if probe.is_symlink():
            raise error(f"{field}: cannot write {what} ({probe} is a broken link)")
        if probe.parent == probe:
            break
        probe = probe.parent
    probe = probe if str(probe) else Path(".")
    if not probe.is_dir():
        raise error(f"{field}: cannot write {what} ({probe} is a file, not a folder)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise error(f"{field}: cannot write {what} (folder {probe} is not writable)")
    return folder


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def read_text(path: Path, where: str, error: type[InputError] = InputError) -> str:
    """The UTF-8 text at `path`; `error(f"{where}: ...")` in one line when the file cannot be
    read or is not UTF-8 (naming the first bad byte and its offset)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{where}: cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise error(f"{where}: not a UTF-8 text file (byte {exc.object[exc.start]:#04x} "
                    f"at offset {exc.start})") from None


def read_toml(path: Path, where: str, error: type[InputError] = InputError) -> dict:
    """The parsed TOML document at `path`; `error(f"{where}: ...")` when unreadable or invalid."""
    text = read_text(path, where, error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML ({exc})") from None
