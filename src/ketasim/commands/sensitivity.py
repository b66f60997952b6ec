"""`ketasim sensitivity`: global sensitivity (Morris or Sobol) of chosen outputs of a course.

Default: Morris screening, 10 trajectories on 4 levels, of the issue's outputs (MADRS
relief at 24 h and day 7, peak BDNF, spine density at day 3, peak plasma ketamine) to
every parameter with between-subject variability, after the standard 0.5 mg/kg IV
infusion over 40 min, simulated for 8 days. Cost: (k + 1) x trajectories model runs for
Morris, N (k + 2) for Sobol (k varying parameters), solved in vmap batches.
Writes DIR/sensitivity.json and one tornado PNG per output.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import typer

from ..choices import check_name
from ..experiments.plan import one_dose_regimen
from ..files import atomic_write
from .common import REGIMEN_OPTIONS, console, guard, parse_hypotheses, write_figures
from .status import working
from .tables import print_table

METHODS = ("morris", "sobol")
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
DAY = 1440.0


def sensitivity(
    method: str = typer.Option("morris", help="morris (screening) or sobol (variance indices)"),
    output: list[str] = typer.Option([], "--output", help="OBSERVABLE:STATISTIC[@TIME], e.g. 'bdnf:max', "
                                     "'madrs:relief@24 h' (repeatable; default: the issue's five outputs)"),
    parameter: list[str] = typer.Option([], "--parameter", help="qualified NAME or NAME=LO:HI in its unit "
                                        "(repeatable; default: every parameter with between-subject CV)"),
    samples: Optional[int] = typer.Option(None, "--samples", help="Morris trajectories (default 10) or Sobol "
                                          "base samples N, a power of two (default 64)"),
    levels: int = typer.Option(4, "--levels", help="Morris grid levels (even)"),
    seed: int = typer.Option(0, "--seed", help="random seed (sampling and bootstrap)"),
    drug: str = typer.Option("ketamine", help="drug"),
    route: str = typer.Option("iv", help="route"),
    dose: str = typer.Option("0.5 mg/kg", help="dose, e.g. '0.5 mg/kg' or '56 mg'"),
    infusion: Optional[str] = typer.Option("40 min", help="IV infusion duration; 'none' for a bolus"),
    species: str = typer.Option("human", help="human, rat or mouse"),
    duration: Optional[str] = typer.Option(None, help="simulated time (default: latest output time + 1 d, "
                                           "at least 1 d; 8 d for the default outputs)"),
    hypothesis: list[str] = typer.Option([], "--hypothesis", help="NAME=VALUE (repeatable)"),
    batch_size: int = typer.Option(256, "--batch-size", help="patients per vmap batch"),
    out: Path = typer.Option(Path("sensitivity"), "--out", help="folder for sensitivity.json and the figures"),
    as_json: bool = typer.Option(False, "--json", help="print the JSON instead of the table"),
) -> None:
    """Global sensitivity (SALib Morris or Sobol) of course outputs to the varying parameters."""
    def go():
        from ketasim.errors import InputError

        from ..files import check_folder, check_output

        check_folder(out, "--out")  # before the samples are solved
        check_output(out / "sensitivity.json", "--out")

        n = DEFAULT_SAMPLES.get(method) if samples is None else samples
        check_name(method, METHODS, "--method", "method")
        if n < 1:
            raise InputError("--samples: must be at least 1")
        if batch_size < 1:
            raise InputError("--batch-size: must be at least 1")
        if out.exists() and not out.is_dir():
            raise InputError(f"--out: {out} exists and is not a folder")
        regimen = one_dose_regimen(drug, route, dose, infusion)
        with working(f"{method}: sampling the parameters and solving the model for each sample..."):
            return run_analysis(method, n, levels, seed, regimen, species, parse_hypotheses(hypothesis),
                                output, parameter, duration, batch_size)

    doc, figures = guard(go, REGIMEN_OPTIONS)
    paths = write_figures(out, figures)
    doc["figures"] = paths
    atomic_write(out / "sensitivity.json", lambda p: p.write_text(json.dumps(doc, indent=1)))
    if as_json:
        print(json.dumps(doc))
        return
    console.print(f"{doc['method'].capitalize()} sensitivity: top parameters per output "
                  f"(seed {doc['seed']}, {len(doc['parameters'])} varying parameters)")
    print_summary_tables(doc)
    console.print(f"{doc['evaluations']} model runs in {doc['wall_s']:.1f} s; wrote {out / 'sensitivity.json'} "
                  f"and {len(paths)} figures")


def run_analysis(method: str, n: int, levels: int, seed: int, regimen: list, species: str, hypotheses: dict,
                 output: list[str], parameter: list[str], duration: str | None, batch_size: int):
    """The analysis behind the command: (JSON document, {file name: figure})."""
    import time

    from ketasim import __version__
    from ketasim.analysis import sensitivity as sa
    from ketasim.analysis.course import course_evaluator
    from ketasim.analysis.outputs import DEFAULT_OUTPUTS, parse_output
    from ketasim.analysis.sensitivity_figures import figure_name, tornado
    from ketasim.analysis.space import parameter_space, parse_parameter
    from ketasim.experiments.plan import simulated_duration
    from ketasim.limits import check_duration
    from ketasim.simulate import model_for

    specs = tuple(parse_output(s) for s in (output or DEFAULT_OUTPUTS))
    latest = max([s.at for s in specs if s.at is not None], default=0.0)
    # within limits.MAX_DURATION_MIN, whether given or implied by the latest --output time
    dur = simulated_duration(duration, "--duration") if duration else check_duration(max(latest + DAY, DAY), "--output")
    if dur <= 0:
        from ketasim.errors import InputError

        raise InputError("--duration: must be positive")
    model = model_for(regimen, species, hypotheses)
    parsed = [parse_parameter(t) for t in parameter]
    space = parameter_space(model, [nm for nm, _ in parsed] or None, {nm: r for nm, r in parsed if r})
    k = len(space.ranges)
    total = (k + 1) * n if method == "morris" else n * (k + 2)
    t0 = time.perf_counter()
    with _progress(total) as advance:
        evaluate = course_evaluator(model, regimen, space, specs, dur, batch_size, progress=advance)
        names = [s.text for s in specs]
        problem = space.problem()
        result = (sa.morris(problem, evaluate, n, levels, seed, names) if method == "morris"
                  else sa.sobol(problem, evaluate, n, seed, names))
    wall = time.perf_counter() - t0
    units = {s.text: s.unit(model.observables[model.observable_names.index(s.observable)].unit) for s in specs}
    doc = {
        "method": method, "settings": dict(result.settings), "seed": seed, "samples": n,
        "evaluations": result.evaluations, "wall_s": round(wall, 2), "ketasim_version": __version__,
        "species": species, "hypotheses": dict(model.hypotheses), "duration_min": dur,
        "regimen": [asdict(e) for e in regimen],
        "outputs": [{"spec": s.text, "observable": s.observable, "statistic": s.statistic, "at_min": s.at,
                     "unit": units[s.text], "mean": o.mean, "sd": o.sd} for s, o in zip(specs, result.outputs)],
        "parameters": [asdict(r) for r in space.ranges],
        "indices": {o.output: [asdict(i) for i in o.ranked()] for o in result.outputs},
    }
    figures = {figure_name(o.output): tornado(o, method, units[o.output]) for o in result.outputs}
    return doc, figures


def _progress(total: int):
    """A Rich progress bar of model runs on stderr; yields advance(k)."""
    import contextlib

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    @contextlib.contextmanager
    def bar():
        cols = (TextColumn("model runs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*cols, console=Console(stderr=True), transient=True) as p:
            task = p.add_task("runs", total=total)
            yield lambda k: p.advance(task, k)

    return bar()


def print_summary_tables(doc: dict, top: int = 5) -> None:
    """One table per output: its `top` parameters (names whole) with their rank and indices."""
    morris = doc["method"] == "morris"
    cols = ("mu*", "±95%", "sigma", "mu") if morris else ("S1", "±95%", "ST", "±95%")
    keys = ("mu_star", "mu_star_conf", "sigma", "mu") if morris else ("S1", "S1_conf", "ST", "ST_conf")
    for o in doc["outputs"]:
        unit = "" if o["unit"] == "1" else f", {o['unit']}"
        print_table(f"{o['spec']} (mean {o['mean']:.4g}, SD {o['sd']:.3g}{unit})", ("parameter", "rank", *cols),
                    [(r["parameter"], str(rank), *(f"{r[k]:.3g}" for k in keys))
                     for rank, r in enumerate(doc["indices"][o["spec"]][:top], 1)])
