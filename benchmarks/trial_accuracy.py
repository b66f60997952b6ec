"""The trial solve's accuracy contract, at endpoint level: the benchmark trial's endpoints at
the trials' tolerances against the same patients at tight ones.

`benchmarks/trial.py`'s trial (saline, ketamine 0.5 mg/kg IV, citalopram 20 mg/day,
esketamine 56 mg twice weekly; 28 days, cohort `trd`, seed 0) with N patients per arm is
run twice in this process (`run_trial`, scheduler "sync"): with the trials' solver at the
tolerances under test (`--rtol`/`--atol`, default `chunk.TRIAL_RTOL`/`TRIAL_ATOL`) and at
the reference tolerances (`--ref-rtol`, default 1e-8, atol 1e-11; the same split solve,
which `tests/test_split_solve.py` checks against SciPy's LSODA). Every single-arm endpoint
(`trial.tables.SINGLE_ARM`) of every arm at days 1, 7, 14 and 28 is compared. The
contract (issue 19): rates within 0.002, MADRS points within 0.05.

Several tolerances may be compared to one reference: --rtol 5e-5,2.5e-4 (atol then rtol/1000
unless --atol is given).

Usage: python benchmarks/trial_accuracy.py [--patients 500] [--rtol R[,R...]] [--atol A] [--ref-rtol 1e-8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

DAYS = (1.0, 7.0, 14.0, 28.0)
RATE_BAR, POINTS_BAR = 0.002, 0.05


def endpoints(result) -> dict[tuple[str, str, float], tuple[float, str]]:
    """(arm, endpoint, day) -> (estimate, unit) of every single-arm endpoint, and of the mean
    difference and response odds ratio of every active arm against saline."""
    from ketasim.trial.endpoints import evaluate
    from ketasim.trial.tables import SINGLE_ARM

    out = {}
    rules = result.spec.endpoints
    for arm, outcomes in result.arms.items():
        for day in DAYS:
            for name in SINGLE_ARM:
                v = evaluate(name, arm, outcomes, day, rules=rules)
                out[(arm, name, day)] = (v.estimate, v.unit)
            if arm != "saline":
                for name in ("mean_difference", "response_odds_ratio"):
                    v = evaluate(name, arm, outcomes, day, "saline", result.arms["saline"], rules=rules)
                    out[(arm, f"{name} vs saline", day)] = (v.estimate, v.unit)
    return out


def run_at(spec, rtol: float, atol: float):
    """run_trial in this process with the trial solve at (rtol, atol); (result, seconds)."""
    from ketasim.trial import chunk
    from ketasim.trial.engine import run_trial

    saved = chunk.TRIAL_RTOL, chunk.TRIAL_ATOL
    chunk.TRIAL_RTOL, chunk.TRIAL_ATOL = rtol, atol
    try:
        with tempfile.TemporaryDirectory(prefix="ketasim-accuracy-") as out:
            t0 = time.perf_counter()
            result = run_trial(spec, out, scheduler="sync", progress=False)
            return result, time.perf_counter() - t0
    finally:
        chunk.TRIAL_RTOL, chunk.TRIAL_ATOL = saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=500, help="patients per arm (default 500)")
    ap.add_argument("--rtol", default=None, help="tolerance(s) under test, comma-separated (default: chunk.TRIAL_RTOL)")
    ap.add_argument("--atol", type=float, default=None, help="(default: chunk.TRIAL_ATOL, or rtol/1000 with --rtol)")
    ap.add_argument("--ref-rtol", type=float, default=1e-8, help="reference relative tolerance (default 1e-8)")
    ap.add_argument("--ref-atol", type=float, default=1e-11, help="reference absolute tolerance (default 1e-11)")
    args = ap.parse_args()

    from ketasim.trial.chunk import TRIAL_ATOL, TRIAL_RTOL
    from trial import spec_of

    if args.rtol is None:
        pairs = [(TRIAL_RTOL, TRIAL_ATOL if args.atol is None else args.atol)]
    else:
        pairs = [(float(r), args.atol if args.atol is not None else float(r) / 1000) for r in args.rtol.split(",")]
    spec = spec_of(args.patients, 28, min(args.patients, 256))
    print(f"{len(spec.arms)} arms x {spec.n} patients x 28 d; reference rtol {args.ref_rtol:g} atol "
          f"{args.ref_atol:g}; load {os.getloadavg()[0]:.2f}")
    ref, t_ref = run_at(spec, args.ref_rtol, args.ref_atol)
    print(f"reference run (compilation included): {t_ref:.1f} s")
    for rtol, atol in pairs:
        test, t_test = run_at(spec, rtol, atol)
        print(f"\nunder test: rtol {rtol:g}, atol {atol:g}; run (compilation included) {t_test:.1f} s")
        compare(test, ref)


def compare(test, ref) -> None:
    """Print the largest endpoint differences by kind, against the contract's bars."""
    a, b = endpoints(test), endpoints(ref)
    worst: dict[str, tuple[float, tuple]] = {}
    for key, (value, unit) in a.items():
        other = b[key][0]
        same = value == other or (np.isnan(value) and np.isnan(other))
        diff = 0.0 if same else abs(value - other)
        kind = "odds ratio" if "odds" in key[1] else {"1": "rate"}.get(unit, unit)
        if diff > worst.get(kind, (-1.0, ()))[0]:
            worst[kind] = (diff, key)
    for kind, (diff, key) in sorted(worst.items()):
        bar = {"rate": RATE_BAR, "MADRS points": POINTS_BAR}.get(kind)
        verdict = "" if bar is None else f" (bar {bar:g}: {'met' if diff <= bar else 'MISSED'})"
        print(f"largest difference, {kind}: {diff:.4g} at {key[0]} {key[1]} day {key[2]:g}{verdict}")
    madrs_diff = max(float(np.nanmax(np.abs(test.arms[k].madrs - ref.arms[k].madrs))) for k in test.arms)
    print(f"largest difference of one patient's rated MADRS at a visit: {madrs_diff:g} points (integer ratings)")


if __name__ == "__main__":
    main()
