"""Everything `ketasim trial` writes and prints about a finished trial, computed in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..version import __version__
from ..experiments.schema import Experiment
from .engine import TrialResult
from .effects import arm_effects, comparisons, effect_days
from .report import render_trial_report
from .score import experiment_result, measure_values
from .tables import adverse_rows, arm_summary, patient_table, summary_rows


@dataclass(frozen=True)
class TrialOutputs:
    """summary: the JSON document (summary.json); rows: per-arm display rows; measures:
    scored measure rows; patients: the per-patient `pyarrow.Table`; html: the report;
    run: this sitting (chunks run and skipped, wall time, executor, store status lines).

    summary and patients depend only on the trial (one seed: the same bytes whether it ran
    in one sitting or was resumed); what describes the sitting is kept apart in `run` (the
    report carries no generation time either).
    """

    summary: dict
    rows: list[dict]
    measures: list[dict]
    patients: Any
    html: str
    run: dict


def trial_outputs(exp: Experiment, result: TrialResult, n_boot: int = 1000, mechanism: str = "") -> TrialOutputs:
    """Endpoints (with bootstrap intervals over `n_boot` resamples), tables and report of a trial.

    mechanism: the report's typical-patient section (`ketasim.trial.mechanism.mechanism_html`).
    """
    spec, arms = result.spec, result.arms
    by_arm = arm_summary(spec, arms, n_boot)
    scored = measure_values(exp, spec, arms, n_boot)
    adverse = adverse_rows(arms)
    measures = []
    for (m, v), spec_m in zip(scored, exp.measure):
        measures.append({**m.to_json(), "arm": spec_m.arm, "endpoint": spec_m.endpoint, "versus": spec_m.versus,
                         "at_day": v.at, "ci": v.to_json()["ci"]})
    rows = summary_rows(by_arm)
    summary = {
        "trial": {**spec.to_json(), "spec_digest": spec.digest, "ketasim_version": __version__},
        "arms": {arm: {e: v.to_json() for e, v in values.items()} for arm, values in by_arm.items()},
        "adverse": adverse,
        "measures": measures,
        "experiment": experiment_result(exp, scored, keep_series=False).to_json(),
        "bootstrap": {"resamples": n_boot, "level": 0.95, "method": "percentile, patients resampled within arms"},
    }
    run = sitting(result)
    measure_rows = [{"measure": m["name"], "simulated": m["simulated"], "95% CI": _ci_text(m["ci"]),
                     "expected": m["expected"], "unit": m["unit"], "result": "pass" if m["passed"] else "MISS"}
                    for m in measures]
    effects = arm_effects(spec, arms, comparisons(spec, exp), effect_days(spec, exp), n_boot)
    html = render_trial_report(spec, arms, rows, adverse, measure_rows, mechanism, effects)
    return TrialOutputs(summary, rows, measure_rows, patient_table(spec, arms), html, run)


def sitting(result: TrialResult) -> dict:
    """What describes one call rather than the trial (the `run` block of `--json`): chunks
    simulated, reused from the store and merged from shards, wall time (s), executor, and
    the store's repair and recompute lines."""
    return {"chunks_run": result.chunks_run, "chunks_skipped": result.chunks_skipped,
            "chunks_merged": result.chunks_merged, "wall_s": round(result.wall_s, 3), "executor": result.executor,
            "store": list(result.recomputed)}


@dataclass(frozen=True)
class ShardOutputs:
    """What a shard run (`ketasim trial --shard I/N`) leaves: its store, and what it holds.

    No endpoints, summary or report: a shard holds only some of the trial's patients; merge
    every shard (`--merge`) for those. store: the shard's Zarr store; shard: 'I/N';
    chunks, patients: what the shard holds (over all arms); trial_chunks, trial_patients:
    the whole trial's; run: this sitting (as `TrialOutputs.run`).
    """

    store: Path
    shard: str
    chunks: int
    patients: int
    trial_chunks: int
    trial_patients: int
    run: dict

    def to_json(self) -> dict:
        """The `--json` document of a shard run."""
        return {"shard": {"shard": self.shard, "store": str(self.store), "chunks": self.chunks,
                          "patients": self.patients, "trial_chunks": self.trial_chunks,
                          "trial_patients": self.trial_patients}, "run": self.run}


def shard_outputs(result: TrialResult) -> ShardOutputs:
    """The `ShardOutputs` of a shard's run (`result.shard` set)."""
    spec, shard = result.spec, result.shard
    mine = shard.chunks(spec)
    sizes = [size for _, size in spec.chunks()]
    return ShardOutputs(result.store, shard.text, len(mine), sum(sizes[c] for _, c in mine),
                        len(spec.arms) * len(sizes), len(spec.arms) * spec.n, sitting(result))


def _ci_text(ci: list) -> str:
    if ci[0] is None and ci[1] is None:
        return ""
    return "[" + ", ".join("n.r." if x == "inf" else "—" if x is None else f"{x:.3g}" for x in ci) + "]"
