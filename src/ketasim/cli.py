"""The `ketasim` command line (Typer). Bad input: one line naming the field, exit 2.

This module only builds the Typer app and registers the commands, one line each; every
command lives in its own module under `ketasim/commands/`, and what they share (consoles,
the one-line refusal, option parsing) in `ketasim/commands/common.py`.
"""

from __future__ import annotations

import typer

from .commands.circuit import circuit
from .commands.common import err_console
from .commands.dataset import dataset_simulate, dataset_vpc
from .commands.experiment import experiment_run
from .commands.export import export_omex, export_sbml
from .commands.fit import fit
from .commands.hypotheses import hypotheses
from .commands.listing import list_names
from .commands.pk_check import pk_check
from .commands.receptor import receptor
from .commands.run import run
from .commands.sensitivity import sensitivity
from .commands.serve import serve
from .commands.trial import trial
from .commands.validate import validate

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="ketasim: ketamine from dose to symptoms. Research and teaching tool, not for clinical dosing.")
experiment_app = typer.Typer(no_args_is_help=True, help="Run experiment files (published findings).")
export_app = typer.Typer(no_args_is_help=True, help="Export the slow model.")
dataset_app = typer.Typer(no_args_is_help=True, help="NONMEM-style datasets: simulate them, check them (VPC).")
app.add_typer(experiment_app, name="experiment")
app.add_typer(export_app, name="export")
app.add_typer(dataset_app, name="dataset")

app.command("run")(run)
experiment_app.command("run")(experiment_run)
app.command("validate")(validate)
app.command("trial")(trial)
app.command("receptor")(receptor)
app.command("circuit")(circuit)
export_app.command("sbml")(export_sbml)
export_app.command("omex")(export_omex)
dataset_app.command("simulate")(dataset_simulate)
dataset_app.command("vpc")(dataset_vpc)
app.command("fit")(fit)
app.command("hypotheses")(hypotheses)
app.command("list")(list_names)
app.command("pk-check")(pk_check)
app.command("sensitivity")(sensitivity)
app.command("serve")(serve)


USAGE_MESSAGE_CHARS = 300  # a usage error echoes what was typed; never more than this


def _click_exceptions():
    """click's exception module as Typer uses it (Typer >= 0.20 vendors click as `typer._click`)."""
    try:
        from typer._click import exceptions
    except ImportError:  # older Typer: click itself
        from click import exceptions
    return exceptions


def main(args: list[str] | None = None) -> None:
    """Run the command line. Typer/click usage errors (a bad option value, an unknown or
    missing option or command) become one line naming the option, `error: ... (see
    ketasim CMD --help)`, and exit status 2, like every other bad input; `--help` and the
    no-argument help are click's own, unchanged."""
    import sys

    exc_types = _click_exceptions()
    try:
        rc = app(args=args, prog_name="ketasim", standalone_mode=False)
    except exc_types.NoArgsIsHelpError as exc:     # `ketasim experiment`: the help, as before
        exc.show()
        rc = exc.exit_code
    except exc_types.ClickException as exc:        # UsageError (BadParameter, NoSuchOption, ...), FileError
        message = " ".join(exc.format_message().split())
        if len(message) > USAGE_MESSAGE_CHARS:
            message = message[:USAGE_MESSAGE_CHARS] + "..."
        ctx = getattr(exc, "ctx", None)
        where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        err_console.print(f"error: {message}{where}", markup=False, highlight=False, soft_wrap=True)
        rc = exc.exit_code
    except typer.Abort:
        print("Aborted!", file=sys.stderr)
        rc = 1
    sys.exit(rc if isinstance(rc, int) else 0)


def entry() -> None:
    """The process's entry point (the `ketasim` script, `python -m ketasim.cli`): `main`, then
    a quick exit.

    Python's own shutdown tears down every module and object one by one: 0.5-1.3 s after a
    run that loaded JAX, SymPy and xarray (`benchmarks/run_walltime.py`), a fifth of a warm
    `ketasim run`. Nothing of ketasim's needs it: a command has written and closed its files
    (atomic renames) before it returns. So the exit handlers run (logging's flush, Dask's
    cluster close), the streams are flushed, and the process ends with main's status. With a
    non-daemon thread still running, or after an uncaught exception, the exit is Python's own.
    `main` itself exits normally, so tests and scripts that call it keep their interpreter.
    """
    import atexit
    import os
    import sys
    import threading

    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # sys.exit's convention for a message
        code = 1
    atexit._run_exitfuncs()  # noqa: SLF001 -- what the interpreter's own exit would run first
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    entry()
