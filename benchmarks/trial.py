"""Virtual-trial throughput: the same trial on a local Dask cluster of 1 and of 2 workers, side by side.

Scenario: N patients per arm (default 10,000) x 4 arms x 28 days, cohort `trd`, seed 0,
chunks of 1,000 patients:

- saline: IV 0 mg/kg over 40 min, once
- ketamine: racemic 0.5 mg/kg IV over 40 min, once
- citalopram: 20 mg oral once a day for 28 days
- esketamine: 56 mg intranasal twice a week (every 3.5 d, 8 sessions)

For each worker count a fresh `LocalCluster(n_workers=w, threads_per_worker=1,
processes=True)` is started, its workers on cores of their own (`trial.engine.pin_workers`,
as `ketasim trial`'s local cluster; `--no-pin` leaves them free). "compile" is the time to
run one chunk of every arm on every worker (`client.run`), which JIT-compiles the solve in
each worker process (it pays the JAX compilation; the persistent cache `KETASIM_JAX_CACHE`
is used as configured); "run" is `run_trial` on the warm cluster (scheduler address), all
chunks, written to Zarr.
"total" = compile + run is what a user waits for from a cold start. Patients per second
are over the run. The speed-up is 1-worker time / 2-worker time, for run and for total.

Anchor, in the same run: the first `--roadrunner-n` patients of every arm (default 10)
through the exported whole model (staged SBML) in libRoadRunner, one core, at the
trial's tolerances; its patients/s over the 4 arms is extrapolated from that sample and
set against ketasim's run phase per core (patients/s / workers). The same patients'
depression severity at every visit is compared with ketasim's solve of them.

Usage: python benchmarks/trial.py [--patients 10000] [--days 28] [--chunk 1000] [--workers 1,2]
       [--roadrunner-n 10] [--no-pin]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import numpy as np

TRIAL = """
id = "benchmark-trial"
title = "Benchmark: saline, ketamine, citalopram, esketamine"
source = "benchmark"
tags = ["clinical"]

[protocol]
duration = "{days} d"

[protocol.population]
n = {n}
seed = 0
cohort = "trd"
chunk = {chunk}

[protocol.arms.saline]
doses = [{{ drug = "saline", route = "iv", dose = "0 mg/kg", duration = "40 min" }}]

[protocol.arms.ketamine]
doses = [{{ drug = "ketamine", route = "iv", dose = "0.5 mg/kg", duration = "40 min" }}]

[protocol.arms.citalopram]
doses = [{{ drug = "citalopram", route = "oral", dose = "20 mg", repeat = {{ every = "1 d", count = {days} }} }}]

[protocol.arms.esketamine]
doses = [{{ drug = "esketamine", route = "intranasal", dose = "56 mg", repeat = {{ every = "3.5 d", count = {sessions} }} }}]

[[measure]]
arm = "ketamine"
endpoint = "response_rate"
at = "1 d"
range = [0, 1]
"""


def spec_of(n: int, days: int, chunk: int):
    import tomllib

    from ketasim.experiments.loader import parse_experiment
    from ketasim.trial.spec import trial_spec

    text = TRIAL.format(n=n, days=days, chunk=chunk, sessions=max(1, int(days / 3.5)))
    return trial_spec(parse_experiment(tomllib.loads(text), "<benchmark>"))


def one(spec, workers: int, pin: bool = True) -> dict:
    """Compile on a fresh cluster of `workers`, then run the trial on it; seconds."""
    import logging

    from dask.distributed import Client, LocalCluster

    from ketasim.trial.chunk import simulate_chunk
    from ketasim.trial.engine import pin_workers, run_trial

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        if pin:
            pin_workers(client)   # as run_trial's own local cluster does
        t0 = time.perf_counter()
        for arm in spec.arms:
            client.run(simulate_chunk, arm, spec.cohort, 0, 1, spec.seed, spec.visits, spec.species,
                       batch=spec.chunk)
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="ketasim-bench-") as out:
            result = run_trial(spec, out, scheduler=cluster.scheduler_address, progress=True)
        t2 = time.perf_counter()
    total_patients = spec.n * len(spec.arms)
    assert result.chunks_run == len(spec.arms) * len(spec.chunks())
    return {"workers": workers, "compile_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
            "patients_per_s": total_patients / (t2 - t1)}


def roadrunner_sample(spec, m: int) -> dict:
    """The first m patients of every arm through libRoadRunner, one core: seconds per arm
    (the solves only; SBML export and load apart), and the largest difference in
    depression severity at the visits from ketasim's solve of the same patients."""
    from rr_patients import RoadRunnerPatients

    from ketasim.population import draw_population
    from ketasim.simulate import schedule_for
    from ketasim.trial.chunk import TRIAL_ATOL, TRIAL_RTOL, mechanistic_courses, trial_times, visit_grid
    from ketasim.trial.chunk_model import chunk_model

    days = visit_grid(spec.visits)
    ts, at_visit, _ = trial_times(days)
    duration = float(ts[-1])
    solve_s, load_s, worst = {}, 0.0, 0.0
    for arm in spec.arms:
        model = chunk_model(spec.species, arm.hypotheses, arm.drugs, ())
        draw = draw_population(model, m, spec.seed, spec.cohort, arm.name, species=spec.species, bdnf=arm.bdnf)
        scheds = [schedule_for(model, arm.regimen, float(w), duration) for w in draw.weight]
        rr = RoadRunnerPatients(model, scheds[0], ts, "staged", TRIAL_RTOL, TRIAL_ATOL)
        load_s += rr.load_s
        col = list(model.observable_names).index("depression_severity")
        rr.solve(draw.p[0], scheds[0])  # warm-up (the first simulate allocates)
        t0 = time.perf_counter()
        severity = np.stack([rr.solve(draw.p[i], scheds[i])[at_visit, col] for i in range(m)])
        solve_s[arm.name] = time.perf_counter() - t0
        ks = mechanistic_courses(arm, spec.cohort, 0, m, spec.seed, days, spec.species, batch=spec.chunk)
        worst = max(worst, float(np.max(np.abs(severity - ks.severity))))
    return {"solve_s": solve_s, "load_s": load_s, "severity_diff": worst}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=10000, help="patients per arm (default 10000)")
    ap.add_argument("--days", type=int, default=28, help="trial duration in days (default 28)")
    ap.add_argument("--chunk", type=int, default=1000, help="patients per task (default 1000)")
    ap.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    ap.add_argument("--no-pin", action="store_true", help="leave the workers unpinned (the comparison)")
    ap.add_argument("--roadrunner-n", type=int, default=10,
                    help="patients per arm through libRoadRunner, the anchor (default 10; 0: none)")
    args = ap.parse_args()

    import jax

    import ketasim

    spec = spec_of(args.patients, args.days, args.chunk)
    counts = [int(w) for w in args.workers.split(",")]
    print(f"ketasim {ketasim.__version__}, JAX {jax.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, KETASIM_JAX_CACHE={os.environ.get('KETASIM_JAX_CACHE', '(default)')}")
    print(f"trial: {len(spec.arms)} arms x {spec.n} patients x {spec.duration_days:g} d, "
          f"{len(spec.visits)} visits, chunks of {spec.chunk} ({len(spec.arms) * len(spec.chunks())} tasks)")
    rows = [one(spec, w, not args.no_pin) for w in counts]
    print()
    print(f"{'workers':>7} {'compile s':>10} {'run s':>9} {'total s':>9} {'patients/s':>11}")
    for r in rows:
        print(f"{r['workers']:>7} {r['compile_s']:>10.1f} {r['run_s']:>9.1f} {r['total_s']:>9.1f} "
              f"{r['patients_per_s']:>11.1f}")
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        print(f"speed-up {a['workers']} -> {b['workers']} workers: run x{a['run_s'] / b['run_s']:.2f}, "
              f"total x{a['total_s'] / b['total_s']:.2f}")
    best_rate = max(r["patients_per_s"] for r in rows)
    best_total = min(r["total_s"] for r in rows)
    print(f"bars: run phase >= 333 patients/s, best {best_rate:.0f} ({'met' if best_rate >= 333 else 'missed'}); "
          f"<= 180 s in all, best {best_total:.0f} s ({'met' if best_total <= 180 else 'missed'})")
    if args.roadrunner_n > 0:
        m = min(args.roadrunner_n, spec.n)
        rr = roadrunner_sample(spec, m)
        rr_rate = m * len(spec.arms) / sum(rr["solve_s"].values())
        per_arm = ", ".join(f"{a} {s / m:.2f} s" for a, s in rr["solve_s"].items())
        print(f"libRoadRunner, staged SBML, one core, {m} patients per arm: {per_arm} per patient "
              f"(SBML export + load {rr['load_s']:.1f} s in all, apart) -> {rr_rate:.2f} patients/s")
        for r in rows:
            per_core = r["patients_per_s"] / r["workers"]
            print(f"ketasim per core ({r['workers']} worker{'s' if r['workers'] > 1 else ''}): {per_core:.1f} "
                  f"patients/s = x{per_core / rr_rate:.1f} libRoadRunner (bar x20)")
        print(f"largest difference in depression severity at the visits, libRoadRunner vs ketasim, "
              f"same patients: {rr['severity_diff']:.2g}")


if __name__ == "__main__":
    main()
