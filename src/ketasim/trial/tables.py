"""Tables of a finished trial: per-patient endpoints (Parquet) and the per-arm summary."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from .endpoints import (ENDPOINT_DEFS, EndpointValue, evaluate, relapse_followup, responded, response_followup,
                        score_at)
from .outcomes import ArmOutcomes
from .spec import TrialSpec

SINGLE_ARM = tuple(n for n, e in ENDPOINT_DEFS.items() if not e.two_arm)


def patient_table(spec: TrialSpec, arms: Mapping[str, ArmOutcomes]):
    """A `pyarrow.Table`, one row per patient of every arm, endpoints at the end of the trial.

    Every column follows the protocol's endpoint definitions (`spec.endpoints`: scheduled
    visits, LOCF or observed cases, remission line, relapse rule). Columns: arm, patient,
    baseline_madrs, madrs_end and hamd_end (at the last scheduled visit; NaN under observed
    cases when not rated), change_end, response_end, remission_end, dropout_day (inf =
    completed), completed, dropout_side_effect, cadss_peak, first_response_day (NaN: never
    responded), relapse_days and relapse_event (follow-up from first response), and
    one column per covariate in name order (weight in kg, genotypes as strings). The
    column order is fixed, so one seed gives the same file whether the trial ran in one
    sitting or was resumed.
    """
    import pyarrow as pa

    end = spec.duration_days
    cols: dict[str, list] = {}
    for name, a in arms.items():
        rules = spec.endpoints
        madrs_end = score_at(a, end, rules)
        follow = relapse_followup(a, end, rules)
        hamd_end = score_at(a, end, rules, "hamd17") if a.hamd is not None else np.full(a.n, np.nan)
        resp_any = follow[:, 2] > 0
        first = response_followup(a, end, rules)
        first_day = np.where(first[:, 1] > 0, first[:, 0], np.nan)
        remission_end = (hamd_end if rules.remission_scale == "hamd17" else madrs_end) <= rules.remission_at_most
        part = {
            "arm": np.full(a.n, name, dtype=object),
            "patient": np.asarray(a.patient if a.patient is not None else np.arange(a.n), dtype=np.int64),
            "baseline_madrs": a.baseline_madrs, "madrs_end": madrs_end, "hamd_end": hamd_end,
            "change_end": madrs_end - a.baseline_madrs,
            "response_end": responded(madrs_end, a.baseline_madrs),
            "remission_end": remission_end,
            "dropout_day": a.dropout_day, "completed": ~np.isfinite(a.dropout_day),
            "dropout_side_effect": np.asarray(a.dropout_side_effect, bool), "cadss_peak": a.cadss_peak,
            "first_response_day": first_day,
            "relapse_days": np.where(resp_any, follow[:, 0], np.nan),
            "relapse_event": follow[:, 1] > 0,
            **{k: np.asarray(v) for k, v in sorted(a.covariates.items())},
        }
        for k, v in part.items():
            cols.setdefault(k, []).append(np.asarray(v))
    data = {k: np.concatenate(v) for k, v in cols.items()}
    return pa.table({k: pa.array(v.astype(str) if v.dtype.kind in "USO" else v) for k, v in data.items()})


def write_parquet(table, path: str | Path) -> None:
    """Write `table` as Parquet; the bytes depend only on the table (and the pyarrow version)."""
    import pyarrow.parquet as pq

    pq.write_table(table, str(path))


def arm_summary(spec: TrialSpec, arms: Mapping[str, ArmOutcomes], n_boot: int = 1000,
                level: float = 0.95) -> dict[str, dict[str, EndpointValue]]:
    """arm -> single-arm endpoint -> value at the end of the trial (with bootstrap intervals)."""
    return {name: {e: evaluate(e, name, a, spec.duration_days, n_boot=n_boot, seed=spec.seed, level=level,
                            rules=spec.endpoints)
                   for e in SINGLE_ARM}
            for name, a in arms.items()}


def adverse_rows(arms: Mapping[str, ArmOutcomes]) -> list[dict]:
    """Per arm: CADSS peak (mean, SD, 95th percentile), dropout and side-effect dropout fractions."""
    rows = []
    for name, a in arms.items():
        c = np.asarray(a.cadss_peak, float)
        dropped = np.isfinite(a.dropout_day)
        rows.append({"arm": name, "n": a.n, "CADSS peak mean": float(np.mean(c)), "CADSS peak SD": float(np.std(c)),
                     "CADSS peak p95": float(np.percentile(c, 95)), "dropouts": float(np.mean(dropped)),
                     "side-effect dropouts": float(np.mean(dropped & np.asarray(a.dropout_side_effect, bool)))})
    return rows


def summary_rows(summary: Mapping[str, Mapping[str, EndpointValue]]) -> list[dict]:
    """The summary as display rows: one per arm, one 'estimate [low, high]' text per endpoint."""
    rows = []
    for arm, values in summary.items():
        row = {"arm": arm}
        for e, v in values.items():
            row[e] = format_value(v)
        rows.append(row)
    return rows


def format_value(v: EndpointValue) -> str:
    def f(x: float) -> str:
        return "n.r." if x == np.inf else ("—" if not np.isfinite(x) else f"{x:.3g}")

    ci = f" [{f(v.low)}, {f(v.high)}]" if not (np.isnan(v.low) and np.isnan(v.high)) else ""
    return f(v.estimate) + ci
