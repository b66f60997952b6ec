"""ketasim: a mechanistic simulator of ketamine, from dose to symptoms.

Research and teaching tool; not for clinical dosing.
"""

__version__ = "0.1.0"

from .engine.dosing import DoseEvent  # noqa: E402
from .patient import Patient  # noqa: E402
from .simulate import SimulationError, simulate  # noqa: E402
from .population import simulate_population  # noqa: E402

__all__ = ["DoseEvent", "Patient", "SimulationError", "simulate", "simulate_population", "__version__"]
