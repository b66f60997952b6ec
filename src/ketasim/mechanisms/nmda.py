"""NMDA receptor block per cell type and subtype in the slow model (minutes).

Derived from the receptor layer's kinetic scheme (`ketasim.receptor.scheme`) and built
from the same parameter records (`ketasim.receptor.parameters`), so the two cannot drift
apart; a test checks the scheme's steady state against these expressions.

For cell type c (pyramidal, PV, SST) at membrane potential V_c and subtype s:

- B_cs = 1 / (1 + [Mg]/K0_s exp(-a_s V_c))                 open channels free of Mg2+
- X_cs = sum_b C_b B_cs / K_bs(V_c)                        blockers compete with Mg2+
- steady-state block of subtype s in cell c: X_cs / (1 + X_cs)
- po_cs: time-averaged open probability from the cell's glutamate input (release events
  per synapse per second, each binding for the deactivation time) and ambient agonists,
  the scheme's own steady state for that agonist level
- cell block: subtypes weighted by their share of the cell's drug-free NMDA current,
  fraction_cs * po_cs * B_cs

Two hypotheses (`nmda_block`): `quasi_steady` (default) uses the steady state at every
instant; `kinetic` integrates the trapping block per blocker, which relaxes only while
channels are open: dO_b/dt = po_cs koff(V_c) (C_b B_cs / K_bs (1 - sum O) - O_b). Silent,
Mg2+-blocked cells then reach block slowly and keep trapped drug after it is gone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..engine.module import Module
from ..receptor.parameters import BLOCKERS, CELLS, NMDA_PARAMETERS, SUBTYPES

_CONC = {b: f"brain_{b}" for b in BLOCKERS}
INPUTS = {f"brain_{b}": "uM" for b in BLOCKERS}

# Expressions of the scheme that other modules (the lateral habenula) reuse at their own
# membrane potential: text in the receptor records' symbols, `voltage` a symbol in mV.


def mg_free(subtype: str, voltage: str) -> str:
    """Fraction of open channels of `subtype` free of Mg2+ (Jahr & Stevens form)."""
    return f"1 / (1 + magnesium / mg_k0_{subtype} * exp(-mg_slope_{subtype} * {voltage}))"


def drug_shift(voltage: str) -> str:
    """Factor by which depolarisation raises the drugs' dissociation constant (K_b(V) / K_b)."""
    return f"exp(({voltage} - block_reference_voltage) / kd_efold_voltage)"


NATIVE_PO = " + ".join(f"fraction_pyramidal_{s} * open_probability_{s}" for s in SUBTYPES)


def unblock_rate(voltage: str) -> str:
    """Rate (1/min) at which trapped drug leaves per unit open probability: the apparent
    off-rate of native (pyramidal) receptors, divided by their open probability."""
    return f"koff_apparent / native_po * exp(({voltage} - block_reference_voltage) / koff_efold_voltage)"


def receptor_records(equations: str) -> tuple:
    """The receptor-layer Parameter records whose names appear in `equations`."""
    used = set(re.findall(r"[A-Za-z_]\w*", equations))
    return tuple(q for q in NMDA_PARAMETERS if q.name in used)


def _common_lines() -> list[str]:
    lines = []
    for s in SUBTYPES:
        lines.append(f"E_{s} = open_probability_{s} / (1 - open_probability_{s}) : 1")
        lines.append(f"xy_{s} = glycine_ambient / (glycine_ec50_{s} * (1 + E_{s})) : 1")
    for c in CELLS:
        lines.append(f"vshift_{c} = {drug_shift(f'membrane_potential_{c}')} : 1")
        for s in SUBTYPES:
            lines.append(f"mgfree_{c}_{s} = {mg_free(s, f'membrane_potential_{c}')} : 1")
            lines.append(f"xg_{c}_{s} = glutamate_ambient / (glutamate_ec50_{s} * (1 + E_{s})) "
                         f"+ input_rate_{c} * deactivation_tau_{s} / (1 + E_{s}) : 1")
            lines.append(f"po_{c}_{s} = xg_{c}_{s} * xy_{s} * E_{s} / ((1 + xg_{c}_{s}) * (1 + xy_{s}) "
                         f"+ xg_{c}_{s} * xy_{s} * E_{s}) : 1")
            lines.append(f"w_{c}_{s} = fraction_{c}_{s} * po_{c}_{s} * mgfree_{c}_{s} : 1")
            for b in BLOCKERS:
                lines.append(f"x_{c}_{s}_{b} = {_CONC[b]} * mgfree_{c}_{s} / (ketamine_ic50_{s} * potency_{b} * vshift_{c}) : 1")
    return lines


def _quasi_steady_lines() -> list[str]:
    lines = []
    for c in CELLS:
        for s in SUBTYPES:
            x = " + ".join(f"x_{c}_{s}_{b}" for b in BLOCKERS)
            lines.append(f"X_{c}_{s} = {x} : 1")
            lines.append(f"block_{c}_{s} = X_{c}_{s} / (1 + X_{c}_{s}) : 1")
    return lines


def _kinetic_lines() -> list[str]:
    lines = [f"native_po = {NATIVE_PO} : 1"]
    for c in CELLS:
        lines.append(f"koff_{c} = {unblock_rate(f'membrane_potential_{c}')} : 1/min")
        for s in SUBTYPES:
            occ = " + ".join(f"O_{c}_{s}_{b}" for b in BLOCKERS)
            lines.append(f"block_{c}_{s} = {occ} : 1")
            for b in BLOCKERS:
                lines.append(f"dO_{c}_{s}_{b}/dt = po_{c}_{s} * koff_{c} * (x_{c}_{s}_{b} * (1 - block_{c}_{s}) "
                             f"- O_{c}_{s}_{b}) : 1")
    return lines


def _observable_lines(with_mean: bool) -> list[str]:
    lines = []
    for c in CELLS:
        num = " + ".join(f"w_{c}_{s} * block_{c}_{s}" for s in SUBTYPES)
        den = " + ".join(f"w_{c}_{s}" for s in SUBTYPES)
        lines.append(f"nmda_block_{c} = ({num}) / ({den}) : 1")
    lines.append("nmda_block_interneuron = pv_share_of_interneurons * nmda_block_pv "
                 "+ (1 - pv_share_of_interneurons) * nmda_block_sst : 1")
    if with_mean:
        lines.append("nmda_block_mean = pyramidal_share_of_neurons * nmda_block_pyramidal "
                     "+ (1 - pyramidal_share_of_neurons) * nmda_block_interneuron : 1")
    share = {"pyramidal": "pyramidal_share_of_neurons",
             "pv": "(1 - pyramidal_share_of_neurons) * pv_share_of_interneurons",
             "sst": "(1 - pyramidal_share_of_neurons) * (1 - pv_share_of_interneurons)"}
    for s in SUBTYPES:
        num = " + ".join(f"{share[c]} * w_{c}_{s} * block_{c}_{s}" for c in CELLS)
        den = " + ".join(f"{share[c]} * w_{c}_{s}" for c in CELLS)
        # Max(): a subtype no cell type carries reads 0, not 0/0
        lines.append(f"nmda_block_{s} = ({num}) / Max({den}, 1e-30) : 1")
    return lines


OUTPUTS = (tuple(f"nmda_block_{c}" for c in CELLS) + ("nmda_block_interneuron",)
           + tuple(f"nmda_block_{s}" for s in SUBTYPES))
DESCRIPTIONS = {
    "nmda_block_pyramidal": "NMDA current blocked by drug, pyramidal cells",
    "nmda_block_pv": "NMDA current blocked by drug, PV interneurons",
    "nmda_block_sst": "NMDA current blocked by drug, SST interneurons",
    "nmda_block_interneuron": "NMDA current blocked by drug, interneurons (PV and SST)",
    "nmda_block_mean": "NMDA current blocked by drug, cell-number-weighted mean of the microcircuit",
    **{f"nmda_block_{s}": f"GluN1/{s[-2:].upper()} receptors blocked by drug (cortical microcircuit)" for s in SUBTYPES},
}


@lru_cache(maxsize=None)
def nmda_module(variant: str = "quasi_steady", with_mean: bool = False) -> Module:
    """The slow-model NMDA block module; variant 'quasi_steady' or 'kinetic'.

    with_mean adds `nmda_block_mean`, the cell-number-weighted mean block that the uniform
    circuit hypothesis feeds to every cell type. It is left out otherwise: libRoadRunner
    inlines assignment rules, and one more aggregate of the per-cell blocks triples its
    compile time of the exported model.
    """
    if variant not in ("quasi_steady", "kinetic"):
        raise ValueError(f"unknown NMDA block variant {variant!r}")
    body = _quasi_steady_lines() if variant == "quasi_steady" else _kinetic_lines()
    return Module(
        name="nmda",
        doc=__doc__.split("\n\n")[0],
        equations="\n".join(_common_lines() + body + _observable_lines(with_mean)),
        parameters=NMDA_PARAMETERS,
        inputs=INPUTS,
        outputs=OUTPUTS + (("nmda_block_mean",) if with_mean else ()),
        descriptions=DESCRIPTIONS,
    )
