"""Drug names of the experiment vocabulary -> the molecular species they contain.

One table for every in-vitro assay (voltage clamp and binding). A racemate is split 1:1
into its enantiomers (`RACEMATE_HALF`, the definition of a racemate, shared with dosing).
"""

from __future__ import annotations

from ..choices import did_you_mean, one_of
from ..errors import InputError
from ..limits import shown
from ..mechanisms.drugs import RACEMATE_HALF

LIGANDS: dict[str, dict[str, float]] = {
    "ketamine": {"s_ketamine": RACEMATE_HALF, "r_ketamine": RACEMATE_HALF},
    "esketamine": {"s_ketamine": 1.0},
    "arketamine": {"r_ketamine": 1.0},
    "norketamine": {"s_norketamine": RACEMATE_HALF, "r_norketamine": RACEMATE_HALF},
    "s_norketamine": {"s_norketamine": 1.0},
    "r_norketamine": {"r_norketamine": 1.0},
    "hnk": {"hnk": 1.0},
    "dehydronorketamine": {"dehydronorketamine": 1.0},
}


def species_of(drug: str, concentration: float, allowed: tuple[str, ...], field: str) -> dict[str, float]:
    """Concentrations of the species of `drug` (same unit as `concentration`).

    Only drugs whose species are all in `allowed` are accepted; InputError naming `field`.
    """
    ok = [d for d, parts in LIGANDS.items() if set(parts) <= set(allowed)]
    if drug not in ok:
        raise InputError(f"{field}: unknown drug {shown(drug)} here{did_you_mean(drug, ok)}{one_of(ok)}")
    return {k: share * concentration for k, share in LIGANDS[drug].items()}
