"""Status lines on stderr while a command works: what it is building, solving or writing.

A run is quiet for tens of seconds while the model compiles and solves; a status line
says what is happening. On a terminal it is a spinner that disappears when the step ends;
when stderr is not a terminal (a log file, a pipe, a test) it is one plain line per step,
without spinner or colour. Status goes to stderr only, so `--json` output on stdout stays
machine-readable. Commands show status only after their input is checked, so a refusal
is still the one line on stderr.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console

from .common import err_console


@contextmanager
def working(message: str, console: Console | None = None) -> Iterator[None]:
    """Show `message` (e.g. 'solving 0-24 h...') while the block runs: a transient spinner on
    a terminal, else one plain line. console: where to show it (default: the stderr console)."""
    out = console if console is not None else err_console
    if out.is_terminal:
        with out.status(message):
            yield
        return
    out.print(message, markup=False, highlight=False, soft_wrap=True)
    yield
