"""The CMT registry: which drug and route a dosing compartment stands for, and which
observable an observation compartment is. The one explicit mapping; docs/guide.md prints it.

Dosing compartments are 1-15, observation compartments 20 and above, so a number never
means both. Observation compartments are ketasim's plasma observables (ng/mL, the
venous or arterial sampling site of the `ketamine_pk` model in use; see
`mechanisms/pk_disposition.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class DoseCompartment:
    """A dosing compartment: the drug and route of a dose given into it."""

    drug: str
    route: str


DOSE_COMPARTMENTS: Mapping[int, DoseCompartment] = {
    1: DoseCompartment("ketamine", "iv"),
    2: DoseCompartment("ketamine", "oral"),
    3: DoseCompartment("ketamine", "intranasal"),
    4: DoseCompartment("ketamine", "sublingual"),
    5: DoseCompartment("ketamine", "im"),
    6: DoseCompartment("esketamine", "iv"),
    7: DoseCompartment("esketamine", "intranasal"),
    8: DoseCompartment("esketamine", "oral"),
    9: DoseCompartment("esketamine", "sublingual"),
    10: DoseCompartment("esketamine", "im"),
    11: DoseCompartment("arketamine", "iv"),
    12: DoseCompartment("arketamine", "intranasal"),
    13: DoseCompartment("arketamine", "oral"),
}
"""CMT -> (drug, route) of a dose record (EVID 1). Intranasal esketamine comes in 28 mg devices."""

OBSERVATION_COMPARTMENTS: Mapping[int, str] = {
    20: "plasma_ketamine",
    21: "plasma_norketamine",
    22: "plasma_s_ketamine",
    23: "plasma_r_ketamine",
    24: "plasma_s_norketamine",
    25: "plasma_r_norketamine",
    26: "plasma_hnk",
    27: "plasma_dehydronorketamine",
}
"""CMT -> observable of an observation record (EVID 0); DV in ng/mL."""


def dose_cmt(drug: str, route: str) -> int | None:
    """The dosing compartment of (drug, route), or None when the registry has none."""
    for cmt, comp in DOSE_COMPARTMENTS.items():
        if comp.drug == drug and comp.route == route:
            return cmt
    return None


def observation_cmt(observable: str) -> int | None:
    """The observation compartment of an observable, or None when the registry has none."""
    for cmt, name in OBSERVATION_COMPARTMENTS.items():
        if name == observable:
            return cmt
    return None


def registry_rows() -> list[dict]:
    """The registry as table rows (CMT, kind, drug/route or observable), for the docs and `--help`."""
    rows = [{"CMT": c, "kind": "dose", "meaning": f"{d.drug} {d.route}"} for c, d in DOSE_COMPARTMENTS.items()]
    rows += [{"CMT": c, "kind": "observation", "meaning": f"{o} (ng/mL)"} for c, o in OBSERVATION_COMPARTMENTS.items()]
    return rows
