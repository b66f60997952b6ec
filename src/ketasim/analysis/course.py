"""Model outputs for a matrix of parameter samples: batched simulated courses -> scalars.

`course_evaluator` returns a `CourseEvaluator`, the `evaluate` function a sensitivity
analysis calls: a sample matrix (N, k) in the space's sampling coordinates becomes N
parameter vectors (the base model's canonical vector with the k varying columns
replaced after unit conversion), which are solved in fixed-size `jax.vmap` batches
(`population.batched_observables`, the loop `population.simulate_population` uses; the
last batch is padded by wrapping, so the solver compiles once), and reduced to the
requested outputs (N, m). A non-finite output is a numerical failure
(`SimulationError`), never a NaN handed to the analysis.

The base subject is the species' standard patient (`Patient(species).overrides()`).
Varying `patient.weight` also rescales mg/kg doses, as it does for a real patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..engine.dosing import DoseEvent
from ..engine.model import AssembledModel
from ..units import to_canonical_factor
from .outputs import OutputSpec, check_outputs, compute_outputs, output_times
from .space import Space

BATCH_SIZE = 256
WEIGHT = "patient.weight"
SHOWN = 6                 # parameter values named in a failure message


@dataclass(frozen=True)
class CourseEvaluator:
    """evaluate(x): sampling coordinates (N, k) -> outputs (N, m) for one regimen and model."""

    model: AssembledModel
    regimen: tuple[DoseEvent, ...]
    space: Space
    outputs: tuple[OutputSpec, ...]
    duration: float                   # min
    ts: np.ndarray                    # output grid, min
    base: np.ndarray                  # canonical parameter vector of the standard patient
    columns: np.ndarray               # index of each varying parameter in the p vector
    factors: np.ndarray               # parameter unit -> canonical, per varying parameter
    base_weight: float                # kg
    observe: Callable                 # jitted (ts, ys, p) -> (b, T, len(observed)), canonical
    observed: tuple[str, ...]         # observables the outputs read
    batch_size: int = BATCH_SIZE
    solver: str = "auto"
    progress: Callable[[int], None] | None = None   # called with the samples finished per batch

    def parameters(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Canonical parameter vectors (N, P) and body weights (N,) kg for samples x (N, k)."""
        values = self.space.to_values(x)
        p = np.tile(self.base, (values.shape[0], 1))
        p[:, self.columns] = values * self.factors[None, :]
        names = self.space.names
        weight = values[:, names.index(WEIGHT)] * self.factors[names.index(WEIGHT)] / to_canonical_factor("kg") \
            if WEIGHT in names else np.full(values.shape[0], self.base_weight)
        return p, weight

    def __call__(self, x: np.ndarray) -> np.ndarray:
        from ..engine.solve import SolverError
        from ..population import batched_observables, weight_scaled_schedule
        from ..simulate import SimulationError

        p, weight = self.parameters(x)
        n = p.shape[0]
        schedule = weight_scaled_schedule(self.model, self.regimen, weight, self.duration)
        out = np.empty((n, len(self.outputs)))
        factor = np.array([_observable(self.model, o).factor for o in self.observed])
        done = 0
        try:
            for start, stop, obs in batched_observables(self.model, p, schedule, self.ts,
                                                        batch_size(n, self.batch_size), self.solver, self.observe):
                series = {name: obs[:, :, j] / factor[j] for j, name in enumerate(self.observed)}
                out[start:stop] = compute_outputs(self.outputs, self.ts, series)
                done = stop
                if self.progress is not None:
                    self.progress(stop - start)
        except SolverError as exc:
            raise SimulationError(f"{exc} (sensitivity samples from {done})") from None
        _check_finite(out, self.outputs, self.space, self.space.to_values(x))
        return out


def _observable(model: AssembledModel, name: str):
    return model.observables[model.observable_names.index(name)]


def batch_size(n: int, largest: int) -> int:
    """Equal batches of at most `largest`: ceil(n / ceil(n / largest)) (least padding)."""
    return -(-n // -(-n // largest))


def _check_finite(out: np.ndarray, outputs: Sequence[OutputSpec], space: Space, values: np.ndarray) -> None:
    bad = np.argwhere(~np.isfinite(out))
    if len(bad):
        from ..simulate import SimulationError

        i, j = bad[0]
        shown = [f"{r.name}={v:.4g}" for r, v in zip(space.ranges[:SHOWN], values[i])]
        more = len(space.ranges) - SHOWN
        at = ", ".join(shown) + (f", and {more} more" if more > 0 else "")
        raise SimulationError(f"numerical failure: output {outputs[j].text} is not finite "
                              f"for sample {i} ({at})")


def course_grid(regimen: Sequence[DoseEvent], duration: float, outputs: Sequence[OutputSpec]) -> np.ndarray:
    """Output times (min): the regimen's output grid (`simulate.grid_for`, fine after every
    dose start and infusion end) and every time an output reads."""
    from ..simulate import grid_for

    ts = np.union1d(grid_for(regimen, duration), output_times(outputs))   # output times: checked <= duration
    return ts[ts <= duration]


def _jitted_observe(model: AssembledModel, columns: tuple[int, ...]):
    """The model's observe for a batch, keeping only the observables `columns` (XLA drops the rest)."""
    from ..engine import jaxconfig
    from ..population import observe_batch

    _, observe, _ = model.functions("jax")
    cols = np.asarray(columns)
    return jaxconfig.jit(lambda ts, ys, p: observe_batch(observe, ts, ys, p)[..., cols])


def course_evaluator(model: AssembledModel, regimen: Sequence[DoseEvent], space: Space,
                     outputs: Sequence[OutputSpec], duration: float, batch_size: int = BATCH_SIZE,
                     solver: str = "auto", progress: Callable[[int], None] | None = None) -> CourseEvaluator:
    """The evaluate function of a sensitivity analysis of `outputs` over `space` (duration in min)."""
    from ..errors import InputError
    from ..patient import Patient, default_weight

    if duration <= 0:
        raise InputError("--duration: must be positive")
    if batch_size < 1:
        raise InputError("batch_size: must be at least 1")
    outputs = tuple(outputs)
    check_outputs(outputs, model.observable_names, duration)
    overrides = {k: v for k, v in Patient(model.species).overrides().items() if k in model.parameters}
    base = model.param_vector_of(model.parameters.with_mapping(overrides))
    observed = tuple(dict.fromkeys(o.observable for o in outputs))
    cols = tuple(model.observable_names.index(o) for o in observed)
    return CourseEvaluator(
        model=model, regimen=tuple(regimen), space=space, outputs=outputs, duration=float(duration),
        ts=course_grid(regimen, duration, outputs), base=base,
        columns=np.array([model.param_index[r.name] for r in space.ranges], dtype=int),
        factors=np.array([to_canonical_factor(r.unit) for r in space.ranges]),
        base_weight=float(overrides.get(WEIGHT, default_weight(model.species))),
        observe=_jitted_observe(model, cols), observed=observed,
        batch_size=batch_size, solver=solver, progress=progress)
