"""`ketasim.run_experiment`: run one experiment file (or record) and score it, as `ketasim experiment run` does."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from ..experiments.results import ExperimentResult
    from ..experiments.schema import Experiment


def run_experiment(experiment: str | Path | Experiment, solver: str = "auto", keep_series: bool = True,
                   parameters: Mapping[str, float] | None = None) -> ExperimentResult:
    """Simulate an experiment's protocol and score every measure against its published value.

    experiment: a TOML experiment file's path (validated by the schema; bad input is one
    `InputError` naming the field) or an already loaded `Experiment`. The one dispatch,
    `experiments.run.run_experiment`, runs it (in vivo, in vitro or a trial). parameters:
    overrides by qualified name, in each parameter's own unit, over `protocol.parameters`.
    keep_series: keep each measure's (time in minutes, value) curve for plots. Returns an
    `ExperimentResult`: `passed`, and `measures` with `simulated`, `expected` and `unit`
    (`to_json()` is the shape `ketasim experiment run --json` prints).
    """
    from ..experiments.loader import load_experiment
    from ..experiments.run import run_experiment as run_loaded
    from ..experiments.schema import Experiment

    exp = experiment if isinstance(experiment, Experiment) else load_experiment(Path(experiment))
    return run_loaded(exp, solver=solver, keep_series=keep_series, parameters=parameters)
