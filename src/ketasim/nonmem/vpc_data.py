"""A dataset's VPC: its observed points, N simulated replicates at the same records, the
statistics of `vpc.py` for each observable observed.

The observed points are the observation records with MDV 0 and a DV (ng/mL, TIME h).
Replicate r gives virtual patient r of each ID the ID's regimen (`simulation.population_values`);
with `pred_corr` every ID's typical patient gives the population predictions
(`simulation.subject_values`). ketasim's simulations have no residual (measurement)
error; `residual_cv` adds a proportional one to the simulated values, Y * exp(cv z) with z
standard normal drawn from `numpy.random.default_rng(seed)`, so the simulated spread can be
compared with observations that carry assay error (0: none, the default).
"""

from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np

from .conventions import MINUTES_PER_HOUR, DatasetError
from .regimen import Observation, Subject, subjects
from .simulation import population_values, subject_values
from .table import EventTable
from .vpc import MAX_BINS, VpcResult, vpc_statistics

DEFAULT_PATIENTS = 200


def observed(o: Observation) -> bool:
    """True for an observed point: MDV 0 and a DV."""
    return o.mdv == 0 and not math.isnan(o.dv)


def check_observed(table: EventTable) -> tuple[Subject, ...]:
    """The table's subjects, refused in one line when no record is an observed point."""
    subs = subjects(table)
    if not any(observed(o) for s in subs for o in s.observations):
        raise DatasetError(f"{table.source}: no observed concentration (an EVID 0 record with MDV 0 and a DV) "
                           "to check")
    return subs


def dataset_vpc(table: EventTable, n: int = DEFAULT_PATIENTS, seed: int = 0, pred_corr: bool = False,
                max_bins: int = MAX_BINS, hypotheses: Mapping[str, str] | None = None, solver: str = "auto",
                each: Callable[[Subject], None] | None = None, residual_cv: float = 0.0) -> list[VpcResult]:
    """One VpcResult per observable observed (in the CMT registry's order of first appearance)."""
    subs = check_observed(table)
    sims = population_values(subs, n, seed, hypotheses, solver, each)
    if residual_cv > 0:
        rng = np.random.default_rng(seed)
        sims = {k: v * np.exp(residual_cv * rng.standard_normal(v.shape)) for k, v in sims.items()}
    preds = {s.id: subject_values(s, hypotheses, solver) for s in subs} if pred_corr else {}
    by_obs: dict[str, dict[str, list]] = {}
    for s in subs:
        for j, o in enumerate(s.observations):
            if not observed(o):
                continue
            acc = by_obs.setdefault(o.observable, {"t": [], "dv": [], "sim": [], "pred": []})
            acc["t"].append(o.time / MINUTES_PER_HOUR)
            acc["dv"].append(o.dv)
            acc["sim"].append(sims[s.id][:, j])
            acc["pred"].append(preds[s.id][o.row] if pred_corr else np.nan)
    return [vpc_statistics(name, np.array(a["t"]), np.array(a["dv"]), np.stack(a["sim"], axis=1),
                           np.array(a["pred"]) if pred_corr else None, max_bins)
            for name, a in by_obs.items()]
