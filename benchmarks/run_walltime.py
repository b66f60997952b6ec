"""Wall time of `ketasim run` (the standard job), cold and with JAX's persistent cache.

Cold: a fresh, empty compilation-cache folder (so every XLA program compiles).
Warm: the same folder, now populated. Each is the median of --repeats runs, in fresh
processes, in a temporary working folder. Bars (the fast-engine issue): cold <= 10 s, warm <= 3 s.
Warm means JAX's persistent cache and the exported solves (`engine.exported`) are on disk.

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as work:
        for _ in range(args.repeats):
            cache = tempfile.mkdtemp(prefix="ketasim-jax-cache-")
            cold.append(one_run(cache, work))
            warm.append(one_run(cache, work))
            shutil.rmtree(cache, ignore_errors=True)
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"ketasim run, cold (empty JAX cache): median {c:.2f} s  runs {[round(x, 2) for x in cold]}  bar 10 s")
    print(f"ketasim run, warm (persistent cache): median {w:.2f} s  runs {[round(x, 2) for x in warm]}  bar 3 s")
    print(f"cold/warm ratio: {c / w:.2f}")


if __name__ == "__main__":
    main()
