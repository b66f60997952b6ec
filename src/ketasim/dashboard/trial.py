"""A small virtual trial for the explorer: the trial engine in this process, with progress callbacks.

The request is a whole experiment (`inputs.build_trial`), so the trial is exactly what
`ketasim trial` would run from the same file, at the explorer's bounded size. Results go
to a temporary folder the explorer creates and deletes (the user names no path); the
chunk simulator is wrapped to report patients done after every chunk.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .inputs import TrialRequest

BOOTSTRAP = 200          # resamples for the 95% intervals (enough for a display)
Progress = Callable[[int, int], None]   # (patients done, patients in all)


@dataclass(frozen=True)
class TrialView:
    """What the page shows of a finished trial.

    rows: per arm, each single-arm endpoint at the end as 'estimate [95% CI]' text.
    visits: (V,) days. mean_madrs: arm -> (V,) mean MADRS over the patients at each visit
    (last observation carried forward after a dropout). wall_s: seconds the trial took.
    """

    title: str
    rows: tuple[dict, ...]
    visits: np.ndarray
    mean_madrs: dict[str, np.ndarray]
    patients: int
    wall_s: float


def reporting(simulate: Callable, total: int, on_progress: Progress) -> Callable:
    """`simulate` (a chunk simulator) that calls on_progress(done, total) after every chunk."""
    done = 0

    def run(arm, cohort, start, n, *args, **kwargs):
        nonlocal done
        result = simulate(arm, cohort, start, n, *args, **kwargs)
        done += n
        on_progress(done, total)
        return result

    return run


def run_small_trial(req: TrialRequest, on_progress: Progress = lambda done, total: None,
                    simulate: Callable | None = None, n_boot: int = BOOTSTRAP) -> TrialView:
    """Run the trial in this process (a temporary store) and summarise it for the page.

    simulate: the chunk simulator (default the mechanistic one, `trial.chunk.simulate_chunk`).
    """
    from ..trial.endpoints import locf
    from ..trial.engine import default_simulate, run_trial
    from ..trial.spec import trial_spec
    from ..trial.tables import arm_summary, summary_rows

    t0 = time.perf_counter()
    spec = trial_spec(req.experiment)
    total = spec.n * len(spec.arms)
    on_progress(0, total)
    chunks = reporting(simulate or default_simulate(), total, on_progress)
    with tempfile.TemporaryDirectory(prefix="ketasim-explorer-trial-") as folder:
        result = run_trial(spec, folder, workers=0, progress=False, simulate=chunks)
    rows = tuple(summary_rows(arm_summary(spec, result.arms, n_boot)))
    visits = np.asarray(next(iter(result.arms.values())).visits, dtype=float)
    mean = {name: np.nanmean(locf(a.madrs, a.baseline_madrs), axis=0) for name, a in result.arms.items()}
    return TrialView(spec.title, rows, visits, mean, spec.n, time.perf_counter() - t0)
