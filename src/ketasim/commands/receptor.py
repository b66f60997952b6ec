"""`ketasim receptor`: the NMDA receptor layer's tables and figures."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .common import console, guard, write_figures
from .tables import print_rows


def receptor(
    out: Path = typer.Option(Path("receptor_figures"), help="folder for the figures (PNG)"),
    magnesium: str = typer.Option("1 mM", help="Mg2+ for the block curves"),
    as_json: bool = typer.Option(False, "--json", help="print the tables as JSON"),
) -> None:
    """NMDA receptor layer: block per subtype and voltage, per cell type, Mg2+ block, trapping."""

    def go():
        import numpy as np

        from ..files import check_folder

        check_folder(out, "--out")  # before the figures are computed

        from ..receptor import figures as rf
        from ..receptor.values import ReceptorValues
        from ..units import parse_quantity

        mg = parse_quantity(magnesium, "mM", "--magnesium")
        if mg < 0:
            from ..errors import InputError

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
        return ic, cells, write_figures(out, figs)

    ic, cells, files = guard(go)
    if as_json:
        print(json.dumps({"ic50": ic, "cell_block": cells, "figures": files}))
        return
    print_rows("Racemic ketamine IC50 per subtype at -66 mV", ic)
    print_rows("Steady-state NMDA block per cell type (fraction)", cells)
    console.print("wrote " + ", ".join(files))
