"""A sweep of drug levels on one compiled network: Brian2 C++ standalone with run-time arguments.

The plain way to sweep the circuit is one `run_circuit` per level, in Brian2's runtime
mode: every level rebuilds the network in Python and the run loop calls into compiled
code at every time step. Here the network is generated and compiled once (C++ standalone,
`build_on_run=False`); the per-cell-type drug block (`nmda_drug_block`, a shared constant
of each NeuronGroup) is a run-time argument of the binary (`group.var=value` on its
command line), so each level is one run of the same binary, and levels can run as parallel
processes, each writing its own results folder.

Because Brian2's C++ standalone random numbers come from the same Mersenne Twister and
seed as its runtime mode, and the network is built by the same `build_network`, a level
run here gives the same spikes as `run_circuit` with the same seed (checked by
`benchmarks/circuit_sweep.py`; needs single-threaded standalone, OpenMP changes the
random streams).
"""

from __future__ import annotations

import gc
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..errors import InputError
from ..receptor.values import DEFAULT, ReceptorValues
from .blocks import CELLS
from .network import CircuitResult, assemble_result, build_network, check_run


@dataclass(frozen=True)
class SweepTimings:
    """Wall times of a standalone sweep (s): code generation + compile, and the level runs."""

    build_s: float
    runs_s: float
    workers: int


def sweep_standalone(block_sets: Sequence[Mapping[str, float]], duration_ms: float = 2000.0, seed: int = 0,
                     n_scale: float = 1.0, warmup_ms: float = 500.0,
                     overrides: Mapping[str, float] | None = None, values: ReceptorValues = DEFAULT,
                     dt_ms: float = 0.1, workers: int = 1,
                     build_dir: Path | None = None) -> tuple[list[CircuitResult], SweepTimings]:
    """Simulate each block set (fractions per cell type) on one compiled network.

    Same arguments and results as `run_circuit` for each level. workers: how many level
    runs at once (separate processes). build_dir: the C++ project folder; a fresh temporary
    folder when None (a folder that already holds the same project is not recompiled).
    """
    import brian2 as b2

    if not block_sets:
        raise InputError("block_sets: need at least one level")
    if workers < 1:
        raise InputError("workers: must be at least 1")
    ov = dict(overrides or {})
    for blocks in block_sets:
        check_run(blocks, duration_ms, warmup_ms, ov)
    project = Path(build_dir) if build_dir is not None else Path(tempfile.mkdtemp(prefix="ketasim_sa_"))
    total = warmup_ms + duration_ms
    old_dt = b2.defaultclock.dt
    t0 = time.perf_counter()
    net = spikes = currents = None
    gc.collect()  # objects of an earlier build still alive would make Brian2 rename this build's code
    try:
        b2.start_scope()
        b2.set_device("cpp_standalone", directory=str(project), build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.defaultclock.dt = dt_ms * b2.ms
        b2.seed(int(seed))
        net, sizes, spikes, currents = build_network(block_sets[0], n_scale, ov, values)
        net.run(total * b2.ms, namespace={})
        b2.device.build(run=False, directory=str(project))
        recorded = {f"{c}_{k}": spikes[c].variables[k] for c in CELLS for k in ("i", "t")}
        recorded.update({k: currents.variables[k] for k in ("i_exc", "i_inh")})
        files = {name: (b2.device.get_array_filename(var), var.dtype) for name, var in recorded.items()}
        t1 = time.perf_counter()

        def one(k: int) -> Path:
            out = project / f"results_level_{k}"
            out.mkdir(exist_ok=True)
            args = [f"{c}_cells.nmda_drug_block={float(block_sets[k][c])!r}" for c in CELLS]
            done = subprocess.run([str(project / "main"), "--results_dir", f"{out}/", *args], cwd=project,
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"standalone circuit run {k} failed: {done.stderr.strip()[-500:]}")
            return out

        with ThreadPoolExecutor(max_workers=workers) as pool:
            outs = list(pool.map(one, range(len(block_sets))))
        runs_s = time.perf_counter() - t1
    finally:
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")
        b2.defaultclock.dt = old_dt
        net = spikes = currents = None
        gc.collect()
    results = []
    for blocks, out in zip(block_sets, outs):
        arr = {name: np.fromfile(out / f, dtype=dtype) for name, (f, dtype) in files.items()}
        trains = {c: (arr[f"{c}_i"].astype(np.int64), arr[f"{c}_t"] * 1e3) for c in CELLS}
        results.append(assemble_result(sizes, blocks, trains, arr["i_exc"] * 1e9, arr["i_inh"] * 1e9, dt_ms,
                                       float(warmup_ms), float(duration_ms), "cpp_standalone"))
    if build_dir is None:
        shutil.rmtree(project, ignore_errors=True)  # a throw-away project
    return results, SweepTimings(build_s=t1 - t0, runs_s=runs_s, workers=workers)


__all__ = ["sweep_standalone", "SweepTimings"]
