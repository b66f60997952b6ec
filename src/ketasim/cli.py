"""The `ketasim` command line (Typer). Bad input: one line naming the field, exit 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="ketasim: ketamine from dose to symptoms. Research and teaching tool, not for clinical dosing.")
experiment_app = typer.Typer(no_args_is_help=True, help="Run experiment files (published findings).")
export_app = typer.Typer(no_args_is_help=True, help="Export the slow model.")
app.add_typer(experiment_app, name="experiment")
app.add_typer(export_app, name="export")

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _guard(fn):
    """Run fn(); known input errors become one line on stderr and exit status 2."""
    from .simulate import SimulationError

    from .errors import InputError

    try:
        return fn()
    except InputError as exc:
        fail(str(exc))
    except SimulationError as exc:
        fail(str(exc), code=3)


def _atomic_write(path: Path, writer) -> None:
    """Write via a temporary file in the same folder, then rename (no half-written files)."""
    from .files import atomic_write

    atomic_write(path, writer)


def _parse_hypotheses(items: list[str]) -> dict[str, str]:
    out = {}
    for it in items:
        if "=" not in it:
            fail(f"--hypothesis: expected NAME=VALUE, got {it!r}")
        k, v = it.split("=", 1)
        out[k.strip()] = v.strip()
    return out


@app.command()
def run(
    drug: str = typer.Option("ketamine", help="drug (ketamine, esketamine, arketamine, ...)"),
    route: str = typer.Option("iv", help="iv, intranasal, oral, sublingual, im (ip for rodents)"),
    dose: str = typer.Option("0.5 mg/kg", help="dose, e.g. '0.5 mg/kg' or '56 mg'"),
    infusion: Optional[str] = typer.Option("40 min", help="IV infusion duration; 'none' for a bolus"),
    repeat_every: Optional[str] = typer.Option(None, help="repeat interval, e.g. '3.5 d'"),
    repeat_count: int = typer.Option(1, help="number of doses"),
    weight: Optional[str] = typer.Option(None, help="body weight, e.g. '70 kg'"),
    species: str = typer.Option("human", help="human, rat or mouse"),
    cyp2b6: str = typer.Option("*1/*1", help="CYP2B6 genotype"),
    bdnf: str = typer.Option("val/val", help="BDNF Val66Met genotype: val/val, val/met, met/met"),
    trkb: str = typer.Option("wt", help="TrkB: wt or knockout"),
    stress: str = typer.Option("none", help="chronic stress (depressed-like, fewer PFC spines): none or chronic"),
    duration: str = typer.Option("24 h", help="simulated time"),
    hypothesis: list[str] = typer.Option([], "--hypothesis", help="NAME=VALUE (repeatable)"),
    solver: str = typer.Option("auto", help="auto, exact, tsit5, kvaerno5, ... or scipy"),
    out: Path = typer.Option(Path("results.nc"), help="NetCDF results file"),
    report: Path = typer.Option(Path("report.html"), help="HTML report"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    circuit_figures: bool = typer.Option(False, "--circuit-figures",
                                         help="also run the spiking circuit at peak brain ketamine and put "
                                              "its raster and spectrum in the report (about a minute)"),
    parameters: Optional[Path] = typer.Option(None, "--parameters",
                                              help="parameter file (ketasim fit) whose values the run uses"),
) -> None:
    """Simulate a regimen (default: racemic ketamine 0.5 mg/kg IV over 40 min, 70 kg adult)."""

    def go():
        from .patient import Patient
        from .report.html import write_report
        from .report.sections import layer_sections
        from .report.summary import pk_summary, receptor_summary
        from .simulate import model_for, simulate
        from .units import parse_quantity

        w = parse_quantity(weight, "kg", "--weight") if weight else None
        regimen = _one_dose_regimen(drug, route, dose, infusion, repeat_every, repeat_count)
        patient = Patient(species=species, weight_kg=w, cyp2b6=cyp2b6, bdnf=bdnf, trkb=trkb, stress=stress)
        hyp = _parse_hypotheses(hypothesis)
        model = model_for(regimen, species, hyp)
        pf = None
        if parameters is not None:
            from .analysis.parameter_file import check_against, load_parameter_file

            pf = load_parameter_file(parameters, "--parameters")
            check_against(pf, model.parameters, "--parameters")
        # One solve serves the results and the report's cascade figure, whose weeks view runs
        # on to WEEKS_DAYS; the results and summaries keep the requested duration only.
        from .report.cascade import WEEKS_DAYS, extended_times
        from .simulate import default_grid, minutes

        dur = minutes(duration, "--duration")
        times = extended_times(default_grid(dur), dur) if dur > 0 else None
        full = simulate(regimen, patient, max(dur, WEEKS_DAYS * 1440.0) if dur > 0 else duration, hyp,
                        times=times, solver=solver, parameters=dict(pf.values) if pf else None)
        ds = full.sel(time=slice(None, dur))
        if pf is not None:
            ds.attrs["parameter_file"] = pf.to_attr(parameters)
            model = model.with_parameters(model.parameters.with_mapping(dict(pf.values)))  # the report's table
        rows = pk_summary(ds)
        rec = receptor_summary(ds)
        _atomic_write(out, lambda p: ds.to_netcdf(p, engine="h5netcdf"))
        extra = _circuit_figures(ds, hyp) if circuit_figures else ()
        secs = layer_sections(ds)
        _atomic_write(report, lambda p: write_report(p, ds, model, rows, title=f"{drug} {dose} {route}",
                                                     receptor_rows=rec, extra_figures=extra, sections=secs,
                                                     cascade=(ds, full)))
        return rows, rec, secs

    rows, rec, secs = _guard(go)
    if as_json:
        print(json.dumps({"summary": rows, "receptors": rec, "layers": {s.title: s.rows for s in secs},
                          "results": str(out), "report": str(report)}))
        return
    _print_rows("Pharmacokinetic summary", rows)
    _print_rows("Receptor block and occupancy (fraction)", rec)
    for sec in secs:
        if sec.rows:
            _print_rows(sec.title, sec.rows)
    console.print(f"wrote {out} and {report}")


def _circuit_figures(ds, hyp: dict) -> tuple:
    """Raster and spectra of the spiking circuit without drug and at the run's peak brain ketamine."""
    import numpy as np

    from .circuit import figures as cf
    from .circuit.blocks import drug_block
    from .circuit.network import run_circuit

    peak = float(np.max(ds["brain_ketamine"].values))
    block = hyp.get("circuit_block", "interneuron_preferential")
    with console.status("simulating the spiking circuit at peak brain ketamine..."):
        runs = {"no drug": run_circuit(drug_block(0.0, block), 1000.0),
                f"peak brain ketamine {peak:.2g} uM": run_circuit(drug_block(peak, block), 1000.0)}
    return ((f"Spiking circuit at peak brain ketamine ({peak:.2g} uM, {block} block): raster of 200 cells "
             "per type and population rates (Hz) in the last 500 ms.", cf.raster_figure(list(runs.values())[1])),
            ("LFP-proxy power spectra (Welch) of the spiking circuit without drug and at peak brain "
             "ketamine; gamma band (30-80 Hz) shaded.", cf.spectrum_figure(runs)))


def _write_figures(folder: Path, figs: dict) -> list[str]:
    """Write matplotlib figures as PNG files into `folder` (atomically); returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, fig in figs.items():
        _atomic_write(folder / name, lambda p, f=fig: f.savefig(p, format="png", dpi=120))
    return [str(folder / n) for n in figs]


def _print_rows(title: str, rows: list[dict]) -> None:
    table = Table(title=title)
    for col in rows[0].keys() if rows else []:
        table.add_column(col)
    for r in rows:
        table.add_row(*[("—" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)) for v in r.values()])
    console.print(table)


def _print_results(results, as_json: bool) -> None:
    from .experiments.results import to_json

    if as_json:
        print(json.dumps(to_json(results)))
        return
    table = Table(title="Experiments")
    for col in ("id", "measure", "simulated", "expected", "unit", "result"):
        table.add_column(col)
    for r in results:
        for m in r.measures:
            exp = f"{m.expected:g} {m.tolerance}" if m.expected is not None else m.tolerance
            table.add_row(r.id, m.name, f"{m.simulated:.4g}", exp, m.unit, "pass" if m.passed else "MISS")
    console.print(table)
    s = to_json(results)["summary"]
    console.print(f"{s['passed']} of {s['total']} experiments passed")


@experiment_app.command("run")
def experiment_run(file: Path, as_json: bool = typer.Option(False, "--json", help="print results as JSON")) -> None:
    """Run one experiment file and score it against the published values."""
    from .experiments.loader import load_experiment
    from .experiments.run import run_experiment

    results = _guard(lambda: [run_experiment(load_experiment(file), keep_series=False)])
    _print_results(results, as_json)


@app.command()
def validate(
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the scorecard JSON here"),
    html_out: Optional[Path] = typer.Option(None, "--html", help="write the HTML scorecard (plots, sources) here"),
    tags: list[str] = typer.Option([], "--tags", help="only experiments whose layer tag is one of these"),
    ids: list[str] = typer.Option([], "--id", help="only these experiment ids (repeatable)"),
    strict: bool = typer.Option(False, help="exit 1 if any experiment misses"),
    parameters: Optional[Path] = typer.Option(None, "--parameters",
                                              help="fitted parameter file (ketasim fit); the experiments it was "
                                                   "fitted to count as calibration"),
    patients: Optional[int] = typer.Option(None, "--patients",
                                           help="cap each trial arm at this many patients (default: the file's n)"),
    jobs: int = typer.Option(1, "--jobs", help="experiments run in this many processes"),
) -> None:
    """Run the built-in experiment library and print the scorecard (a miss is information: exit 0)."""
    from .validation.scorecard import Scorecard, scorecard_json

    def go():
        from datetime import datetime, timezone

        from . import __version__
        from .errors import InputError
        from .experiments.loader import library
        from .validation.library_run import checked_selection, environment, require_at_least, run_library
        from .validation.unsourced import unsourced_parameters

        require_at_least(patients, 1, "--patients")
        require_at_least(jobs, 1, "--jobs")
        for path, flag in ((json_out, "--json"), (html_out, "--html")):
            if path is not None and path.exists() and path.is_dir():
                raise InputError(f"{flag}: {path} is a folder")
        values, calibration, settings = {}, frozenset(), {}
        if parameters is not None:
            from .analysis.parameter_file import load_parameter_file

            pf = load_parameter_file(parameters, "--parameters")
            values, calibration = dict(pf.values), pf.calibration_experiments
            settings["parameter_file"] = str(parameters)
            settings["parameter_file_values"] = json.dumps(values)
            settings["parameter_file_provenance"] = json.dumps(pf.provenance_json())
        exps = checked_selection(library(), tags, ids)
        if not exps:
            raise InputError("--tags/--id: no experiment selected")
        from rich.progress import Progress

        t0 = datetime.now(timezone.utc)
        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task("experiments", total=len(exps))
            entries = run_library(exps, patients, values, jobs,
                                  on_done=lambda e: bar.update(task, advance=1, description=e.experiment.id))

        settings = {"ketasim_version": __version__, "date": t0.strftime("%Y-%m-%d %H:%M UTC"),
                    "environment": environment(jobs),
                    "wall_time_s": round((datetime.now(timezone.utc) - t0).total_seconds(), 1),
                    "experiments": len(exps), "tags": ", ".join(tags) or "all",
                    "trial_patients_per_arm": patients or "as in each file", **settings}
        return Scorecard(tuple(entries), calibration, unsourced_parameters(), settings)

    sc = _guard(go)
    _print_scorecard(sc)
    data = scorecard_json(sc)
    if json_out:
        _atomic_write(json_out, lambda p: p.write_text(json.dumps(data, indent=1)))
    if html_out:
        from .validation.scorecard_html import render_scorecard

        _atomic_write(html_out, lambda p: p.write_text(render_scorecard(sc), encoding="utf-8"))
    if json_out or html_out:
        console.print("wrote " + " and ".join(str(p) for p in (json_out, html_out) if p))
    if strict and not sc.passed:
        raise typer.Exit(1)


def _print_scorecard(sc) -> None:
    table = Table(title="Validation scorecard")
    for col in ("experiment", "layer", "kind", "result", "measures"):
        table.add_column(col)
    for e in sc.entries:
        ms = e.result.measures if e.result else ()
        detail = f"{sum(m.passed for m in ms)} of {len(ms)} passed" if ms else e.error
        table.add_row(e.experiment.id, e.experiment.tags[0], "calibration" if sc.is_calibration(e) else "validation",
                      "[green]pass[/green]" if e.passed else "[red]miss[/red]", detail)
    console.print(table)
    for layer, s in sc.layers.items():
        v, c = s.validation, s.calibration
        console.print(f"{layer}: {s.all.passed} of {s.all.total} passed "
                      f"(validation {v.passed}/{v.total}, calibration {c.passed}/{c.total}; "
                      f"measures {s.measures.passed}/{s.measures.total})")


@app.command()
def trial(
    file: Path,
    patients: Optional[int] = typer.Option(None, "--patients", help="patients per arm (default: the file's n)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="dask.distributed scheduler address (default: a local cluster)"),
    workers: Optional[int] = typer.Option(None, "--workers",
                                          help="local cluster worker processes (default 2; 0: run in this process)"),
    out: Path = typer.Option(Path("trial"), "--out",
                             help="folder for trial.zarr, endpoints.parquet, summary.json, report.html"),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="bootstrap resamples for the 95% intervals (0: none)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    parameters: Optional[Path] = typer.Option(None, "--parameters",
                                              help="parameter file (ketasim fit) whose values every patient's "
                                                   "model uses (as typical values)"),
) -> None:
    """Run a virtual trial file (population and arms); re-running with the same --out resumes."""

    def go():
        from .errors import InputError
        from .experiments.loader import load_experiment
        from .trial.engine import run_trial
        from .trial.spec import trial_spec
        from .trial.summary import trial_outputs

        if patients is not None and patients < 1:
            raise InputError("--patients: must be at least 1")
        if workers is not None and workers < 0:
            raise InputError("--workers: must not be negative")
        if bootstrap < 0:
            raise InputError("--bootstrap: must not be negative")
        if out.exists() and not out.is_dir():
            raise InputError(f"--out: {out} exists and is not a folder")
        exp = load_experiment(file)
        if not exp.protocol.arms:
            raise InputError(f"{file}: protocol: not a trial (needs [protocol.population] and [protocol.arms.NAME])")
        values = None
        if parameters is not None:
            from .analysis.parameter_file import check_against, load_parameter_file
            from .mechanisms.registry import build_model

            pf = load_parameter_file(parameters, "--parameters")
            arms = trial_spec(exp, patients).arms
            for arm in arms:
                check_against(pf, build_model(exp.species, dict(arm.hypotheses), arm.drugs).parameters,
                              "--parameters")
            values = dict(pf.values)
        spec = trial_spec(exp, patients, parameters=values)
        result = run_trial(spec, out, scheduler=scheduler, workers=workers, progress=True)
        from .trial.mechanism import mechanism_html, typical_courses

        outputs = trial_outputs(exp, result, bootstrap, mechanism_html(spec, typical_courses(spec)))
        from .trial.tables import write_parquet

        _atomic_write(out / "endpoints.parquet", lambda p: write_parquet(outputs.patients, p))
        _atomic_write(out / "summary.json", lambda p: p.write_text(json.dumps(outputs.summary, indent=1)))
        _atomic_write(out / "report.html", lambda p: p.write_text(outputs.html, encoding="utf-8"))
        return outputs

    outputs = _guard(go)
    if as_json:
        print(json.dumps(outputs.summary))
        return
    _print_rows("Endpoints at the end of the trial (estimate [95% CI])", outputs.rows)
    if outputs.measures:
        _print_rows("Measures", outputs.measures)
    console.print(f"wrote {out / 'trial.zarr'}, {out / 'endpoints.parquet'}, {out / 'summary.json'}, "
                  f"{out / 'report.html'}")


@app.command()
def receptor(
    out: Path = typer.Option(Path("receptor_figures"), help="folder for the figures (PNG)"),
    magnesium: str = typer.Option("1 mM", help="Mg2+ for the block curves"),
    as_json: bool = typer.Option(False, "--json", help="print the tables as JSON"),
) -> None:
    """NMDA receptor layer: block per subtype and voltage, per cell type, Mg2+ block, trapping."""

    def go():
        import numpy as np

        from .receptor import figures as rf
        from .receptor.values import ReceptorValues
        from .units import parse_quantity

        mg = parse_quantity(magnesium, "mM", "--magnesium")
        if mg < 0:
            from .errors import InputError

            raise InputError("--magnesium: must not be negative")
        values = ReceptorValues()
        ic = rf.ic50_table(values)
        levels = np.array([0.25, 0.5, 1.0, 2.0, 5.0])
        blocks = rf.cell_block(levels)
        cells = [{"brain ketamine (uM)": float(c), **{k: float(v[i]) for k, v in blocks.items()}}
                 for i, c in enumerate(levels)]
        figs = {"block_per_subtype.png": rf.block_curves_figure(values, mg),
                "block_per_cell_type.png": rf.cell_block_figure(),
                "mg_block.png": rf.mg_figure(values),
                "trapping.png": rf.trapping_figure(values)}
        return ic, cells, _write_figures(out, figs)

    ic, cells, files = _guard(go)
    if as_json:
        print(json.dumps({"ic50": ic, "cell_block": cells, "figures": files}))
        return
    _print_rows("Racemic ketamine IC50 per subtype at -66 mV", ic)
    _print_rows("Steady-state NMDA block per cell type (fraction)", cells)
    console.print("wrote " + ", ".join(files))


@app.command()
def circuit(
    ketamine: str = typer.Option("1 uM", help="brain racemic ketamine level, e.g. '1 uM'"),
    block: str = typer.Option("interneuron_preferential", help="interneuron_preferential or uniform"),
    duration: str = typer.Option("2 s", help="simulated time after a 0.5 s warm-up"),
    seed: int = typer.Option(0, help="random seed"),
    scale: float = typer.Option(1.0, help="population size factor (1 = 4000 pyramidal + 1000 interneurons)"),
    out: Path = typer.Option(Path("circuit_figures"), help="folder for raster and spectrum (PNG)"),
    as_json: bool = typer.Option(False, "--json", help="print the table as JSON"),
    at: Optional[str] = typer.Option(None, help="a time in a regimen (e.g. '40 min'): the circuit gets the slow "
                                                "model's NMDA block per cell type then, instead of --ketamine"),
    drug: str = typer.Option("ketamine", help="with --at: the regimen's drug"),
    route: str = typer.Option("iv", help="with --at: the regimen's route"),
    dose: str = typer.Option("0.5 mg/kg", help="with --at: the regimen's dose"),
    infusion: Optional[str] = typer.Option("40 min", help="with --at: IV infusion duration; 'none' for a bolus"),
    species: str = typer.Option("human", help="with --at: human, rat or mouse"),
) -> None:
    """Spiking microcircuit without drug and at a drug level (or a regimen's time point): rates, band powers, figures."""

    def go():
        from .circuit import figures as cf
        from .circuit.analysis import summary
        from .circuit.blocks import HYPOTHESES, drug_block
        from .circuit.network import run_circuit
        from .errors import InputError
        from .units import parse_quantity

        conc = parse_quantity(ketamine, "uM", "--ketamine")
        dur = parse_quantity(duration, "ms", "--duration")
        if conc < 0:
            raise InputError("--ketamine: must not be negative")
        if dur <= 0:
            raise InputError("--duration: must be positive")
        if not 0.05 <= scale <= 2.0:
            raise InputError("--scale: must be between 0.05 and 2")
        if block not in HYPOTHESES:
            raise InputError(f"--block: unknown hypothesis value {block!r} (one of {', '.join(HYPOTHESES)})")
        if at is None:
            blocks, label = drug_block(conc, block), f"{conc:g} uM ({block})"
        else:
            blocks = _regimen_blocks(at, drug, route, dose, infusion, species, block)
            label = f"{drug} {dose} {route} at {at} ({block})"
        runs = {}
        with console.status("simulating the spiking circuit (two runs)..."):
            runs["no drug"] = run_circuit(drug_block(0.0, block), dur, seed, scale)
            runs[label] = run_circuit(blocks, dur, seed, scale)
        rows = [{"condition": k, **{n: float(v) for n, v in summary(r).items()}} for k, r in runs.items()]
        drug_run = list(runs.values())[1]
        figs = {"raster.png": cf.raster_figure(drug_run), "spectrum.png": cf.spectrum_figure(runs)}
        return rows, blocks, _write_figures(out, figs)

    rows, blocks, files = _guard(go)
    if as_json:
        print(json.dumps({"blocks": blocks, "runs": rows, "figures": files}))
        return
    console.print("NMDA drug block: " + ", ".join(f"{k} {v:.3f}" for k, v in blocks.items()))
    names = [k for k in rows[0] if k != "condition"]
    table = [{"quantity": n, **{r["condition"]: r[n] for r in rows},
              "ratio": (rows[1][n] / rows[0][n] if rows[0][n] else None)} for n in names]
    _print_rows("Spiking circuit (rates Hz, band powers nA^2, peak Hz)", table)
    console.print("wrote " + ", ".join(files))


def _one_dose_regimen(drug: str, route: str, dose: str, infusion: Optional[str], repeat_every: Optional[str] = None,
                      repeat_count: int = 1) -> list:
    """The regimen of the command line's dose options (one dose, or repeats of it), parsed."""
    from .engine.dosing import DoseEvent
    from .units import parse_dose, parse_quantity

    amount, per_kg = parse_dose(dose, "--dose")
    inf = None if infusion in (None, "", "none", "0") or route != "iv" else parse_quantity(infusion, "min", "--infusion")
    every = parse_quantity(repeat_every, "min", "--repeat-every") if repeat_every else None
    return [DoseEvent(drug, route, amount, per_kg, 0.0, inf, every, repeat_count, None, "--dose")]


def _regimen_blocks(at: str, drug: str, route: str, dose: str, infusion: Optional[str], species: str,
                    block: str) -> dict[str, float]:
    """NMDA block per cell type (fraction) of the slow model at time `at` of a one-dose regimen."""
    from .errors import InputError
    from .patient import Patient
    from .simulate import simulate
    from .units import parse_quantity

    t_at = parse_quantity(at, "min", "--at")
    if t_at < 0:
        raise InputError("--at: must not be negative")
    regimen = _one_dose_regimen(drug, route, dose, infusion)
    ds = simulate(regimen, Patient(species=species), f"{t_at + 1.0} min", {"circuit_block": block})
    t = ds["time"].values
    names = {c: ("nmda_block_mean" if block == "uniform" else f"nmda_block_{c}") for c in ("pyramidal", "pv", "sst")}
    import numpy as np

    return {c: float(np.interp(t_at, t, ds[n].values)) for c, n in names.items()}


@export_app.command("sbml")
def export_sbml(out: Optional[Path] = typer.Option(None, "--out", help="file to write (default: stdout)")) -> None:
    """Export the assembled slow model (default species and hypotheses) as SBML L3V2."""
    from .export.sbml import to_sbml
    from .mechanisms.registry import build_model

    text = _guard(lambda: to_sbml(build_model()))
    if out is None:
        sys.stdout.write(text)
    else:
        _atomic_write(out, lambda p: p.write_text(text))
        console.print(f"wrote {out}")


# Commands defined in their own modules (src/ketasim/commands/), one line each.
from .commands.fit import fit as _fit  # noqa: E402
app.command("fit")(_fit)
from .commands.hypotheses import hypotheses as _hypotheses  # noqa: E402
app.command("hypotheses")(_hypotheses)
from .commands.sensitivity import sensitivity as _sensitivity  # noqa: E402
app.command("sensitivity")(_sensitivity)
from .commands.serve import serve as _serve  # noqa: E402
app.command("serve")(_serve)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
