"""Population PK throughput: ketasim (JAX/diffrax, vmapped) vs libRoadRunner (exported SBML).

Scenario: N virtual patients x 7 days, standard infusion (ketamine 0.5 mg/kg IV over
40 min), output every 10 min (`base_grid(7 * 1440)`). Both sides integrate with
relative tolerance 1e-8 and absolute tolerance 1e-10 (canonical units; ketasim's default).

ketasim: `simulate_population(regimen, n=N, seed=0, duration="7 d")`. A first call on one
full batch (same batch shape and grid, so the same compiled solver) is timed separately
as "first call" (compilation + one batch); the timed run is the warm one.

libRoadRunner: the whole model (every layer, as ketasim simulates it) is exported once
with the schedule of patient 0 (`ketasim.export.sbml.to_sbml`, staged form by default:
see `ketasim.export.staging`; dose amounts and rates are SBML parameters). For each
patient the model is reset to t = 0, every parameter value is set (model parameters from
`draw_population(model, N, 0).p[i]`, bolus jumps and infusion rates from the patient's
own schedule), together with the initial states, the segment-0 infusion rates and the
stored assignments' start values (`staging.stage_values_function`), and the model is
simulated on the same grid. Throughput is measured on M patients and extrapolated to N.

Accuracy: on the first min(200, M) patients, every observable from RoadRunner is compared
with `simulate_population` output (same seed, same draw) with the relative error
|a - b| / max(|b|, 1e-6 * max_t |b|).

Usage: python benchmarks/population_pk.py [--n 10000] [--roadrunner-n 1000] [--form staged]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="patients for ketasim (default 10000)")
    ap.add_argument("--roadrunner-n", type=int, default=1000,
                    help="patients simulated with libRoadRunner; throughput extrapolated (default 1000)")
    ap.add_argument("--compare-n", type=int, default=200, help="patients compared (default 200)")
    ap.add_argument("--form", default="staged", choices=("staged", "rules"), help="SBML form for libRoadRunner: staged (default) or rules "
                                                     "(more than 20 minutes to load the full model)")
    args = ap.parse_args()

    import jax
    import roadrunner

    import ketasim
    from ketasim import DoseEvent
    from ketasim.population import draw_population
    from ketasim.engine.output_grid import base_grid
    from ketasim.simulate import model_for, schedule_for
    from rr_patients import RoadRunnerPatients

    N, M = args.n, min(args.roadrunner_n, args.n)
    C = min(args.compare_n, M)
    duration = 7 * 1440.0
    regimen = (DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0, duration=40),)
    ts = base_grid(duration)
    rtol, atol = 1e-8, 1e-10
    print(f"scenario: {N} patients x 7 days, ketamine 0.5 mg/kg IV over 40 min, {len(ts)} output times "
          f"(every 10 min); rtol {rtol:g}, atol {atol:g} on both sides")
    print(f"host: {platform.processor() or platform.machine()}, jax backend {jax.default_backend()}, "
          f"libRoadRunner {roadrunner.__version__}")

    # ---- ketasim -----------------------------------------------------------------
    batch = min(1000, N)
    t0 = time.perf_counter()
    ketasim.simulate_population(regimen, n=batch, seed=1, duration="7 d", times=ts)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds = ketasim.simulate_population(regimen, n=N, seed=0, duration="7 d", times=ts)
    t_ks = time.perf_counter() - t0
    ks_rate = N / t_ks
    compile_est = max(t_first - t_ks * batch / N, 0.0)
    print(f"ketasim: first call ({batch} patients, includes compilation) {t_first:.2f} s "
          f"-> compilation about {compile_est:.2f} s")
    print(f"ketasim: {N} patients in {t_ks:.2f} s (warm) = {ks_rate:.1f} patients/s")

    # ---- libRoadRunner -------------------------------------------------------------
    model = model_for(regimen, "human", None)
    draw = draw_population(model, N, 0)
    scheds = [schedule_for(model, regimen, float(w), duration) for w in draw.weight[:M]]
    rr = RoadRunnerPatients(model, scheds[0], ts, args.form, rtol, atol)
    t_load = rr.load_s
    names = list(model.observable_names)

    def run_one(i: int) -> np.ndarray:
        return rr.solve(draw.p[i], scheds[i])

    run_one(0)  # warm-up (first simulate allocates)
    rr_out = np.empty((C, len(ts), len(names)))
    t0 = time.perf_counter()
    for i in range(M):
        res = run_one(i)
        if i < C:
            rr_out[i] = res
    t_rr = time.perf_counter() - t0
    rr_rate = M / t_rr
    print(f"libRoadRunner ({args.form} form, {rr.stored} stored assignments): SBML export + load "
          f"{t_load:.2f} s; {M} patients in {t_rr:.2f} s = "
          f"{rr_rate:.1f} patients/s (sequential, one core) -> {N / rr_rate:.1f} s extrapolated to {N}")
    print(f"ratio ketasim / libRoadRunner throughput: {ks_rate / rr_rate:.2f}x")

    # ---- accuracy ------------------------------------------------------------------
    worst, where = 0.0, ""
    for j, name in enumerate(names):
        b = ds[name].sel(time=ts).values[:C]          # declared units (ketasim adds the dose times)
        a = rr_out[:, :, j]
        floor = np.maximum(np.abs(b), 1e-6 * np.abs(b).max(axis=1, keepdims=True))
        floor = np.where(floor > 0, floor, 1.0)
        err = np.abs(a - b) / floor
        k = np.unravel_index(np.argmax(err), err.shape)
        if err[k] > worst:
            worst, where = float(err[k]), f"{name}, patient {k[0]}, t = {ts[k[1]]:g} min"
    print(f"largest relative difference over {len(names)} observables x {C} patients: {worst:.3g} ({where})")


if __name__ == "__main__":
    main()
