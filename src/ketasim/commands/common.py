"""What every `ketasim` command shares: the consoles, the one-line refusal, and option parsing.

Bad user input (`InputError`) becomes one line on stderr and exit status 2; a numerical
failure (`SimulationError`) one line and exit status 3. The commands import from here,
and `ketasim.cli` only builds the Typer app and registers them, so no command imports
the command line back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, TypeVar

import typer
from rich.console import Console

from ..files import atomic_group

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


# The fields the dose, patient, model and solver checks name (those of an experiment file;
# the command line's dose is the event '--dose'), as the options of the commands that take
# a one-dose regimen (run, sensitivity, circuit): `guard(go, REGIMEN_OPTIONS)`.
REGIMEN_OPTIONS = {"--dose.drug": "--drug", "--dose.route": "--route", "--dose.dose": "--dose",
                   "--dose.duration": "--infusion", "patient.": "--", "species": "--species",
                   "hypotheses.": "--hypothesis ", "solver": "--solver"}


def fail(message: str, code: int = 2) -> None:
    """Print `error: message` as one line on stderr and exit with `code`."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def option_named(message: str, options: Mapping[str, str]) -> str:
    """`message` ('field: what is wrong') with its field named as the command-line option the
    user typed. options: internal field -> option ('patient.species' -> '--species'); a key
    ending in '.' renames every field under it ('hypotheses.' -> '--hypothesis ' makes
    'hypotheses.opioid_gate' '--hypothesis opioid_gate'). Why: the model, patient and dose
    checks name the fields of an experiment file; a command maps them back once, here."""
    field, sep, rest = message.partition(": ")
    if not sep:
        return message
    if field in options:
        return f"{options[field]}{sep}{rest}"
    for prefix, option in options.items():
        if prefix.endswith(".") and field.startswith(prefix):
            return f"{option}{field[len(prefix):]}{sep}{rest}"
    return message


def guard(fn: Callable[[], T], options: Mapping[str, str] | None = None) -> T:
    """Run fn(); known input errors become one line on stderr and exit status 2 (numerical failures: 3).

    options: the command's map from internal fields to its options (`option_named`), so the
    line names what the user typed."""
    from ..errors import InputError
    from ..simulate import SimulationError

    try:
        return fn()
    except InputError as exc:
        fail(option_named(str(exc), options or {}))
    except SimulationError as exc:
        fail(str(exc), code=3)


def parse_assignments(items: list[str], field: str) -> dict[str, str]:
    """A repeatable `NAME=VALUE` option (`field`, e.g. "--hypothesis") as a mapping; a missing
    `=`, a name given twice or a text longer than `limits.MAX_NAME_CHARS` a side is refused
    (never echoed whole)."""
    from ..limits import MAX_NAME_CHARS, shown

    out = {}
    for it in items:
        if len(it) > 2 * MAX_NAME_CHARS + 1:
            fail(f"{field}: at most {MAX_NAME_CHARS} characters a side of NAME=VALUE (got {shown(it)})")
        if "=" not in it:
            fail(f"{field}: expected NAME=VALUE, got {shown(it)}")
        k, v = (x.strip() for x in it.split("=", 1))
        if k in out:
            fail(f"{field}: {shown(k)} given twice")
        out[k] = v
    return out


def parse_hypotheses(items: list[str]) -> dict[str, str]:
    """The repeatable `--hypothesis NAME=VALUE` option as a mapping (`parse_assignments`)."""
    return parse_assignments(items, "--hypothesis")


def write_figures(folder: Path, figs: dict) -> list[str]:
    """Write matplotlib figures as PNG files into `folder` as one group (all or none replaced,
    `files.atomic_group`); returns the paths."""
    atomic_group({folder / name: (lambda p, f=fig: f.savefig(p, format="png", dpi=120)) for name, fig in figs.items()})
    return [str(folder / n) for n in figs]
