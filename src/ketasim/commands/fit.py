"""`ketasim fit`: calibrate chosen parameters against chosen experiments (diffrax gradients).

    ketasim fit --parameter 'ketamine_?.cl' --parameter 'ketamine_?.v1' \\
                --experiment pk-end-of-infusion-cmax:0 --experiment pk-kamp-clearance \\
                [--bounds NAME=LO:HI ...] [--max-steps N] [--method levenberg_marquardt|bfgs] \\
                [--out fitted.toml] [--json]
    ketasim fit --set src/ketasim/data/calibration/clinical.toml [--identifiability report.md]

An experiment is a library id or a path to an experiment file, optionally followed by
`:N,M` to fit only those measures (0-based), e.g. to leave out a `time_of_max` measure,
whose derivative is zero. Prints the parameters and measures before and after, and
writes the fitted values with their provenance (experiments, loss, date, method) for
`run`, `trial` and `validate --parameters`.

Virtual trials (experiments with arms) are fitted apart from the others, derivative-free
on their scored endpoints (`analysis.trial_fit`); their parameters may be the model's or
the statistical layer's (`trial.NAME`), and `--identifiability` writes what the measures
say about each fitted value. `--set` reads the experiments, parameters and bounds from a
declared calibration set (`analysis.calibration_set`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from ..choices import check_name, did_you_mean
from .common import console, guard
from .status import working
from .tables import print_table

METHOD_HELP = "levenberg_marquardt (default) or bfgs"


def resolve_experiment(text: str, library_ids: dict, field: str = "--experiment"):
    """(Experiment, measure indices or None) of 'ID_OR_FILE' or 'ID_OR_FILE:N,M'."""
    from ..errors import InputError
    from ..experiments.loader import load_experiment

    def one(name: str):
        if Path(name).is_file():
            return load_experiment(name)
        if name in library_ids:
            return load_experiment(library_ids[name])
        return None

    exp = one(text)
    if exp is not None:
        return exp, None
    base, colon, sel = text.rpartition(":")
    if colon and re.fullmatch(r"\d+(,\d+)*", sel):
        exp = one(base)
        if exp is not None:
            return exp, tuple(int(i) for i in sel.split(","))
    raise InputError(f"{field}: {text!r} is neither an experiment file nor a library experiment id"
                     f"{did_you_mean(text, library_ids)}")


def library_ids() -> dict:
    """Library experiment id -> file path."""
    import tomllib

    from ..experiments.loader import library_paths

    out = {}
    for p in library_paths():
        with open(p, "rb") as fh:
            out[str(tomllib.load(fh).get("id", p.stem))] = p
    return out


def fit(
    parameter: list[str] = typer.Option([], "--parameter",
                                        help="parameter to fit: a qualified name (ketamine_s.cl) or a pattern "
                                             "(ketamine_?.cl: one value for all matches); repeatable"),
    experiment: list[str] = typer.Option([], "--experiment",
                                         help="library id or experiment file, optionally :N,M to pick measures; "
                                              "repeatable"),
    bounds: list[str] = typer.Option([], "--bounds", help="NAME=LO:HI in the parameter's unit (default: the "
                                                          "declared bounds, else value/10..value*10); repeatable"),
    max_steps: int = typer.Option(100, "--max-steps", help="optimiser steps at most"),
    method: str = typer.Option("levenberg_marquardt", "--method", help=METHOD_HELP),
    out: Path = typer.Option(Path("fitted.toml"), "--out", help="fitted parameter file to write"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    calibration_set: Optional[Path] = typer.Option(None, "--set",
                                                   help="a declared calibration set (TOML: experiments, "
                                                        "parameters, bounds), e.g. data/calibration/clinical.toml"),
    identifiability: Optional[Path] = typer.Option(None, "--identifiability",
                                                   help="trial fits: write the identifiability report "
                                                        "(Markdown) here"),
) -> None:
    """Fit parameters to experiments: by gradients through the diffrax solver, or, for virtual
    trials, derivative-free on the scored endpoints (--max-steps then counts runs of the set)."""
    def go():
        from ..files import check_output

        check_output(out, "--out")  # before the fit
        from .. import __version__
        from ..analysis.fit import METHODS, fit as run_fit, fit_problem
        from ..analysis.fit_parameters import parse_bounds
        from ..analysis.parameter_file import FitProvenance, ParameterFile, save_parameter_file
        from ..errors import InputError

        names, chosen_ids, rng, steps = list(parameter), list(experiment), parse_bounds(bounds), max_steps
        if calibration_set is not None:
            from ..analysis.calibration_set import load_calibration_set

            if parameter or experiment or bounds:
                raise InputError("--set: give either a calibration set or --parameter/--experiment/--bounds")
            cs = load_calibration_set(calibration_set)
            names, chosen_ids, rng = list(cs.parameters), list(cs.experiments), dict(cs.bounds)
            steps = cs.max_steps or max_steps
        if not names:
            raise InputError("--parameter: name at least one parameter to fit")
        if not chosen_ids:
            raise InputError("--experiment: name at least one experiment")
        check_name(method, METHODS, "--method", "method")
        if steps < 1:
            raise InputError("--max-steps: must be at least 1")
        if out.exists() and out.is_dir():
            raise InputError(f"--out: {out} is a folder")
        ids = library_ids()
        chosen = [resolve_experiment(e, ids) for e in chosen_ids]
        picks = {exp.id: idx for exp, idx in chosen if idx is not None}
        trials = [bool(exp.protocol.arms) for exp, _ in chosen]
        if any(trials):
            if not all(trials):
                first = next(exp.id for exp, _ in chosen if not exp.protocol.arms)
                raise InputError(f"--experiment: {first} is not a trial; trials are fitted without gradients "
                                 "and apart from other experiments")
            if identifiability is not None:
                check_output(identifiability, "--identifiability")
            return fit_trial_experiments([e for e, _ in chosen], names, rng, picks, steps)
        if identifiability is not None:
            raise InputError("--identifiability: only a fit to trial experiments writes one")
        with working("building the experiments' models..."):
            problem = fit_problem([e for e, _ in chosen], names, rng, measures=picks)
        with working("fitting (the first gradient compiles, up to a minute)..."):
            result = run_fit(problem, method=method, max_steps=steps)
        when = datetime.now(timezone.utc).isoformat(timespec="seconds")
        prov = FitProvenance(experiments=problem.experiment_ids, loss_initial=result.loss_initial,
                             loss_final=result.loss_final, date=when, ketasim_version=__version__,
                             method=method, iterations=result.iterations, bounds=result.bounds(),
                             measures=tuple(t.name for t in problem.targets))
        save_parameter_file(ParameterFile(result.named_values(), prov), out)
        return result

    def fit_trial_experiments(exps, labels, rng, picks, evaluations):
        from .. import __version__
        from ..analysis.parameter_file import FitProvenance, ParameterFile, save_parameter_file
        from ..analysis.trial_fit import fit_trials

        with working("fitting the trials (each step runs every trial of the set)..."):
            result = fit_trials(exps, labels, rng, picks, max_evaluations=evaluations)
        when = datetime.now(timezone.utc).isoformat(timespec="seconds")
        prov = FitProvenance(experiments=tuple(dict.fromkeys(t.experiment for t in result.targets)),
                             loss_initial=result.loss_initial, loss_final=result.loss_final, date=when,
                             ketasim_version=__version__, method=result.method, iterations=result.iterations,
                             bounds=result.bounds(), measures=tuple(t.name for t in result.targets))
        save_parameter_file(ParameterFile(result.named_values(), prov), out)
        if identifiability is not None:
            from ..analysis.identifiability_report import identifiability_markdown
            from ..files import atomic_write_text

            atomic_write_text(identifiability, identifiability_markdown(result, prov))
        return result

    result = guard(go)
    data = trial_result_json(result, out) if hasattr(result, "identifiability") else result_json(result, out)
    if as_json:
        print(json.dumps(data))
        return
    print_result(data)
    if "identifiability" in data:
        print_identifiability(data["identifiability"])


def result_json(result, out: Path) -> dict:
    """The fit's summary as JSON data."""
    return {
        "parameters": [{"name": fp.label, "names": list(fp.names), "unit": fp.unit, "initial": fp.initial,
                        "fitted": result.values[fp.label], "lower": fp.lower, "upper": fp.upper,
                        "at_bound": result.at_bound(fp.label)} for fp in result.parameters],
        "measures": [{"name": m.name, "expected": m.expected, "tolerance": m.scale, "unit": m.unit,
                      "before": m.before, "after": m.after, "residual_before": m.residual_before,
                      "residual_after": m.residual_after} for m in result.measures],
        "loss_initial": result.loss_initial, "loss_final": result.loss_final, "iterations": result.iterations,
        "converged": result.converged, "method": result.method, "wall_s": result.wall_s, "out": str(out),
    }


def trial_result_json(result, out: Path) -> dict:
    """A trial fit's summary as JSON data: the gradient fit's keys, and its identifiability."""
    ident = result.identifiability
    return {**result_json(result, out), "identifiability": {
        **ident.to_json(), "factor": [ident.factor(k) for k in ident.labels],
        "verdict": [ident.verdict(k) for k in ident.labels]}}


def print_identifiability(data: dict) -> None:
    """Each fitted value's standard error (as a factor on the value) and whether the data pin it."""
    import math

    rows = [(label, f"factor {f:.3g}" if math.isfinite(f) else "unbounded", f"{sens:.3g}", verdict)
            for label, f, sens, verdict in zip(data["labels"], data["factor"], data["sensitivity"], data["verdict"])]
    print_table("Identifiability (Fisher information; one standard error as a factor on the value)",
                ("parameter", "standard error", "sensitivity (SD per log unit)", "verdict"), rows)


def print_result(data: dict) -> None:
    """The fit's parameters and measures as two tables (names whole), the loss and the file written."""
    print_table("Parameters", ("parameter", "unit", "start", "fitted", "bounds", "note"),
                [(p["name"], p["unit"], f"{p['initial']:.4g}", f"{p['fitted']:.4g}",
                  f"[{p['lower']:.4g}, {p['upper']:.4g}]", "on its bound" if p["at_bound"] else "")
                 for p in data["parameters"]])
    print_table("Measures (residual = (simulated - expected) / tolerance)",
                ("measure", "expected", "simulated: before -> after", "unit", "residual"),
                [(m["name"], f"{m['expected']:.4g} ± {m['tolerance']:.3g}", f"{m['before']:.4g} -> {m['after']:.4g}",
                  m["unit"], f"{m['residual_before']:+.2f} -> {m['residual_after']:+.2f}") for m in data["measures"]])
    state = "converged" if data["converged"] else "stopped before meeting its tolerances"
    console.print(f"loss (mean squared residual) {data['loss_initial']:.4g} -> {data['loss_final']:.4g}; "
                  f"{data['method']} {state} after {data['iterations']} steps in {data['wall_s']:.1f} s")
    console.print(f"wrote {data['out']}")
