"""`ketasim circuit`: the spiking microcircuit without drug and at a drug level or a regimen's time point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..choices import check_name
from ..experiments.plan import one_dose_regimen
from .common import REGIMEN_OPTIONS, console, guard, parse_assignments, write_figures
from .status import working
from .tables import print_rows


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
    nmda_block: list[str] = typer.Option([], "--nmda-block",
                                         help="CELL=FRACTION (repeatable; pyramidal, pv or sst): that cell type's "
                                              "NMDA drug block set by hand, over what --ketamine or --at gives"),
) -> None:
    """Spiking microcircuit without drug and at a drug level (or a regimen's time point): rates, band powers, figures."""

    def go():
        from ..files import check_folder

        check_folder(out, "--out")  # before the circuit runs
        from ..circuit import figures as cf
        from ..circuit.analysis import summary
        from ..circuit.blocks import HYPOTHESES, cell_blocks, drug_block
        from ..circuit.network import run_circuit
        from ..errors import InputError
        from ..limits import MAX_CIRCUIT_MS
        from ..units import parse_quantity

        conc = parse_quantity(ketamine, "uM", "--ketamine")
        dur = parse_quantity(duration, "ms", "--duration")
        if conc < 0:
            raise InputError("--ketamine: must not be negative")
        if dur <= 0:
            raise InputError("--duration: must be positive")
        if dur > MAX_CIRCUIT_MS:
            raise InputError(f"--duration: at most {MAX_CIRCUIT_MS / 1000:g} s of circuit time (got {duration!r})")
        if not 0.05 <= scale <= 2.0:
            raise InputError("--scale: must be between 0.05 and 2")
        check_name(block, HYPOTHESES, "--block", "hypothesis value")
        by_hand = cell_blocks(parse_assignments(nmda_block, "--nmda-block"), "--nmda-block")  # before --at's run
        if at is None:
            blocks, label = drug_block(conc, block), f"{conc:g} uM ({block})"
        else:
            blocks = _regimen_blocks(at, drug, route, dose, infusion, species, block)
            label = f"{drug} {dose} {route} at {at} ({block})"
        if by_hand:
            blocks = {**blocks, **by_hand}
            label += ", " + ", ".join(f"{c} {v:g}" for c, v in by_hand.items()) + " by hand"
        runs = {}
        with working("simulating the spiking circuit (two runs)..."):
            runs["no drug"] = run_circuit(drug_block(0.0, block), dur, seed, scale)
            runs[label] = run_circuit(blocks, dur, seed, scale)
        rows = [{"condition": k, **{n: float(v) for n, v in summary(r).items()}} for k, r in runs.items()]
        drug_run = list(runs.values())[1]
        figs = {"raster.png": cf.raster_figure(drug_run), "spectrum.png": cf.spectrum_figure(runs)}
        return rows, blocks, write_figures(out, figs)

    rows, blocks, files = guard(go, REGIMEN_OPTIONS)
    if as_json:
        print(json.dumps({"blocks": blocks, "runs": rows, "figures": files}))
        return
    console.print("NMDA drug block: " + ", ".join(f"{k} {v:.3f}" for k, v in blocks.items()))
    names = [k for k in rows[0] if k != "condition"]
    table = [{"quantity": n, **{r["condition"]: r[n] for r in rows},
              "ratio": (rows[1][n] / rows[0][n] if rows[0][n] else None)} for n in names]
    print_rows("Spiking circuit (rates Hz, band powers nA^2, peak Hz)", table)
    console.print("wrote " + ", ".join(files))


def _regimen_blocks(at: str, drug: str, route: str, dose: str, infusion: Optional[str], species: str,
                    block: str) -> dict[str, float]:
    """NMDA block per cell type (fraction) of the slow model at time `at` of a one-dose regimen."""
    from ..errors import InputError
    from ..patient import Patient
    from ..simulate import simulate
    from ..units import parse_quantity

    t_at = parse_quantity(at, "min", "--at")
    if t_at < 0:
        raise InputError("--at: must not be negative")
    regimen = one_dose_regimen(drug, route, dose, infusion)
    ds = simulate(regimen, Patient(species=species), f"{t_at + 1.0} min", {"circuit_block": block})
    t = ds["time"].values
    names = {c: ("nmda_block_mean" if block == "uniform" else f"nmda_block_{c}") for c in ("pyramidal", "pv", "sst")}
    from ..measures import STATISTICS, Options

    value_at = STATISTICS["value_at"]
    return {c: float(value_at.numpy(t, ds[n].values[None, :], Options(at=t_at))[0]) for c, n in names.items()}
