"""Load-and-first-simulation time of the whole exported model in libRoadRunner and COPASI.

For each export form (`ketasim.export.sbml.FORMS`: ``staged``, the default, and ``rules``)
the full model (every layer, default hypotheses, 70 kg adult) is exported with the
standard infusion (ketamine 0.5 mg/kg IV over 40 min) and reported with its SBML file
size and the size of its rules with assignment rules inlined (`export.inlined_size`: what
an engine that inlines them compiles). Each engine then loads the file and simulates
6 h on a 1-min grid, in a fresh process (no engine-side cache), timed as load and first
simulation; a run past `--limit` seconds is stopped and reported as more than the limit.
The simulated observables are compared with ketasim (`ketasim.simulate`, SciPy backend)
with `export.agreement` (relative, floor 1e-6 of each observable's largest magnitude).

Usage: python benchmarks/sbml_engines.py [--limit 1800] [--forms staged,rules]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TIMES = np.arange(0.0, 361.0)


def child(engine: str, path: str, out: str) -> None:
    """In a fresh process: load the SBML file in `engine`, simulate, write timings and values."""
    from ketasim.export import engines

    names = json.loads(Path(out).read_text())["names"]
    text = Path(path).read_text(encoding="utf-8")
    t0 = time.perf_counter()
    model = engines.load_roadrunner(text) if engine == "libroadrunner" else engines.load_copasi(text)
    t1 = time.perf_counter()
    if engine == "libroadrunner":
        values = engines.simulate_roadrunner(model, TIMES, names)
    else:
        values = engines.simulate_copasi(model, TIMES, names)
    t2 = time.perf_counter()
    np.save(out + ".npy", values)
    Path(out).write_text(json.dumps({"names": names, "load_s": t1 - t0, "sim_s": t2 - t1}))


def measure(engine: str, path: Path, names: list[str], limit: float) -> dict:
    """Run `child` in a subprocess; its timings and values, or {'stopped': limit}."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        Path(out).write_text(json.dumps({"names": names}))
        try:
            subprocess.run([sys.executable, __file__, "--child", engine, str(path), out],
                           check=True, timeout=limit)
        except subprocess.TimeoutExpired:
            return {"stopped": limit}
        result = json.loads(Path(out).read_text())
        result["values"] = np.load(out + ".npy")
        return result


def main() -> None:
    """Export each form, measure it, run it in each engine and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=float, default=1800.0, help="seconds before an engine run is stopped")
    ap.add_argument("--forms", default="staged,rules", help="comma-separated forms (staged, rules)")
    ap.add_argument("--child", nargs=3, metavar=("ENGINE", "SBML", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return

    import libsbml
    import roadrunner
    import basico

    import ketasim
    from ketasim import DoseEvent, Patient
    from ketasim.export.agreement import worst_differences
    from ketasim.export.engines import ENGINES
    from ketasim.export.inlined_size import inlined_size
    from ketasim.export.sbml import build_document
    from ketasim.simulate import model_for, schedule_for

    regimen = (DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0, duration=40),)
    patient = Patient()
    model = model_for(regimen, patient.species, None)
    model = model.with_parameters(model.parameters.with_mapping(patient.overrides()))
    schedule = schedule_for(model, regimen, patient.weight, 360.0)
    names = list(model.observable_names)
    ref = ketasim.simulate(regimen, patient=patient, duration="6 h", times=TIMES, backend="scipy").sel(time=TIMES)
    reference = np.stack([ref[n].values for n in names], axis=1)
    print(f"full model: {len(model.states)} states, {len(model.assignments)} assignments, "
          f"{len(names)} observables; standard infusion, 6 h, {len(TIMES)} output times")
    print(f"host: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; libRoadRunner {roadrunner.__version__}, "
          f"basico {basico.__version__}, libSBML {libsbml.getLibSBMLDottedVersion()}")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for form in args.forms.split(","):
            t0 = time.perf_counter()
            doc = build_document(model, schedule, form=form)
            text = libsbml.writeSBMLToString(doc)
            t_export = time.perf_counter() - t0
            path = Path(tmp) / f"ketasim_{form}.xml"
            path.write_text(text, encoding="utf-8")
            size = inlined_size(doc)
            print(f"form {form}: export {t_export:.2f} s, file {len(text.encode()) / 1024:.0f} KiB, "
                  f"{size.rules} rules: {size.direct} nodes as written, {size.inlined} inlined "
                  f"(largest rule {size.largest})", flush=True)
            for engine in ENGINES:
                r = measure(engine, path, names, args.limit)
                if "stopped" in r:
                    row = (form, engine, f"> {r['stopped']:.0f} (stopped)", "", "")
                else:
                    worst = worst_differences(r["values"], reference, names)
                    name, (err, k) = max(worst.items(), key=lambda kv: kv[1][0])
                    row = (form, engine, f"{r['load_s'] + r['sim_s']:.1f}",
                           f"load {r['load_s']:.1f} + simulate {r['sim_s']:.2f}",
                           f"{err:.2g} ({name}, t = {TIMES[k]:g} min)")
                rows.append(row)
                print("  " + " | ".join(row), flush=True)
    print("\n| form | engine | load + first simulation (s) | parts (s) | largest relative difference from ketasim |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
