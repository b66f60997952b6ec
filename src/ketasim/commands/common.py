"""What every `ketasim` command shares: the consoles, the one-line refusal, and option parsing.

Bad user input (`InputError`) becomes one line on stderr and exit status 2; a numerical
failure (`SimulationError`) one line and exit status 3. The commands import from here,
and `ketasim.cli` only builds the Typer app and registers them, so no command imports
the command line back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ..files import atomic_group

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


def fail(message: str, code: int = 2) -> None:
    """Print `error: message` as one line on stderr and exit with `code`."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guard(fn: Callable[[], T]) -> T:
    """Run fn(); known input errors become one line on stderr and exit status 2 (numerical failures: 3)."""
    from ..errors import InputError
    from ..simulate import SimulationError

    try:
        return fn()
    except InputError as exc:
        fail(str(exc))
    except SimulationError as exc:
        fail(str(exc), code=3)


def parse_hypotheses(items: list[str]) -> dict[str, str]:
    """The repeatable `--hypothesis NAME=VALUE` option as a mapping; a missing `=` or a text
    longer than `limits.MAX_NAME_CHARS` a side is refused (never echoed whole)."""
    from ..limits import MAX_NAME_CHARS, shown

    out = {}
    for it in items:
        if len(it) > 2 * MAX_NAME_CHARS + 1:
            fail(f"--hypothesis: at most {MAX_NAME_CHARS} characters a side of NAME=VALUE (got {shown(it)})")
        if "=" not in it:
            fail(f"--hypothesis: expected NAME=VALUE, got {shown(it)}")
        k, v = it.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def write_figures(folder: Path, figs: dict) -> list[str]:
    """Write matplotlib figures as PNG files into `folder` as one group (all or none replaced,
    `files.atomic_group`); returns the paths."""
    atomic_group({folder / name: (lambda p, f=fig: f.savefig(p, format="png", dpi=120)) for name, fig in figs.items()})
    return [str(folder / n) for n in figs]


def print_rows(title: str, rows: list[dict]) -> None:
    """Print rows (dicts with the same keys) as a Rich table; floats to 4 significant digits, None as —."""
    table = Table(title=title)
    for col in rows[0].keys() if rows else []:
        table.add_column(col)
    for r in rows:
        table.add_row(*[("—" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)) for v in r.values()])
    console.print(table)
