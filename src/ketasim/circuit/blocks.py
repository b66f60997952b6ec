"""Drug and Mg2+ block of NMDA receptors per cell type, read from the receptor layer.

Nothing here holds a receptor number: the Mg2+ block of each cell type is built from the
receptor layer's subtype fractions, K0 and slopes (`ReceptorValues`), and the drug block
is the slow model's own NMDA module evaluated at steady state.
"""

from __future__ import annotations

from typing import Mapping

from ..choices import check_name, unknown_name
from ..engine.evaluate import evaluate_module
from ..errors import InputError
from ..limits import shown
from ..mechanisms.nmda import nmda_module
from ..receptor.values import DEFAULT, SUBTYPES, ReceptorValues

CELLS = ("pyramidal", "pv", "sst")
HYPOTHESES = ("interneuron_preferential", "uniform")


def mg_terms(cell: str, values: ReceptorValues = DEFAULT) -> list[tuple[float, float, float]]:
    """(fraction, [Mg]/K0, slope in 1/mV) per distinct Mg2+ site of `cell`'s NMDA receptors.

    Subtypes with identical K0 and slope are merged (their fractions add), and absent
    subtypes dropped; the block is unchanged, the network evaluates fewer exponentials.
    """
    mg = values.get("magnesium", "mM")
    merged: dict[tuple[float, float], float] = {}
    for s in SUBTYPES:
        f = values.get(f"fraction_{cell}_{s}", "1")
        if f <= 0.0:
            continue
        key = (mg / values.get(f"mg_k0_{s}", "mM"), values.get(f"mg_slope_{s}", "1/mV"))
        merged[key] = merged.get(key, 0.0) + f
    return [(f, ratio, slope) for (ratio, slope), f in merged.items()]


def mg_unblocked(cell: str, v_mV: float, values: ReceptorValues = DEFAULT) -> float:
    """Receptor layer's fraction of `cell`'s open NMDA channels free of Mg2+ at v_mV (mV)."""
    mg = values.get("magnesium", "mM")
    return sum(values.get(f"fraction_{cell}_{s}", "1") * values.mg_unblocked(s, v_mV, mg) for s in SUBTYPES)


def drug_block(brain_ketamine_uM: float, hypothesis: str = "interneuron_preferential") -> dict[str, float]:
    """Steady-state NMDA block (fraction 0-1) per cell type at a brain racemic ketamine level (uM).

    "interneuron_preferential": the receptor layer's block per cell type (subtype mix,
    membrane potential and activity differ). "uniform": every cell type gets the
    cell-number-weighted mean of those three (the slow model's `nmda_block_mean`).
    """
    if hypothesis not in HYPOTHESES:
        raise InputError(unknown_name("hypothesis", "value", hypothesis, HYPOTHESES))
    if brain_ketamine_uM < 0:
        raise InputError("brain_ketamine_uM: must be >= 0")
    c = float(brain_ketamine_uM)
    env = evaluate_module(nmda_module(with_mean=True), {"brain_s_ketamine": c / 2, "brain_r_ketamine": c / 2})
    if hypothesis == "uniform":
        return {k: float(env["nmda_block_mean"]) for k in CELLS}
    return {k: float(env[f"nmda_block_{k}"]) for k in CELLS}


def cell_blocks(given: Mapping[str, str], field: str) -> dict[str, float]:
    """Drug blocks set by hand, as typed: `given` maps a cell type (one of CELLS) to a
    fraction 0-1; an unknown cell type, a text that is not a number (a decimal comma
    included) or a fraction outside 0-1 is refused naming `field`."""
    out = {}
    for cell, text in given.items():
        check_name(cell, CELLS, field, "cell type")
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{field}: {cell}={shown(text)}: the block is not a number (a fraction 0-1, "
                             "with a decimal point)") from None
        if not 0.0 <= value <= 1.0:
            raise InputError(f"{field}: {cell}={shown(text)}: the block must be a fraction between 0 and 1")
        out[cell] = value
    return out
