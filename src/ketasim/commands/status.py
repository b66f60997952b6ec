"""Status on stderr while a command works: what it is building, solving or writing.

A run is silent for tens of seconds while the model compiles and solves; a status line
says what is happening. On a terminal it is a spinner with the step's message, gone when
the step ends. Off a terminal (a pipe, a log file, a test) nothing is shown: a log gets
the results and, on bad input, the one error line, never a trail of steps in front of it
(a check deep inside a step, e.g. an experiment's unknown observable, is still the only
line on stderr). Status goes to stderr only, so `--json` output on stdout stays clean.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console

from .common import err_console


@contextmanager
def working(message: str, console: Console | None = None) -> Iterator[None]:
    """Show `message` (e.g. 'solving 0-24 h...') as a spinner while the block runs when the
    console (default: stderr) is a terminal; show nothing otherwise."""
    out = console if console is not None else err_console
    if not out.is_terminal:
        yield
        return
    with out.status(message):
        yield
