"""ketasim: a mechanistic simulator of ketamine, from dose to symptoms.

Research and teaching tool; not for clinical dosing.

The Python API: `DoseEvent`, `Patient`, `simulate`, `simulate_population` (imported here),
`with_time_units` (the `time` index that reads units), and the verbs of the command line,
`nca`, `run_experiment`, `run_trial` and `write_report` (in `ketasim.api`, imported on
first use so `import ketasim` stays light). Quantities may be numbers in their
documented unit, quantity strings ("0.5 mg/kg", "40 min") or pint Quantities.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

from .engine.dosing import DoseEvent  # noqa: E402
from .patient import Patient  # noqa: E402
from .simulate import SimulationError, simulate  # noqa: E402
from .population import simulate_population  # noqa: E402
from .time_index import with_time_units  # noqa: E402

LAZY = {"nca": "ketasim.api.nca", "run_experiment": "ketasim.api.experiment", "run_trial": "ketasim.api.trial",
        "write_report": "ketasim.api.report"}
"""Public name -> the module that defines it, imported on first access (`__getattr__`)."""


def __getattr__(name: str) -> Any:
    """The lazily imported API verbs (`LAZY`): the experiment, trial and report floors load on first use."""
    if name in LAZY:
        value = getattr(import_module(LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ketasim' has no attribute {name!r}")


__all__ = ["DoseEvent", "Patient", "SimulationError", "nca", "run_experiment", "run_trial", "simulate",
           "simulate_population", "with_time_units", "write_report", "__version__"]
