"""The circuit surrogate: a smooth closed form from NMDA block per cell type to circuit outputs.

The slow model cannot run the spiking network every minute, so it reads the circuit
through this fit (docs/architecture.md §2). Each output y is fitted as

    y = y0 * exp(sum_k c_k f_k(b))      (positive outputs, fitted in log space)

with features f_k the monomials of degree 1 and 2 in the blocks b = (b_pyr, b_pv, b_sst).
At zero block every output equals its baseline y0 (relative outputs: 1). The fit is data
(JSON in the package), rebuilt by `python -m ketasim.circuit.build` (`make surrogate`), and
declared to the slow model as equation text like every other module, so it exports to SBML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations_with_replacement
from pathlib import Path
from typing import Mapping

import numpy as np

INPUTS = ("nmda_block_pyramidal", "nmda_block_pv", "nmda_block_sst")
OUTPUT_UNITS = {"rate_pyramidal": "Hz", "rate_pv": "Hz", "rate_sst": "Hz", "glutamate_release": "1",
                "gamma_power": "1", "beta_power": "1", "alpha_power": "1", "theta_power": "1", "delta_power": "1",
                "ei_ratio": "1"}


def feature_terms(n_inputs: int = len(INPUTS), degree: int = 2) -> tuple[tuple[int, ...], ...]:
    """Index tuples of the monomials: (0,), (1,), ..., (0, 0), (0, 1), ..."""
    terms: list[tuple[int, ...]] = []
    for d in range(1, degree + 1):
        terms.extend(combinations_with_replacement(range(n_inputs), d))
    return tuple(terms)


def features(b: np.ndarray, terms: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """(n, len(terms)) monomial matrix of blocks b (n, 3)."""
    b = np.atleast_2d(np.asarray(b, dtype=float))
    return np.stack([np.prod(b[:, list(t)], axis=1) for t in terms], axis=1)


@dataclass(frozen=True)
class Surrogate:
    """Fitted coefficients per output; `baseline` is y at zero block (in OUTPUT_UNITS)."""

    terms: tuple[tuple[int, ...], ...]
    baseline: Mapping[str, float]
    coefficients: Mapping[str, tuple[float, ...]]
    provenance: Mapping[str, object] = field(default_factory=dict)

    def predict(self, b: np.ndarray) -> dict[str, np.ndarray]:
        x = features(b, self.terms)
        return {k: self.baseline[k] * np.exp(x @ np.asarray(c)) for k, c in self.coefficients.items()}

    def to_json(self) -> str:
        return json.dumps({"inputs": list(INPUTS), "terms": [list(t) for t in self.terms],
                           "baseline": dict(self.baseline),
                           "coefficients": {k: list(v) for k, v in self.coefficients.items()},
                           "provenance": dict(self.provenance)}, indent=1)

    @staticmethod
    def from_json(text: str) -> "Surrogate":
        d = json.loads(text)
        if d.get("inputs") != list(INPUTS):
            raise ValueError("circuit surrogate: inputs do not match this version of ketasim")
        return Surrogate(tuple(tuple(t) for t in d["terms"]), d["baseline"],
                         {k: tuple(v) for k, v in d["coefficients"].items()}, d.get("provenance", {}))


def fit_surrogate(blocks: np.ndarray, outputs: Mapping[str, np.ndarray], baseline: Mapping[str, float],
                  degree: int = 2, provenance: Mapping[str, object] | None = None) -> Surrogate:
    """Least-squares fit of log(y / y0) on the monomials of the blocks (no intercept)."""
    terms = feature_terms(len(INPUTS), degree)
    x = features(blocks, terms)
    coefs = {}
    for name, y in outputs.items():
        y = np.asarray(y, dtype=float)
        if np.any(y <= 0) or baseline[name] <= 0:
            raise ValueError(f"circuit surrogate: output {name} must be positive to fit in log space")
        c, *_ = np.linalg.lstsq(x, np.log(y / baseline[name]), rcond=None)
        coefs[name] = tuple(float(v) for v in c)
    return Surrogate(terms, dict(baseline), coefs, dict(provenance or {}))


def _coef_name(output: str, term: tuple[int, ...]) -> str:
    short = {0: "pyr", 1: "pv", 2: "sst"}
    return f"{output}_c_" + "_".join(short[i] for i in term)


def equation_lines(s: Surrogate, names: tuple[str, ...] = INPUTS) -> list[str]:
    """The surrogate as Brian2-style equation text; `names` are the block symbols to use."""
    lines = []
    for name in s.coefficients:
        poly = " + ".join(f"{_coef_name(name, t)} * " + " * ".join(names[i] for i in t) for t in s.terms)
        lines.append(f"{name} = {name}_baseline * exp({poly}) : {OUTPUT_UNITS[name]}")
    return lines


def surrogate_parameters(s: Surrogate) -> tuple:
    """Baselines and coefficients as `Parameter` records (source `fitted`, with the fit's provenance)."""
    from ..parameters import p

    note = ("fitted: surrogate of the Brian2 circuit's spiking runs "
            f"(rebuilt by `python -m ketasim.circuit.build`; {s.provenance.get('summary', 'see circuit_surrogate.json')})")
    out = []
    for name, c in s.coefficients.items():
        out.append(p(f"{name}_baseline", float(s.baseline[name]), OUTPUT_UNITS[name], "fitted",
                     f"{name} without drug", note=note))
        out.extend(p(_coef_name(name, t), float(v), "1", "fitted", f"surrogate coefficient of {name}", note=note)
                   for t, v in zip(s.terms, c))
    return tuple(out)


def default_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "circuit_surrogate.json"
