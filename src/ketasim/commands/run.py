"""`ketasim run`: simulate a regimen, write the results (NetCDF) and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..experiments.plan import one_dose_regimen, simulated_duration
from ..files import atomic_group, check_output
from .regimen_options import Bdnf, Cyp2b6, Dose, Drug, Infusion, RepeatCount, RepeatEvery, Route, Species, Stress, Trkb, Weight
from .common import REGIMEN_OPTIONS, console, err_console, guard, parse_hypotheses
from .status import working
from .tables import print_rows


def run(
    drug: Drug = "ketamine",
    route: Route = "iv",
    dose: Dose = "0.5 mg/kg",
    infusion: Infusion = "40 min",
    repeat_every: RepeatEvery = None,
    repeat_count: RepeatCount = 1,
    weight: Weight = None,
    species: Species = "human",
    cyp2b6: Cyp2b6 = "*1/*1",
    bdnf: Bdnf = "val/val",
    trkb: Trkb = "wt",
    stress: Stress = "none",
    duration: str = typer.Option("24 h", help="simulated time"),
    hypothesis: list[str] = typer.Option([], "--hypothesis", help="NAME=VALUE (repeatable; ketasim list hypotheses)"),
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

    def go() -> tuple:
        """Check every option, solve, write results and report; returns the summary rows."""
        from ..engine.solve import choose
        from ..errors import InputError
        from ..mechanisms.drugs import check_regimen
        from ..patient import Patient
        from ..simulate import model_for
        from ..units import parse_quantity

        # every input checked before any status line or work: a refusal is the one line on stderr
        check_output(out, "--out")  # before any work: a bad path fails now, not after the solve
        check_output(report, "--report")
        if Path(out).resolve() == Path(report).resolve():
            raise InputError("--report: the same file as --out")
        w = parse_quantity(weight, "kg", "--weight") if weight else None
        regimen = one_dose_regimen(drug, route, dose, infusion, repeat_every, repeat_count)
        dur = simulated_duration(duration, "--duration")  # positive, within limits.MAX_DURATION_MIN
        patient = Patient(species=species, weight_kg=w, cyp2b6=cyp2b6, bdnf=bdnf, trkb=trkb, stress=stress)
        check_regimen(regimen, species)  # drug, route for the species, devices
        hyp = parse_hypotheses(hypothesis)
        model = model_for(regimen, species, hyp)
        choose(model, solver)
        pf, fitted = None, None
        if parameters is not None:
            from ..analysis.parameter_file import check_against, load_parameter_file

            pf = load_parameter_file(parameters, "--parameters")
            check_against(pf, model.parameters, "--parameters")
            fitted = model.parameters.with_mapping(dict(pf.values), "--parameters: values")  # bounds, before the solve
        ds, full = solved(regimen, patient, dur, hyp, pf)
        if pf is not None:
            ds.attrs["parameter_file"] = pf.to_attr(parameters)
            model = model.with_parameters(fitted)  # the report's table
        from ..netcdf import write_netcdf
        from ..report.html import write_report
        from ..report.sections import layer_sections
        from ..report.summary import pk_summary, receptor_summary

        rows = pk_summary(ds)
        rec = receptor_summary(ds)
        extra = _circuit_figures(ds, hyp) if circuit_figures else ()
        secs = layer_sections(ds)
        # results and report as one group: both written to temporaries, then renamed together
        with working(f"writing {out} and {report}..."):
            atomic_group({out: lambda p: write_netcdf(ds, p),
                          report: lambda p: write_report(p, ds, model, rows, title=f"{drug} {dose} {route}",
                                                         receptor_rows=rec, extra_figures=extra, sections=secs,
                                                         cascade=(ds, full))})
        return rows, rec, secs

    def solved(regimen, patient, dur: float, hyp: dict, pf) -> tuple:
        """One solve for the results and the report's cascade figure, whose weeks view runs on
        to WEEKS_DAYS; the results keep the requested duration. Returns (results, full run)."""
        from ..report.cascade import WEEKS_DAYS, extended_times
        from ..simulate import SimulationError, grid_for, simulate

        values = dict(pf.values) if pf else None
        times = extended_times(grid_for(regimen, dur), dur)
        weeks = max(dur, WEEKS_DAYS * 1440.0)
        also = f", and on to {WEEKS_DAYS:g} d for the report's weeks view" if weeks > dur else ""
        try:
            with working(f"solving 0-{duration}{also} (the first solve compiles the model)..."):
                full = simulate(regimen, patient, weeks, hyp, times=times, solver=solver, parameters=values)
        except SimulationError as exc:
            if dur >= WEEKS_DAYS * 1440.0:
                raise
            # the failure lies beyond the requested run, in the report's weeks view only: the run
            # itself is solved alone (a failure inside it is the error), the weeks view left out
            with working(f"solving 0-{duration} without the weeks view..."):
                full = simulate(regimen, patient, dur, hyp, solver=solver, parameters=values)
            err_console.print(f"note: the report's {WEEKS_DAYS:g}-day weeks view is left out ({exc})",
                              markup=False, highlight=False, soft_wrap=True)
        return full.sel(time=slice(None, dur)), full

    rows, rec, secs = guard(go, REGIMEN_OPTIONS)
    if as_json:
        print(json.dumps({"summary": rows, "receptors": rec, "layers": {s.title: s.rows for s in secs},
                          "left_out": {s.title: s.notes for s in secs if s.notes},
                          "results": str(out), "report": str(report)}))
        return
    print_rows("Pharmacokinetic summary", rows)
    print_rows("Receptor block and occupancy (fraction)", rec)
    for sec in secs:
        if sec.rows:
            print_rows(sec.title, sec.rows)
        for note in sec.notes:
            console.print(f"  not in the table: {note}", markup=False, highlight=False)
    console.print(f"wrote {out} and {report}")


def _circuit_figures(ds, hyp: dict) -> tuple:
    """Raster and spectra of the spiking circuit without drug and at the run's peak brain ketamine."""
    import numpy as np

    from ..circuit import figures as cf
    from ..circuit.blocks import drug_block
    from ..circuit.network import run_circuit

    peak = float(np.max(ds["brain_ketamine"].values))
    block = hyp.get("circuit_block", "interneuron_preferential")
    with working("simulating the spiking circuit at peak brain ketamine..."):
        runs = {"no drug": run_circuit(drug_block(0.0, block), 1000.0),
                f"peak brain ketamine {peak:.2g} uM": run_circuit(drug_block(peak, block), 1000.0)}
    return ((f"Spiking circuit at peak brain ketamine ({peak:.2g} uM, {block} block): raster of 200 cells "
             "per type and population rates (Hz) in the last 500 ms.", cf.raster_figure(list(runs.values())[1])),
            ("LFP-proxy power spectra (Welch) of the spiking circuit without drug and at peak brain "
             "ketamine; gamma band (30-80 Hz) shaded.", cf.spectrum_figure(runs)))
