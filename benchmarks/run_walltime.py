"""Wall time of `ketasim run` (the standard job), cold and with JAX's persistent cache.

Cold: a fresh, empty compilation-cache folder (so every XLA program compiles).
Warm: the same folder, now populated. Each is the median of --repeats runs, in fresh
processes, in a temporary working folder. Bars (the fast-engine issue): cold <= 10 s, warm <= 3 s.
Warm means JAX's persistent cache and the exported solves (`engine.exported`) are on disk.
The anchor, timed in the same run and in the same way: a fresh Python that only imports the
libraries every `ketasim run` needs (JAX, SciPy's linear algebra that JAX's LAPACK calls load,
xarray, SymPy for the model, pint for units). Machines here differ by tens of percent from
hour to hour; warm / anchor is the figure that compares across them.

    python benchmarks/run_walltime.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def one_run(cache: str, workdir: str) -> float:
    env = dict(os.environ, KETASIM_JAX_CACHE=cache)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ketasim.cli", "run"], cwd=workdir, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


ANCHOR = "import jax, scipy.linalg, xarray, sympy, pint"


def anchor_run() -> float:
    """Seconds for a fresh Python to import what every run needs (the anchor)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", ANCHOR], check=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    cold, warm, anchor = [], [], []
    with tempfile.TemporaryDirectory() as work:
        for _ in range(args.repeats):
            cache = tempfile.mkdtemp(prefix="ketasim-jax-cache-")
            cold.append(one_run(cache, work))
            warm.append(one_run(cache, work))
            anchor.append(anchor_run())
            shutil.rmtree(cache, ignore_errors=True)
    c, w, a = statistics.median(cold), statistics.median(warm), statistics.median(anchor)
    print(f"ketasim run, cold (empty JAX cache): median {c:.2f} s  runs {[round(x, 2) for x in cold]}  bar 10 s")
    print(f"ketasim run, warm (persistent cache): median {w:.2f} s  runs {[round(x, 2) for x in warm]}  bar 3 s")
    print(f"cold/warm ratio: {c / w:.2f}")
    print(f"anchor ({ANCHOR}): median {a:.2f} s  runs {[round(x, 2) for x in anchor]}; "
          f"warm / anchor {w / a:.2f}, cold / anchor {c / a:.2f}")


if __name__ == "__main__":
    main()
