"""Run a selection of library experiments for the scorecard.

Each experiment is run and scored by the experiment runner; the scorecard keeps the
plotted series. Options a scorecard run needs beyond `ketasim experiment run`:

- `max_patients` caps each trial arm's size (a trial experiment takes minutes at its
  published size; the cap is recorded in the scorecard, never hidden);
- `parameters` applies a fitted parameter file's values to every experiment;
- `jobs` runs experiments in that many worker processes (spawned, so each has its own
  JAX runtime); results come back in library order whatever order they finish in.

An experiment that raises (bad protocol, numerical failure) is recorded as an error with
its one-line message rather than ending the whole run: the scorecard counts it as a miss.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Callable, Mapping, Sequence

from ..choices import check_name, did_you_mean
from ..experiments.results import ExperimentResult
from ..limits import shown
from ..experiments.schema import Experiment


@dataclass(frozen=True)
class LibraryEntry:
    """One experiment's outcome in a scorecard run: its result, or the error it raised."""

    experiment: Experiment
    result: ExperimentResult | None
    error: str
    seconds: float  # wall time of this experiment

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.passed


def environment(jobs: int) -> str:
    """Python, JAX and NumPy versions, machine and worker processes: results can differ in the
    last digits between JAX/XLA builds, and a trial endpoint can then move by a patient."""
    import os
    import platform

    import jax
    import numpy

    return (f"Python {platform.python_version()}, JAX {jax.__version__} ({jax.default_backend()}), "
            f"NumPy {numpy.__version__}, {platform.machine()} {os.cpu_count()} CPUs, {jobs} worker process(es)")


def select(experiments: Sequence[Experiment], tags: Sequence[str] = (), ids: Sequence[str] = ()) -> list[Experiment]:
    """Experiments whose layer (first tag) is in `tags` and whose id is in `ids` (empty = all)."""
    return [e for e in experiments if (not tags or e.tags[0] in tags) and (not ids or e.id in ids)]


def checked_selection(experiments: Sequence[Experiment], tags: Sequence[str] = (),
                      ids: Sequence[str] = ()) -> list[Experiment]:
    """`select`, after checking that every `--tags` value is a layer and every `--id` an
    experiment of `experiments` (InputError naming the option otherwise)."""
    from ..errors import InputError
    from ..experiments.schema import LAYERS

    for t in tags:
        check_name(t, LAYERS, "--tags", "layer")
    known = [e.id for e in experiments]
    for i in ids:
        if i not in known:
            raise InputError(f"--id: no experiment {shown(i)} in the library{did_you_mean(i, known)} "
                             "(ketasim list experiments lists them)")
    return select(experiments, tags, ids)


def require_at_least(value: int | None, minimum: int, option: str) -> None:
    """InputError naming `option` when a given count is below `minimum` (None: not given)."""
    from ..errors import InputError

    if value is not None and value < minimum:
        raise InputError(f"{option}: must be at least {minimum}")


def capped(exp: Experiment, max_patients: int | None) -> Experiment:
    """The experiment with each trial arm capped at `max_patients` (others unchanged)."""
    pop = exp.protocol.population
    if max_patients is None or pop is None or pop.n <= max_patients:
        return exp
    protocol = exp.protocol.model_copy(update={"population": pop.model_copy(update={"n": int(max_patients)})})
    return exp.model_copy(update={"protocol": protocol})


def is_trial(exp: Experiment) -> bool:
    return bool(exp.protocol.arms)


def run_one(exp: Experiment, max_patients: int | None = None,
            parameters: Mapping[str, float] | None = None) -> LibraryEntry:
    """Run and score one experiment; errors become a recorded one-line message."""
    from ..errors import InputError
    from ..experiments.run import run_experiment
    from ..simulate import SimulationError

    t0 = time.perf_counter()
    run = capped(exp, max_patients)
    try:
        kw = {"parameters": dict(parameters)} if parameters else {}
        result = run_experiment(run, keep_series=True, **kw)
        error = ""
    except (InputError, SimulationError) as exc:
        result, error = None, f"{type(exc).__name__}: {exc}"
    return LibraryEntry(run, result, error, time.perf_counter() - t0)


def run_library(experiments: Sequence[Experiment], max_patients: int | None = None,
                parameters: Mapping[str, float] | None = None, jobs: int = 1,
                on_done: Callable[[LibraryEntry], None] | None = None) -> list[LibraryEntry]:
    """Run every experiment (in `jobs` processes when > 1); entries in the given order.

    on_done: called with each entry as it finishes (progress display).
    """
    if jobs <= 1 or len(experiments) <= 1:
        out = []
        for e in experiments:
            entry = run_one(e, max_patients, parameters)
            if on_done:
                on_done(entry)
            out.append(entry)
        return out
    done: dict[int, LibraryEntry] = {}
    # Longest first (trials), so the slowest experiments do not start last.
    order = sorted(range(len(experiments)), key=lambda i: not is_trial(experiments[i]))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_one, experiments[i], max_patients, parameters): i for i in order}
        for f in as_completed(futures):
            entry = f.result()
            done[futures[f]] = entry
            if on_done:
                on_done(entry)
    return [done[i] for i in range(len(experiments))]
