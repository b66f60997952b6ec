"""The `ketasim` command line (Typer). Bad input: one line naming the field, exit 2.

This module only builds the Typer app and registers the commands, one line each; every
command lives in its own module under `ketasim/commands/`, and what they share (consoles,
the one-line refusal, option parsing) in `ketasim/commands/common.py`.
"""

from __future__ import annotations

import typer

from .commands.circuit import circuit
from .commands.experiment import experiment_run
from .commands.export import export_sbml
from .commands.fit import fit
from .commands.hypotheses import hypotheses
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
app.add_typer(experiment_app, name="experiment")
app.add_typer(export_app, name="export")

app.command("run")(run)
experiment_app.command("run")(experiment_run)
app.command("validate")(validate)
app.command("trial")(trial)
app.command("receptor")(receptor)
app.command("circuit")(circuit)
export_app.command("sbml")(export_sbml)
app.command("fit")(fit)
app.command("hypotheses")(hypotheses)
app.command("sensitivity")(sensitivity)
app.command("serve")(serve)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
