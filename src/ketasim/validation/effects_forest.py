"""The scorecard's forest plot of clinical findings: each simulated arm-versus-arm effect beside
its published value and tolerance range, pass or miss marked.

Rows: every measure of a clinical experiment whose endpoint is an effect between arms
(`trial.effects.EFFECT_SCALES`: the odds ratio of response, the difference in mean MADRS
change), one plot per endpoint so that units are never mixed, rows in library order. The
simulated interval is the measure's bootstrap interval (`MeasureResult.ci`, which a library
run computes for these endpoints) where the result carries one; otherwise the row is the
point alone, and the caption says how many rows are so drawn. The published side is the
range a simulated value passes in (`finding_figure.tolerance_band`) with the published
value on it when the file gives one.
"""

from __future__ import annotations

import math
from typing import Sequence

from ..report.forest import ForestRow, forest_figure
from ..report.figures import figure_to_svg
from ..report.markup import esc
from ..trial.effects import EFFECT_AXES, EFFECT_SCALES
from .finding_figure import tolerance_band
from .library_run import LibraryEntry

ANCHOR = "clinical-effects"


def effect_rows(entries: Sequence[LibraryEntry]) -> dict[str, list[ForestRow]]:
    """endpoint -> one row per effect measure of the clinical entries that ran, in order (label
    '<experiment id>: <measure>', the endpoint's name left out of the measure's), endpoints in `EFFECT_SCALES` order."""
    out: dict[str, list[ForestRow]] = {e: [] for e in EFFECT_SCALES}
    for entry in entries:
        exp = entry.experiment
        if entry.result is None or not exp.tags or exp.tags[0] != "clinical":
            continue
        specs = exp.measure
        if len(specs) != len(entry.result.measures):
            continue
        for spec, m in zip(specs, entry.result.measures):
            endpoint = getattr(spec, "endpoint", None)
            if endpoint not in EFFECT_SCALES:
                continue
            low, high = m.ci if m.ci is not None else (math.nan, math.nan)
            band = tolerance_band(m)
            value, plo, phi = band if band is not None else (None, None, None)
            what = m.name.replace(f" {endpoint}", "")   # the plot names the endpoint
            out[endpoint].append(ForestRow(f"{exp.id}: {what}", float(m.simulated), float(low), float(high),
                                           value, plo, phi, bool(m.passed)))
    return {e: rows for e, rows in out.items() if rows}


def caption(rows: Sequence[ForestRow]) -> str:
    """What one plot shows, in words, saying which rows have no interval."""
    bare = sum(not r.has_interval for r in rows)
    if bare == len(rows):
        sim = ("Squares: the simulated effects as points only; the scorecard holds no interval for them (a "
               "library run keeps the point estimate), so none is drawn.")
    elif bare:
        sim = (f"Squares: the simulated effects, lines their 95% percentile bootstrap intervals (patients resampled "
               f"within arms); {bare} of {len(rows)} rows have the point only (no interval in the scorecard).")
    else:
        sim = ("Squares: the simulated effects, lines their 95% percentile bootstrap intervals (patients resampled "
               "within arms).")
    return (f"{sim} Grey bar below each: the range a simulated value passes in (the published value's tolerance "
            "or range), with the published value as a hollow diamond where the file gives one. Green and 'pass': "
            "inside; red and 'miss': outside. Dashed: no effect.")


def effects_forest_html(entries: Sequence[LibraryEntry]) -> str:
    """The clinical effects subsection (an h3 anchored at `ANCHOR` and one figure per endpoint), or ''."""
    by_endpoint = effect_rows(entries)
    if not by_endpoint:
        return ""
    figs = []
    for e, rows in by_endpoint.items():
        fig = forest_figure(rows, EFFECT_SCALES[e], EFFECT_AXES[e], title=e.replace("_", " "),
                            interval_label="simulated 95% CI", published_label="published (value, tolerance)",
                            width=8.5)
        figs.append(f'<figure class="fig forest">{figure_to_svg(fig)}<figcaption class="small muted">'
                    f"{esc(caption(rows))}</figcaption></figure>")
    return (f'<h3 id="{ANCHOR}">Clinical effects against the published ones</h3>'
            '<p class="small muted">Every clinical measure that compares two arms (odds ratio of response, '
            "difference in mean MADRS change), one plot per kind of effect.</p>" + "".join(figs))
