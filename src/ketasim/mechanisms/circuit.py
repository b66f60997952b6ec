"""The circuit as the slow model sees it: the surrogate of the spiking microcircuit.

Inputs are the receptor layer's NMDA block per cell type; outputs are the contract's
circuit observables (rate_pyramidal, rate_pv, rate_sst in Hz; glutamate_release and
the LFP band powers relative to the drug-free circuit; ei_ratio). The coefficients are fitted
Parameters read from the package's surrogate data (`make surrogate`, i.e. `python -m ketasim.circuit.build`).

Hypothesis `circuit_block`: `interneuron_preferential` feeds each cell type its own block;
`uniform` feeds every cell type the cell-number-weighted mean block (the alternative the
circuit literature tests: Susin & Destexhe; Kirli et al. 2014).
"""

from __future__ import annotations

from pathlib import Path

from ..circuit.blocks import HYPOTHESES
from ..circuit.surrogate import INPUTS, OUTPUT_UNITS, Surrogate, default_path, equation_lines, surrogate_parameters
from ..engine.module import Module

HYPOTHESIS_VALUES = HYPOTHESES  # the circuit_block hypothesis, declared with the blocks


def load_surrogate(path: Path | None = None) -> Surrogate | None:
    """The shipped surrogate, or None when it has not been built."""
    path = path or default_path()
    return Surrogate.from_json(path.read_text()) if path.exists() else None


def circuit_module(surrogate: Surrogate, block: str = "interneuron_preferential") -> Module:
    if block not in HYPOTHESIS_VALUES:
        raise ValueError(f"unknown circuit_block {block!r}")
    # the blocks the surrogate sees: each cell type's own, or everyone the mean block
    source = {c: ("nmda_block_mean" if block == "uniform" else c) for c in INPUTS}
    lines = [f"{c}_in = {source[c]} : 1" for c in INPUTS]
    body = equation_lines(surrogate, tuple(f"{c}_in" for c in INPUTS))
    return Module(
        name="circuit",
        doc=__doc__.split("\n\n")[0],
        equations="\n".join(lines + body),
        parameters=surrogate_parameters(surrogate),
        inputs={name: "1" for name in sorted(set(source.values()))},
        outputs=tuple(surrogate.coefficients),
        descriptions={
            "rate_pyramidal": "pyramidal firing rate (circuit surrogate)",
            "rate_pv": "PV interneuron firing rate (circuit surrogate)",
            "rate_sst": "SST interneuron firing rate (circuit surrogate)",
            "glutamate_release": "glutamate release relative to the drug-free circuit",
            "gamma_power": "LFP gamma (30-80 Hz) power relative to the drug-free circuit",
            "beta_power": "LFP beta (13-30 Hz) power relative to the drug-free circuit",
            "alpha_power": "LFP alpha (8-13 Hz) power relative to the drug-free circuit",
            "theta_power": "LFP theta (4-8 Hz) power relative to the drug-free circuit",
            "delta_power": "LFP delta (1-4 Hz) power relative to the drug-free circuit",
            "ei_ratio": "excitatory/inhibitory synaptic current ratio onto pyramidal cells",
        },
    )


__all__ = ["circuit_module", "load_surrogate", "HYPOTHESIS_VALUES", "OUTPUT_UNITS"]
