"""One `ketasim pk-check`: the data selected, predicted and summarised, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

from ..choices import check_name
from ..version import __version__
from .loader import SETS, load_pk_data
from .metrics import GroupSummary, group_summaries
from .predict import SIM_DURATION_H, Comparison, Prediction, predict
from .records import PkData
from .regimen import Regimen

SET_CHOICES = SETS + ("all",)


@dataclass(frozen=True)
class PkCheck:
    """The comparisons and refusals of the selected set (`selected`: calibration,
    validation or all) and their group summaries."""

    selected: str
    prediction: Prediction
    groups: tuple[GroupSummary, ...]


def selected_data(data: PkData, which: str, field: str = "--set") -> PkData:
    """The rows and series of `data` in the set `which` ('all': everything); an unknown set
    is refused naming `field`."""
    check_name(which, SET_CHOICES, field, "set")
    if which == "all":
        return data
    return replace(data, summaries=tuple(r for r in data.summaries if r.set == which),
                   series=tuple(s for s in data.series if s.set == which))


def run_check(which: str = "all", hypotheses: Mapping[str, str] | None = None, data: PkData | None = None,
              on_course: Callable[[Regimen], None] | None = None) -> PkCheck:
    """Load `data/pk/` (unless `data` is given), keep the set `which`, predict it under
    `hypotheses` and summarise the prediction errors."""
    chosen = selected_data(data if data is not None else load_pk_data(), which)
    prediction = predict(chosen, hypotheses, on_course=on_course)
    return PkCheck(which, prediction, group_summaries(prediction.comparisons))


def observed_text(c: Comparison) -> str:
    """The observed value as published: '296', or 'lo-hi' for a range."""
    o = c.observed
    return f"{o.low:g}-{o.high:g}" if o.is_range else f"{o.value:g}"


def _number(x: float) -> float | None:
    """A finite float, or None (JSON has no NaN)."""
    return x if x == x and abs(x) != float("inf") else None


def comparison_json(c: Comparison) -> dict[str, Any]:
    """One comparison as a JSON object (observed midpoint, range ends, predicted, ratio, PE)."""
    return {"id": c.id, "kind": c.kind, "source": c.source, "set": c.set, "analyte": c.analyte,
            "metric": c.metric, "unit": c.unit, "time_h": c.time_h, "observed": c.observed.value,
            "observed_range": [c.observed.low, c.observed.high] if c.observed.is_range else None,
            "predicted": _number(c.predicted), "ratio": _number(c.ratio),
            "prediction_error": _number((c.predicted - c.observed.value) / c.observed.value)
            if c.observed.value else None,
            "within_two_fold": c.within_two_fold, "in_range": c.in_range, "regimen": c.regimen,
            "caveats": list(c.caveats)}


def group_json(g: GroupSummary) -> dict[str, Any]:
    return {"by": g.by, "name": g.name, "n": g.n, "median_pe_percent": _number(g.median_pe),
            "mdape_percent": _number(g.mdape), "gmr_observed_over_predicted": _number(g.gmr),
            "within_two_fold": _number(g.within_two_fold)}


def check_json(check: PkCheck) -> dict[str, Any]:
    """Everything of a check as one JSON-ready dict: settings, groups, comparisons, refusals."""
    p = check.prediction
    return {"ketasim_version": __version__, "set": check.selected, "hypotheses": dict(p.hypotheses),
            "simulated_hours": SIM_DURATION_H, "regimens": list(p.regimens),
            "groups": [group_json(g) for g in check.groups],
            "comparisons": [comparison_json(c) for c in p.comparisons],
            "not_computable": [{"id": r.id, "source": r.source, "set": r.set, "analyte": r.analyte,
                                "metric": r.metric, "reason": r.reason} for r in p.refused]}
