"""ketasim: a mechanistic simulator of ketamine, from dose to symptoms.

Research and teaching tool; not for clinical dosing.

The Python API (walk-through: docs/python_api.md): `DoseEvent`, `Patient`, `simulate`,
`simulate_population`, `with_time_units`, and the command line's verbs `nca`,
`run_experiment`, `run_trial` and `write_report` (`ketasim.api`). Quantities may be
numbers in their documented unit, strings ("0.5 mg/kg", "40 min") or pint Quantities.
"""

from .version import __version__
from .engine.dosing import DoseEvent
from .patient import Patient
from .simulate import SimulationError, simulate
from .population import simulate_population
from .time_index import with_time_units
from .api.nca import nca
from .api.experiment import run_experiment
from .api.trial import run_trial
from .api.report import write_report

__all__ = ["DoseEvent", "Patient", "SimulationError", "nca", "run_experiment", "run_trial", "simulate",
           "simulate_population", "with_time_units", "write_report", "__version__"]
