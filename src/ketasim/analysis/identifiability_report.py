"""A trial fit's identifiability report as Markdown: what the fitted measures say about each value.

One table of the fitted values (start, fitted, bounds, standard error as a factor on the
value, verdict), the measures before and after, the correlations of the estimates and the
eigenvalues of the Fisher information (`analysis.trial_fit.identifiability`).
"""

from __future__ import annotations

import math

from .parameter_file import FitProvenance
from .trial_fit import IDENTIFIED_SE, TOLERANCE_SD, TrialFitResult


def _factor(value: float) -> str:
    return f"×/÷ {value:.3g}" if math.isfinite(value) else "unbounded"


def identifiability_markdown(result: TrialFitResult, provenance: FitProvenance) -> str:
    """The report's text."""
    ident = result.identifiability
    lines = ["# Identifiability of a joint trial fit", "",
             f"Experiments: {', '.join(provenance.experiments)}. Method: {result.method}, "
             f"{result.iterations} runs of the set; loss (mean squared residual, residual = (simulated - "
             f"expected) / tolerance) {result.loss_initial:.4g} -> {result.loss_final:.4g}; "
             f"{provenance.date}, ketasim {provenance.ketasim_version}.", "",
             "Standard errors come from the Fisher information of the parameters' logs: central differences "
             "of the residuals (each tolerance taken as "
             f"{TOLERANCE_SD:g} standard deviations, a 95% half-width). A value is identified when one "
             f"standard error of its log is below {IDENTIFIED_SE:.3g} (the data pin it within a factor of 2).",
             "", "| parameter | start | fitted | bounds | standard error | verdict |", "|---|---|---|---|---|---|"]
    for fp in result.parameters:
        lines.append(f"| `{fp.label}` | {fp.initial:.4g} | {result.values[fp.label]:.4g} | "
                     f"[{fp.lower:.4g}, {fp.upper:.4g}] | {_factor(ident.factor(fp.label))} | "
                     f"{ident.verdict(fp.label)} |")
    lines += ["", "## Measures", "", "| measure | expected ± tolerance | before | after |", "|---|---|---|---|"]
    for m in result.measures:
        lines.append(f"| {m.name} | {m.expected:.4g} ± {m.scale:.3g} | {m.before:.4g} | {m.after:.4g} |")
    lines += ["", "## Correlations of the estimates (logs)", "",
              "| | " + " | ".join(f"`{k}`" for k in ident.labels) + " |",
              "|---|" + "---|" * len(ident.labels)]
    for k, row in zip(ident.labels, ident.correlation):
        lines.append(f"| `{k}` | " + " | ".join("—" if not math.isfinite(c) else f"{c:+.2f}" for c in row) + " |")
    lines += ["", "Eigenvalues of the Fisher information (ascending): "
              + ", ".join(f"{e:.3g}" for e in ident.eigenvalues) + ".", ""]
    return "\n".join(lines)
