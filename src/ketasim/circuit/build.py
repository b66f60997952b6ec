"""Rebuild the circuit surrogate: spiking runs -> calibrated mean-field -> closed-form fit.

1. Run the Brian2 network at a design of block points (the drug-free circuit, the
   receptor layer's blocks at brain ketamine levels under both hypotheses, and random
   points in [0, max_block]^3).
2. Calibrate the mean-field rates to the spiking rates (`calibrate`).
3. Fit the surrogate: firing rates and glutamate release from the calibrated mean field
   on a dense grid; gamma power and E/I ratio from the spiking runs directly, unless the
   mean field's gamma ratios agree with the network's (then from the mean field too).
   Which source each output came from is written into the surrogate's provenance.

Expensive (minutes per point at full size); run by `ketasim circuit build-surrogate`.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from typing import Sequence

import numpy as np

from .surrogate import Surrogate, fit_surrogate

CELLS = ("pyramidal", "pv", "sst")


def design(levels_um: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 5.0), n_random: int = 8, max_block: float = 0.7,
           seed: int = 0) -> np.ndarray:
    """Block points (n, 3): zero, receptor-layer points under both hypotheses, random points."""
    from .blocks import drug_block

    pts = [np.zeros(3)]
    for c in levels_um:
        for hyp in ("interneuron_preferential", "uniform"):
            b = drug_block(c, hyp)
            pts.append(np.array([b[k] for k in CELLS]))
    rng = np.random.default_rng(seed)
    pts.extend(rng.uniform(0.0, max_block, size=(n_random, 3)))
    return np.array(pts)


def _run_point(args) -> dict:
    b, duration_ms, seed, n_scale = args
    from .analysis import summary
    from .network import run_circuit

    res = run_circuit(dict(zip(CELLS, map(float, b))), duration_ms=duration_ms, seed=seed, n_scale=n_scale)
    return {k: float(v) for k, v in summary(res).items()}


def run_design(points: np.ndarray, duration_ms: float = 2000.0, seed: int = 0, n_scale: float = 1.0,
               workers: int = 1, seeds: int = 1, engine: str = "runtime") -> list[dict]:
    """Summaries (rates Hz, band powers, E/I, glutamate) of the network at each point.

    seeds: network seeds seed, seed+1, ...; each summary value is the mean over them (a
    2-s run's band powers vary between network instances, so one seed is noisy).
    engine: "runtime" (one `run_circuit` per point and seed, in `workers` processes) or
    "standalone" (one compiled C++ network per seed, points as run-time arguments; the same
    spikes as runtime for the same seed).
    """
    per_seed = [_design_runs(points, duration_ms, seed + k, n_scale, workers, engine) for k in range(seeds)]
    return [{key: float(np.mean([run[i][key] for run in per_seed])) for key in per_seed[0][i]}
            for i in range(len(points))]


def _design_runs(points: np.ndarray, duration_ms: float, seed: int, n_scale: float, workers: int,
                 engine: str) -> list[dict]:
    """Summaries of one network seed at every design point."""
    if engine == "standalone":
        from .analysis import summary
        from .standalone import sweep_standalone

        runs, _ = sweep_standalone([dict(zip(CELLS, map(float, b))) for b in points], duration_ms, seed, n_scale,
                                   workers=workers)
        return [{key: float(v) for key, v in summary(r).items()} for r in runs]
    jobs = [(b, duration_ms, seed, n_scale) for b in points]
    if workers <= 1:
        return [_run_point(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_run_point, jobs))


def build(points: np.ndarray, summaries: list[dict], grid_step: float = 0.05, max_block: float = 0.7,
          gamma_tolerance: float = 0.25, rate_tolerance: float = 0.05,
          runs: str = "spiking runs of 2 s") -> tuple[Surrogate, dict]:
    """Calibrate the mean field and fit the surrogate; returns (surrogate, report)."""
    import jax
    import jax.numpy as jnp

    from .calibrate import CircuitData, calibrate
    from .meanfield import band_powers, fixed_point

    if not np.allclose(points[0], 0.0):
        raise ValueError("the first design point must be the drug-free circuit (zero block)")
    rates = np.array([[s[f"rate_{c}"] for c in CELLS] for s in summaries])
    gamma = np.array([s["power_gamma"] for s in summaries]) / summaries[0]["power_gamma"]
    model, report = calibrate(CircuitData(points, rates, gamma))
    gamma_ok = bool(np.all(np.abs(np.log(np.array(report["gamma_ratio_fit"]) / gamma)) < np.log1p(gamma_tolerance)))

    axis = np.arange(0.0, max_block + 1e-9, grid_step)
    grid = np.array(np.meshgrid(axis, axis, axis, indexing="ij")).reshape(3, -1).T
    if report["rate_log_rmse"] <= rate_tolerance:
        mf_rates = np.asarray(jax.vmap(lambda b: fixed_point(model, b))(jnp.asarray(grid)))
        r0 = np.asarray(fixed_point(model, np.zeros(3)))
        rate_points, rate_values, where = grid, mf_rates, "mean field (calibrated)"
    else:  # the mean field does not yet reproduce the network: fit the network's rates directly
        r0 = rates[0]
        rate_points, rate_values = points, rates
        where = f"spiking runs directly (mean-field rate log-RMSE {report['rate_log_rmse']:.2f} > {rate_tolerance})"
    outputs = {f"rate_{c}": rate_values[:, i] for i, c in enumerate(CELLS)}
    outputs["glutamate_release"] = rate_values[:, 0] / r0[0]
    baseline = {f"rate_{c}": float(r0[i]) for i, c in enumerate(CELLS)}
    baseline["glutamate_release"] = 1.0
    sources = {k: where for k in outputs}
    fits = [fit_surrogate(rate_points, outputs, baseline)]
    if gamma_ok:
        g0 = float(band_powers(model, np.zeros(3))["gamma"])
        gam = np.array([float(band_powers(model, b)["gamma"]) / g0 for b in grid[::7]])
        fits.append(fit_surrogate(grid[::7], {"gamma_power": gam}, {"gamma_power": 1.0}))
        sources["gamma_power"] = "mean field (calibrated; gamma agreed with the network)"
    else:
        fits.append(fit_surrogate(points, {"gamma_power": gamma}, {"gamma_power": 1.0}))
        sources["gamma_power"] = "spiking runs directly (mean-field gamma disagreed with the network)"
    delta = np.array([s["power_delta"] for s in summaries]) / summaries[0]["power_delta"]
    fits.append(fit_surrogate(points, {"delta_power": delta}, {"delta_power": 1.0}))
    sources["delta_power"] = "spiking runs directly"
    ei = np.array([s["ei_ratio"] for s in summaries])
    fits.append(fit_surrogate(points, {"ei_ratio": ei}, {"ei_ratio": float(ei[0])}))
    sources["ei_ratio"] = "spiking runs directly"

    coefs, base = {}, {}
    for f in fits:
        coefs.update(f.coefficients)
        base.update(f.baseline)
    pred = Surrogate(fits[0].terms, {k: v for f in fits for k, v in f.baseline.items()},
                     {k: v for f in fits for k, v in f.coefficients.items()}).predict(points)
    residual = {k: float(np.sqrt(np.mean(np.log(pred[k] / obs) ** 2))) for k, obs in (
        ("rate_pyramidal", rates[:, 0]), ("rate_pv", rates[:, 1]), ("rate_sst", rates[:, 2]), ("gamma_power", gamma))}
    report.update({"runs": runs, "sources": sources, "points": points.tolist(), "network": summaries,
                   "gamma_ratio_network": gamma.tolist(), "surrogate_log_rmse_at_design_points": residual})
    prov = {"built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "summary": (f"spiking runs: {runs}; mean-field rate log-RMSE {report['rate_log_rmse']:.3f}; "
                        "surrogate log-RMSE at the design points "
                        + ", ".join(f"{k} {v:.3f}" for k, v in residual.items())),
            "sources": sources}
    return Surrogate(fits[0].terms, base, coefs, prov), report


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m ketasim.circuit.build [--workers N] [--duration-ms T] [--out FILE]`."""
    import argparse
    import json
    from pathlib import Path

    from .surrogate import default_path

    ap = argparse.ArgumentParser(description="Rebuild the circuit surrogate from spiking runs.")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration-ms", type=float, default=2000.0)
    ap.add_argument("--random-points", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seeds", type=int, default=1, help="average each point over this many network seeds")
    ap.add_argument("--engine", choices=("runtime", "standalone"), default="runtime",
                    help="standalone: compile the network once per seed (C++ standalone, needs a compiler)")
    ap.add_argument("--out", type=Path, default=default_path())
    ap.add_argument("--from-report", type=Path, default=None,
                    help="refit from the spiking runs saved in a previous build's report (no simulation)")
    args = ap.parse_args(argv)
    if args.from_report is not None:
        saved = json.loads(args.from_report.read_text())
        points, summaries = np.array(saved["points"]), saved["network"]
        runs = saved.get("runs", f"{len(points)} points x 1 seed(s) x 2 s")
    else:
        points = design(n_random=args.random_points, seed=args.seed)
        summaries = run_design(points, args.duration_ms, args.seed, 1.0, args.workers, args.seeds, args.engine)
        runs = f"{len(points)} points x {args.seeds} seed(s) x {args.duration_ms / 1e3:g} s"
    surrogate, report = build(points, summaries, runs=runs)
    args.out.write_text(surrogate.to_json())
    args.out.with_suffix(".report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: report[k] for k in ("rate_log_rmse", "converged", "sources",
                                             "surrogate_log_rmse_at_design_points")}, indent=1))


if __name__ == "__main__":
    main()
