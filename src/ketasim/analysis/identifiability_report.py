"""A trial fit's identifiability report as Markdown: what the fitted measures say about each value.

One table of the fitted values (start, fitted, bounds, standard error as a factor on the
value, verdict), the measures before and after, the correlations of the estimates and the
eigenvalues of the Fisher information (`analysis.trial_fit.identifiability`).
"""

from __future__ import annotations

import math

from .parameter_file import FitProvenance
from .trial_fit import IDENTIFIED_SE, TOLERANCE_SD, TrialFitResult


def _factor(se: float) -> str:
    return f"×/÷ {math.exp(se):.3g}" if math.isfinite(se) and se < 50 else "unbounded"


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
        i = ident.labels.index(fp.label)
        verdict = ("identified" if ident.identified(fp.label) else
                   "fitted without information: no measure moves with it" if ident.without_information(fp.label)
                   else "not identified")
        lines.append(f"| `{fp.label}` | {fp.initial:.4g} | {result.values[fp.label]:.4g} | "
                     f"[{fp.lower:.4g}, {fp.upper:.4g}] | {_factor(ident.se_log[i])} | {verdict} |")
    lines += ["", "## Measures", "", "| measure | expected ± tolerance | before | after |", "|---|---|---|---|"]
    for t, b, a in zip(result.targets, result.before, result.after):
        lines.append(f"| {t.name} | {t.expected:.4g} ± {t.scale:.3g} | {b:.4g} | {a:.4g} |")
    lines += ["", "## Correlations of the estimates (logs)", "",
              "| | " + " | ".join(f"`{k}`" for k in ident.labels) + " |",
              "|---|" + "---|" * len(ident.labels)]
    for k, row in zip(ident.labels, ident.correlation):
        lines.append(f"| `{k}` | " + " | ".join("—" if not math.isfinite(c) else f"{c:+.2f}" for c in row) + " |")
    lines += ["", "Eigenvalues of the Fisher information (ascending): "
              + ", ".join(f"{e:.3g}" for e in ident.eigenvalues) + ".", ""]
    return "\n".join(lines)
