"""Rebuild the circuit surrogate from spiking runs, with its out-of-sample error per output.

1. Design: block points (b_pyr, b_pv, b_sst) over the whole range 0-`max_block` (0.95 by
   default: from subanaesthetic to anaesthetic block): the drug-free circuit, the receptor
   layer's blocks at brain ketamine levels from 0.25 to 50 uM under both hypotheses, and
   random points. A second, disjoint set of points (other random draws and other ketamine
   levels) is held out: it is simulated but never fitted.
2. Runs: every point with several network seeds (C++ standalone: one compiled network per
   seed, the blocks as run-time arguments), long enough for slow rhythms (30 s by default;
   band powers from Welch segments of `segment_ms`, 4 s: 0.25 Hz resolution, so the delta
   band 1-4 Hz holds 12 bins). A point's value is the mean over seeds.
3. Fit: each output's log ratio to the drug-free circuit on the monomials of the blocks
   (`surrogate.fit_surrogate`), on the design points only. Reported per output: the
   log-RMSE at the design points, at the held-out points (the out-of-sample error), and
   the seed-to-seed noise of a held-out point's mean (the floor no fit can go below).

Expensive (minutes of CPU per seed and point); run by `python -m ketasim.circuit.build`.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .surrogate import OUTPUT_UNITS, Surrogate, fit_surrogate

CELLS = ("pyramidal", "pv", "sst")
DESIGN_LEVELS_UM = (0.25, 0.5, 1.0, 2.0, 5.0, 20.0, 50.0)  # brain racemic ketamine of the design's receptor points
HELD_OUT_LEVELS_UM = (3.0, 10.0)  # brain ketamine of held-out receptor points (not in the design)
# summary key of the spiking runs behind each surrogate output (powers are relative to zero block)
OUTPUT_KEYS: Mapping[str, str] = {"rate_pyramidal": "rate_pyramidal", "rate_pv": "rate_pv", "rate_sst": "rate_sst",
                                  "glutamate_release": "glutamate_release", "gamma_power": "power_gamma",
                                  "beta_power": "power_beta", "alpha_power": "power_alpha",
                                  "theta_power": "power_theta", "delta_power": "power_delta",
                                  "ei_ratio": "ei_ratio"}
RELATIVE = ("glutamate_release", "gamma_power", "beta_power", "alpha_power", "theta_power", "delta_power")
RATES = tuple(k for k, unit in OUTPUT_UNITS.items() if unit == "Hz")  # the population rates
# A population that falls silent (a few spikes in 30 s: 1e-4 Hz) would set log-space coefficients of
# 25 or more and an output spanning six decades across the cube, stiff enough that COPASI's LSODA
# stalls on the exported model. Below this rate (Hz) a rate is fitted as this rate: assumed, the
# lowest rate this circuit's read-outs need to tell apart (silence and near-silence alike).
RATE_FLOOR_HZ = 0.1


def receptor_points(levels_um: Sequence[float]) -> list[np.ndarray]:
    """The receptor layer's blocks (b_pyr, b_pv, b_sst) at each brain level (uM), under both hypotheses."""
    from .blocks import drug_block

    pts = []
    for c in levels_um:
        for hyp in ("interneuron_preferential", "uniform"):
            b = drug_block(c, hyp)
            pts.append(np.array([b[k] for k in CELLS]))
    return pts


def design(levels_um: Sequence[float] = DESIGN_LEVELS_UM, n_random: int = 10, max_block: float = 0.95,
           seed: int = 0) -> np.ndarray:
    """Fitted block points (n, 3): zero block first, receptor-layer points, random points in [0, max_block]^3."""
    rng = np.random.default_rng(seed)
    return np.array([np.zeros(3), *receptor_points(levels_um), *rng.uniform(0.0, max_block, size=(n_random, 3))])


def held_out(levels_um: Sequence[float] = HELD_OUT_LEVELS_UM, n_random: int = 4, max_block: float = 0.95,
             seed: int = 1) -> np.ndarray:
    """Held-out block points (n, 3): receptor points at levels not in the design, and random points
    from a random stream offset from every design seed's (so never a design point)."""
    rng = np.random.default_rng(seed + 10_000)  # a stream disjoint from any design seed
    return np.array([*receptor_points(levels_um), *rng.uniform(0.0, max_block, size=(n_random, 3))])


@dataclass(frozen=True)
class PointRuns:
    """Summaries of one design point: per seed (list of dicts) and their mean (dict)."""

    per_seed: tuple[Mapping[str, float], ...]

    @property
    def mean(self) -> dict[str, float]:
        return {k: float(np.mean([s[k] for s in self.per_seed])) for k in self.per_seed[0]}


def _run_point(args) -> dict:
    b, duration_ms, seed, n_scale, segment_ms = args
    from .analysis import summary
    from .network import run_circuit

    res = run_circuit(dict(zip(CELLS, map(float, b))), duration_ms=duration_ms, seed=seed, n_scale=n_scale)
    return {k: float(v) for k, v in summary(res, segment_ms).items()}


def run_design(points: np.ndarray, duration_ms: float = 30_000.0, seed: int = 0, n_scale: float = 1.0,
               workers: int = 1, seeds: int = 5, engine: str = "standalone",
               segment_ms: float = 4000.0, checkpoint: Path | None = None) -> list[PointRuns]:
    """Summaries (rates Hz, band powers, E/I, glutamate) of the network at each point, per seed.

    seeds: network seeds seed, seed+1, ... (each a different network instance and input).
    engine: "standalone" (one compiled C++ network per seed, points as run-time arguments;
    the same spikes as runtime for the same seed) or "runtime" (one `run_circuit` per point
    and seed, in `workers` processes). checkpoint: a folder where each finished seed's
    summaries are kept (`seed_K.json`, with the points and settings they belong to) and from
    which a later build takes them instead of simulating again: a full-size build (hours on
    two cores) can then be done a few seeds at a time.
    """
    per_seed = []
    for k in range(seeds):
        key = {"points": np.asarray(points, dtype=float).tolist(), "duration_ms": float(duration_ms),
               "seed": seed + k, "n_scale": float(n_scale), "engine": engine, "segment_ms": float(segment_ms)}
        runs = _checkpointed(checkpoint, key) if checkpoint is not None else None
        if runs is None:
            runs = _design_runs(points, duration_ms, seed + k, n_scale, workers, engine, segment_ms)
            if checkpoint is not None:
                from ..files import atomic_write_text

                checkpoint.mkdir(parents=True, exist_ok=True)
                atomic_write_text(checkpoint / f"seed_{seed + k}.json", json.dumps({"key": key, "runs": runs}))
        per_seed.append(runs)
    return [PointRuns(tuple(run[i] for run in per_seed)) for i in range(len(points))]


def _checkpointed(folder: Path, key: Mapping[str, object]) -> list[dict] | None:
    """A seed's saved summaries when the folder holds them for exactly these points and settings;
    None when it holds none; ValueError when it holds the seed under other points or settings."""
    path = folder / f"seed_{key['seed']}.json"
    if not path.is_file():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    if saved.get("key") != key:
        raise ValueError(f"{path}: saved for other points or settings than this build's; use another "
                         "--checkpoint folder or remove the file")
    return [dict(r) for r in saved["runs"]]


def _design_runs(points: np.ndarray, duration_ms: float, seed: int, n_scale: float, workers: int,
                 engine: str, segment_ms: float) -> list[dict]:
    """Summaries of one network seed at every point."""
    if engine == "standalone":
        from .analysis import summary
        from .standalone import sweep_standalone

        runs, _ = sweep_standalone([dict(zip(CELLS, map(float, b))) for b in points], duration_ms, seed, n_scale,
                                   workers=workers)
        return [{key: float(v) for key, v in summary(r, segment_ms).items()} for r in runs]
    jobs = [(b, duration_ms, seed, n_scale, segment_ms) for b in points]
    if workers <= 1:
        return [_run_point(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_run_point, jobs))


def output_values(runs: Sequence[Mapping[str, float]], baseline: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Surrogate outputs at each point from run summaries: rates (Hz, at least RATE_FLOOR_HZ) and E/I
    as measured; glutamate release and band powers relative to `baseline` (the drug-free circuit's summary)."""
    out = {}
    for name, key in OUTPUT_KEYS.items():
        y = np.array([r[key] for r in runs], dtype=float)
        if name in RELATIVE:
            y = y / baseline[key]
        elif name in RATES:
            y = np.maximum(y, RATE_FLOOR_HZ)
        out[name] = y
    return out


def log_rmse(predicted: np.ndarray, observed: np.ndarray) -> float:
    """Root mean square of log(predicted / observed) (dimensionless; 0.1 is about a 10% error)."""
    return float(np.sqrt(np.mean(np.log(np.asarray(predicted) / np.asarray(observed)) ** 2)))


def seed_noise(runs: Sequence[PointRuns], baseline: Mapping[str, float]) -> dict[str, float]:
    """Per output: the root mean over points of the standard error of a point's mean log value
    across seeds (SD of the per-seed logs / sqrt(seeds)); no fit can be expected to beat it."""
    out = {}
    for name in OUTPUT_KEYS:
        ses = []
        for pr in runs:
            y = output_values(pr.per_seed, baseline)[name]
            ses.append(np.std(np.log(y), ddof=1) / np.sqrt(len(y)) if len(y) > 1 else np.nan)
        out[name] = float(np.sqrt(np.nanmean(np.square(ses)))) if len(runs) and not np.all(np.isnan(ses)) else float("nan")
    return out


def build(points: np.ndarray, runs: Sequence[PointRuns], test_points: np.ndarray, test_runs: Sequence[PointRuns],
          description: str, degree: int = 2, settings: Mapping[str, float] | None = None) -> tuple[Surrogate, dict]:
    """Fit the surrogate on the design runs; report its error at the design and the held-out points.

    description: the runs in words (provenance); settings: the runs' numbers (n_scale,
    duration_ms, seeds, segment_ms), kept in the provenance so a check can rerun the network
    as the surrogate saw it.
    """
    if not np.allclose(points[0], 0.0):
        raise ValueError("the first design point must be the drug-free circuit (zero block)")
    means = [r.mean for r in runs]
    base = means[0]
    outputs = output_values(means, base)
    baseline = {k: (1.0 if k in RELATIVE else float(outputs[k][0])) for k in OUTPUT_KEYS}
    fit = fit_surrogate(points, outputs, baseline, degree=degree)
    test = output_values([r.mean for r in test_runs], base)
    pred_in, pred_out = fit.predict(points), fit.predict(test_points)
    error = {k: {"design_log_rmse": log_rmse(pred_in[k], outputs[k]),
                 "held_out_log_rmse": log_rmse(pred_out[k], test[k]),
                 "held_out_seed_noise": seed_noise(test_runs, base)[k]} for k in OUTPUT_KEYS}
    built = datetime.now(timezone.utc).isoformat(timespec="seconds")
    summary = (f"spiking runs: {description}; fitted on {len(points)} design points, checked on "
               f"{len(test_points)} held-out points; held-out log-RMSE "
               + ", ".join(f"{k} {v['held_out_log_rmse']:.3f}" for k, v in error.items()))
    report = {"runs": description, "settings": dict(settings or {}), "degree": degree, "error": error, "points": points.tolist(),
              "held_out_points": test_points.tolist(),
              "network": [list(r.per_seed) for r in runs], "held_out_network": [list(r.per_seed) for r in test_runs]}
    fitted = {"degree": degree, "rate_floor_hz": RATE_FLOOR_HZ}  # how the runs became coefficients
    report["fit"] = fitted
    prov = {"built": built, "summary": summary, "source": "spiking runs directly (no intermediate model)",
            "settings": dict(settings or {}), "fit": fitted}
    return Surrogate(fit.terms, fit.baseline, fit.coefficients, prov), report


def runs_from_report(saved: Mapping[str, object], key: str) -> list[PointRuns]:
    """PointRuns read back from a report's saved per-seed summaries."""
    return [PointRuns(tuple(seeds)) for seeds in saved[key]]  # type: ignore[union-attr]


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m ketasim.circuit.build [--workers N] [--duration-ms T] [--seeds K] [--out FILE]`."""
    import argparse

    from .surrogate import default_path

    ap = argparse.ArgumentParser(description="Rebuild the circuit surrogate from spiking runs.")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration-ms", type=float, default=30_000.0)
    ap.add_argument("--segment-ms", type=float, default=4000.0, help="Welch segment of the band powers")
    ap.add_argument("--random-points", type=int, default=10)
    ap.add_argument("--held-out-random", type=int, default=4)
    ap.add_argument("--max-block", type=float, default=0.95)
    ap.add_argument("--n-scale", type=float, default=0.4,
                    help="network size factor (0.4: 1,600 pyramidal cells and 400 interneurons)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seeds", type=int, default=5, help="network seeds per point (a point's value is their mean)")
    ap.add_argument("--degree", type=int, default=2)
    ap.add_argument("--engine", choices=("runtime", "standalone"), default="standalone")
    ap.add_argument("--out", type=Path, default=default_path())
    ap.add_argument("--checkpoint", type=Path, default=None,
                    help="folder that keeps each finished seed's runs; a later build with the same settings "
                         "takes them from there (a long build done a few seeds at a time)")
    ap.add_argument("--from-report", type=Path, default=None,
                    help="refit from the spiking runs saved in a previous build's report (no simulation)")
    args = ap.parse_args(argv)
    if args.from_report is not None:
        saved = json.loads(args.from_report.read_text())
        points, test_points = np.array(saved["points"]), np.array(saved["held_out_points"])
        runs, test_runs = runs_from_report(saved, "network"), runs_from_report(saved, "held_out_network")
        description, settings = saved["runs"], saved.get("settings", {})
    else:
        points = design(n_random=args.random_points, max_block=args.max_block, seed=args.seed)
        test_points = held_out(n_random=args.held_out_random, max_block=args.max_block, seed=args.seed + 1)
        both = run_design(np.vstack([points, test_points]), args.duration_ms, args.seed, args.n_scale, args.workers,
                          args.seeds, args.engine, args.segment_ms, args.checkpoint)
        runs, test_runs = both[:len(points)], both[len(points):]
        description = (f"{len(points)} + {len(test_points)} held-out points x {args.seeds} seeds x "
                       f"{args.duration_ms / 1e3:g} s (after 0.5 s warm-up), network scale {args.n_scale:g}, "
                       f"blocks 0-{args.max_block:g}, Welch segments {args.segment_ms / 1e3:g} s")
        settings = {"n_scale": args.n_scale, "duration_ms": args.duration_ms, "seeds": args.seeds,
                    "segment_ms": args.segment_ms}
    surrogate, report = build(points, runs, test_points, test_runs, description, args.degree, settings)
    args.out.write_text(surrogate.to_json())
    args.out.with_suffix(".report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({"runs": description, "error": report["error"]}, indent=1))


__all__ = ["design", "held_out", "run_design", "build", "output_values", "log_rmse", "seed_noise", "PointRuns",
           "OUTPUT_KEYS", "main"]

if __name__ == "__main__":
    main()
