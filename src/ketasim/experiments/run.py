"""The one entry point that runs an experiment, whatever its protocol.

In-vitro protocols (`[protocol.in_vitro]`) go to the receptor clamp runner, trial
protocols (`[[protocol.arms]]`) to the trial scorer, and every other protocol to the
in-vivo runner. None of the three imports this module: they share only the records of
`experiments.results`, so the dispatch is a tree, not a circle.
"""

from __future__ import annotations

from typing import Mapping

from ..trial.score import run_trial_experiment
from .in_vitro import run_in_vitro
from .results import ExperimentResult
from .runner import run_in_vivo
from .schema import Experiment


def run_experiment(exp: Experiment, solver: str = "auto", keep_series: bool = True,
                   parameters: Mapping[str, float] | None = None) -> ExperimentResult:
    """Simulate the protocol and score every measure.

    parameters: overrides by qualified name, in the parameter's unit (a fitted parameter
    file's values), merged over `protocol.parameters` (the override wins). Names the
    experiment's model does not have are ignored (see `plan.merged_parameters`); in-vitro
    experiments apply only the `nmda.` and `offtargets.` names their receptor scheme
    knows (see `in_vitro.run_in_vitro`). solver is used by in-vivo protocols only.
    """
    if exp.protocol.in_vitro is not None:
        return run_in_vitro(exp, keep_series=keep_series, parameters=parameters)
    if exp.protocol.arms:
        return run_trial_experiment(exp, keep_series=keep_series, parameters=parameters)
    return run_in_vivo(exp, solver=solver, keep_series=keep_series, parameters=parameters)
