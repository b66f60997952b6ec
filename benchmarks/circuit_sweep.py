"""A sweep of 10 brain ketamine levels x 2 s on the full spiking network, two ways, one run.

Anchor: the plain Brian2 runtime loop, one `run_circuit` per level (Cython target; the
network rebuilt and the run loop driven from Python at every step).
Ours: `ketasim.circuit.standalone.sweep_standalone`, C++ standalone compiled once, the
per-cell-type drug block a run-time argument of the binary; timed cold (fresh project
folder, so code generation and compile are counted) with one process, and warm (the
compiled project reused) with one process and with one process per core.
Identity: every level's spike trains and LFP must equal the anchor's for the same seed.
Bar (issue 4): >= 3x faster than the plain loop, identical spike statistics.

    python benchmarks/circuit_sweep.py [--scale 1.0] [--duration 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from ketasim.circuit.blocks import drug_block
from ketasim.circuit.network import CELLS, code_target, run_circuit
from ketasim.circuit.standalone import sweep_standalone

LEVELS_UM = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)  # brain ketamine (uM)


def identical(a, b) -> tuple[bool, float]:
    """Same spike trains in every population, and the largest relative LFP difference."""
    same = all(np.array_equal(a.spikes[c][0], b.spikes[c][0]) and np.allclose(a.spikes[c][1], b.spikes[c][1],
                                                                             rtol=0, atol=1e-9) for c in CELLS)
    lfp = float(np.max(np.abs(a.lfp - b.lfp)) / max(np.max(np.abs(b.lfp)), 1e-30))
    return same, lfp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="network size factor (1 = 5,000 cells)")
    ap.add_argument("--duration", type=float, default=2000.0, help="simulated ms per level (after 500 ms warm-up)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args()
    sets = [drug_block(c, "interneuron_preferential") for c in LEVELS_UM]
    kw = dict(duration_ms=args.duration, seed=args.seed, n_scale=args.scale)
    cores = os.cpu_count() or 1
    print(f"{len(sets)} levels x {args.duration:g} ms (+500 ms warm-up), scale {args.scale:g}, seed {args.seed}, "
          f"{cores} cores, runtime target {code_target()}")

    t0 = time.perf_counter()
    plain = [run_circuit(b, **kw) for b in sets]
    t_plain = time.perf_counter() - t0

    project = Path(tempfile.mkdtemp(prefix="ketasim_sweep_"))
    try:
        t0 = time.perf_counter()
        cold, tc = sweep_standalone(sets, build_dir=project, workers=1, **kw)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm, tw = sweep_standalone(sets, build_dir=project, workers=1, **kw)
        t_warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        par, tp = sweep_standalone(sets, build_dir=project, workers=cores, **kw)
        t_par = time.perf_counter() - t0
    finally:
        shutil.rmtree(project, ignore_errors=True)

    checks = [identical(s, p) for run in (cold, warm, par) for s, p in zip(run, plain)]
    all_same = all(s for s, _ in checks)
    worst_lfp = max(d for _, d in checks)
    rows = [("plain runtime loop (anchor)", t_plain, None),
            ("standalone, cold (codegen + compile + 10 runs), 1 process", t_cold, tc),
            ("standalone, compiled project reused, 1 process", t_warm, tw),
            (f"standalone, compiled project reused, {cores} processes", t_par, tp)]
    t_cold_par = tc.build_s + tp.runs_s  # derived: the cold build followed by the parallel runs
    print(f"{'set-up':<62}{'wall s':>9}{'build s':>9}{'runs s':>9}{'speed-up':>10}")
    for name, t, timing in rows:
        b = f"{timing.build_s:9.1f}{timing.runs_s:9.1f}" if timing else f"{'':>9}{'':>9}"
        print(f"{name:<62}{t:9.1f}{b}{t_plain / t:9.2f}x")
    print(f"{'standalone, cold, ' + str(cores) + ' processes (cold build s + parallel runs s)':<62}{t_cold_par:9.1f}"
          f"{'':>18}{t_plain / t_cold_par:9.2f}x")
    simulated_s = sum(p.duration_ms + p.warmup_ms for p in plain) / 1e3  # network s per sweep, warm-up included
    rtf = {"plain runtime loop": t_plain / simulated_s, "standalone cold, 1 process": t_cold / simulated_s,
           "standalone reused, 1 process": t_warm / simulated_s,
           "standalone binary runs alone (no build or load)": tw.runs_s / simulated_s}
    print("real-time factor (wall seconds per simulated second of the network): "
          + "; ".join(f"{k} {v:.2f}" for k, v in rtf.items()))
    print(f"identical spike trains at every level in every standalone run: {all_same}; "
          f"largest relative LFP difference {worst_lfp:.1e}")
    rates = [{c: round(float(len(p.spikes[c][0]) / p.sizes[c] / ((p.duration_ms + p.warmup_ms) / 1e3)), 3)
              for c in CELLS} for p in plain]
    for c_um, r in zip(LEVELS_UM, rates):
        print(f"  {c_um:5.2f} uM  mean rates (Hz, whole run) {r}")
    if args.json:
        args.json.write_text(json.dumps({
            "levels_uM": LEVELS_UM, "scale": args.scale, "duration_ms": args.duration, "cores": cores,
            "wall_s": {"plain": t_plain, "standalone_cold": t_cold, "standalone_warm": t_warm,
                       "standalone_parallel": t_par, "standalone_cold_parallel": t_cold_par},
            "speedup": {"cold": t_plain / t_cold, "warm": t_plain / t_warm, "parallel": t_plain / t_par,
                        "cold_parallel": t_plain / t_cold_par},
            "real_time_factor": rtf, "identical_spikes": all_same, "max_relative_lfp_difference": worst_lfp},
            indent=2))


if __name__ == "__main__":
    main()
