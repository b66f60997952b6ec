"""The trial solve per arm, one process: steps, Jacobians and patients/s of the split solve,
against the whole-model Kvaerno5 solve of the same patients in the same run.

For each arm of `benchmarks/trial.py`'s trial (saline, ketamine 0.5 mg/kg IV, citalopram
20 mg/day, esketamine 56 mg twice weekly; 28 days, padded to the trial's segments) one
batch of patients is solved with the trials' solver (`solver_split`, at the trial
tolerances) and, as the anchor, a smaller batch of the same patients with the whole-model
Kvaerno5 (`solver_jax`, the same tolerances). Times are the best of `--repeats` warm calls
(compilation excluded and reported apart). Steps: tried per patient (mean and max: the batch
steps in lockstep, so a segment takes its slowest patient's steps).

Usage: python benchmarks/split_solve.py [--patients 256] [--anchor 16] [--repeats 3] [--arms ...]
       [--rtol R] [--atol A]   (default: the trials' tolerances)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def arm_inputs(spec, arm, n: int):
    """(model, p, padded schedule, padded output times) of the first n patients of an arm."""
    from ketasim.engine.solve import bucket
    from ketasim.population import draw_population, weight_scaled_schedule
    from ketasim.trial.chunk import trial_times, visit_grid
    from ketasim.trial.chunk_model import chunk_model
    from ketasim.units import MINUTES_PER_DAY

    model = chunk_model(spec.species, arm.hypotheses, arm.drugs, ())
    draw = draw_population(model, n, spec.seed, spec.cohort, arm.name, start=0, species=spec.species, bdnf=arm.bdnf)
    days = visit_grid(spec.visits)
    ts, _, _ = trial_times(days)
    ts = np.concatenate([ts, np.full(bucket(ts.size) - ts.size, ts[-1])])
    schedule = weight_scaled_schedule(model, arm.regimen, draw.weight, days[-1] * MINUTES_PER_DAY,
                                      least_segments=arm.segments).padded()
    return model, draw.p, schedule, ts


def timed(fn, args, repeats: int):
    """(first call s, best warm call s, result)."""
    import jax

    t0 = time.perf_counter()
    out = jax.block_until_ready(fn(*args))
    first = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn(*args))
        best = min(best, time.perf_counter() - t0)
    return first, best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=256, help="patients per arm for the split solve (default 256)")
    ap.add_argument("--anchor", type=int, default=16, help="patients per arm for the Kvaerno5 anchor (default 16)")
    ap.add_argument("--repeats", type=int, default=3, help="warm calls, the best is kept (default 3)")
    ap.add_argument("--arms", default="saline,ketamine,citalopram,esketamine")
    ap.add_argument("--rtol", type=float, default=None, help="relative tolerance (default: the trials', chunk.TRIAL_RTOL)")
    ap.add_argument("--atol", type=float, default=None, help="absolute tolerance (default: the trials', chunk.TRIAL_ATOL)")
    args = ap.parse_args()

    import jax

    from ketasim.engine.partition import partition
    from ketasim.engine.solver_jax import jitted
    from ketasim.engine.solver_options import SolverOptions
    from ketasim.engine.solver_split import make_split_solve, modal_method
    from ketasim.trial.chunk import TRIAL_ATOL, TRIAL_RTOL
    from trial import spec_of

    rtol = TRIAL_RTOL if args.rtol is None else args.rtol
    atol = TRIAL_ATOL if args.atol is None else args.atol

    spec = spec_of(args.patients, 28, args.patients)
    arms = {a.name: a for a in spec.arms}
    print(f"JAX {jax.__version__}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; rtol {rtol:g}, "
          f"atol {atol:g}; split batch {args.patients}, Kvaerno5 anchor batch {args.anchor}")
    print(f"{'arm':>11} {'compile s':>9} {'steps mean':>10} {'max':>5} {'jacobians':>9} {'patients/s':>10} "
          f"{'Kvaerno5 patients/s':>19} {'ratio':>6}")
    for name in args.arms.split(","):
        model, p, schedule, ts = arm_inputs(spec, arms[name], args.patients)
        channels = tuple(model.state_index[c] for c in model.dose_channels)
        part = partition(model)
        split = jax.jit(make_split_solve(model.source, part, channels, len(model.states),
                                         rtol, atol, SolverOptions().max_steps, modal_method(part, p)))
        first, best, (ys, ok, (tried, jacobians, _)) = timed(
            split, (p, schedule.jumps, schedule.rates, schedule.breaks, ts), args.repeats)
        whole = jitted(model.source, len(model.states),
                       SolverOptions(method="kvaerno5", rtol=rtol, atol=atol), True)
        k = np.arange(args.anchor)
        sub = schedule.rows(k)
        _, anchor, (ref, ref_ok) = timed(whole, (p[k], sub.jumps, sub.rates, sub.breaks, ts), args.repeats)
        assert bool(np.all(ok)) and bool(np.all(ref_ok))
        rate, anchor_rate = args.patients / best, args.anchor / anchor
        print(f"{name:>11} {first - best:>9.1f} {np.mean(tried):>10.0f} {np.max(tried):>5d} {int(jacobians):>9d} "
              f"{rate:>10.1f} {anchor_rate:>19.1f} {rate / anchor_rate:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
