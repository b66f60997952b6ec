"""`ketasim experiment run`: run one experiment file and score it against the published values."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .common import console, guard
from .status import working
from .tables import print_table


def print_results(results, as_json: bool) -> None:
    """Experiment results as JSON (the documented shape) or as a table (ids whole) and a tally."""
    from ..experiments.results import to_json

    if as_json:
        print(json.dumps(to_json(results)))
        return
    rows = []
    for r in results:
        for m in r.measures:
            exp = f"{m.expected:g} {m.tolerance}" if m.expected is not None else m.tolerance
            rows.append((r.id, m.name, f"{m.simulated:.4g}", exp, m.unit, "pass" if m.passed else "MISS"))
    print_table("Experiments", ("id", "measure", "simulated", "expected", "unit", "result"), rows)
    s = to_json(results)["summary"]
    console.print(f"{s['passed']} of {s['total']} experiments passed")


def experiment_run(file: Path, as_json: bool = typer.Option(False, "--json", help="print results as JSON")) -> None:
    """Run one experiment file and score it against the published values."""
    from ..experiments.loader import load_experiment
    from ..experiments.run import run_experiment

    def go() -> list:
        """Load the file (its refusals before any status), then run and score it."""
        exp = load_experiment(file)
        with working(f"running experiment {exp.id} (the first solve compiles the model)..."):
            return [run_experiment(exp, keep_series=False)]

    results = guard(go)
    print_results(results, as_json)
