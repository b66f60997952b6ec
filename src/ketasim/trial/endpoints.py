"""Trial endpoints (docs/architecture.md §5) as pure NumPy functions of per-patient outcomes.

Every endpoint reads the arm under the protocol's definitions (`definitions.EndpointRules`,
from the file's `[protocol.endpoints]`; the defaults in brackets): only the scheduled
rating visits [every recorded day], the remission line [MADRS <= 10], the missing-data
analysis [LOCF] and the relapse rule [one visit with MADRS > 50% of baseline].

- Missing data: under LOCF the score of a patient "at day t" is the last rating at a
  scheduled visit on or before t (the baseline when there is none), and every randomised
  patient counts (intention to treat). Under observed cases only patients rated at that
  visit count (a rate's denominator is the patients still rated).
- `response_rate`: fraction with MADRS at `at` <= 50% of baseline (a drop of >= 50%).
- `remission_rate`: fraction at or below the protocol's remission line at `at`.
- `mean_change`: mean of (MADRS at `at` - baseline), MADRS points (negative = better).
- `mean_difference`: mean_change(arm) - mean_change(versus), MADRS points.
- `change_sd`: the between-patient standard deviation (n - 1) of the MADRS change at
  `at`, MADRS points: how widely patients' courses differ, which a trial reports next to
  the mean change and which the rates above depend on.
- `response_odds_ratio`: odds of response in the arm over odds in `versus` at `at`;
  when any of the four cells is empty, 0.5 is added to each (Haldane–Anscombe).
- `relapse_median_days`: among patients who respond at some scheduled visit on or before
  `at` (ratings only, no LOCF), the Kaplan–Meier median time (days) from the first
  response to relapse: the first of `relapse_visits` consecutive later visits at which
  the relapse line is crossed (MADRS > 50% of baseline, or MADRS >= relapse_madrs).
  Follow-up is censored at the last rated visit on or before `at` (dropout or end of
  trial). inf when the median is not reached, NaN without responders.
- `response_median_days`: the Kaplan–Meier median time (days) from the first dose to the
  first scheduled visit with a response, censored at the last rated visit on or before
  `at`; inf when fewer than half respond.
- `dropout_rate`: fraction who dropped out on or before `at`.
- `side_effect_dropout_rate`: fraction who dropped out because of side effects on or
  before `at`.

Each endpoint is a per-patient value (`EndpointDef.per_patient`, NaN for a patient outside
the analysis) and a statistic of those values (`EndpointDef.statistic`), so a bootstrap
resamples patients and recomputes the statistic (`evaluate`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..experiments.schema import ENDPOINTS, TWO_ARM_ENDPOINTS
from .bootstrap import bootstrap_ci
from .definitions import DEFAULT_RULES, EndpointRules, scheduled_columns
from .outcomes import ArmOutcomes
from .survival import km_median

RESPONSE_FRACTION = 0.5   # response: MADRS <= 50% of baseline
_DAY_EPS = 1e-9           # visits "on or before" a day, in days


def locf(scores: np.ndarray, baseline: np.ndarray | None = None) -> np.ndarray:
    """Fill missing (NaN) scores with the last observation to their left, row by row.

    scores: (n, V). Leading NaNs become `baseline` (n,) when given, else stay NaN.
    """
    scores = np.asarray(scores, dtype=float)
    observed = ~np.isnan(scores)
    idx = np.where(observed, np.arange(scores.shape[1])[None, :], -1)
    np.maximum.accumulate(idx, axis=1, out=idx)
    out = np.take_along_axis(scores, np.maximum(idx, 0), axis=1)  # NaN where nothing observed yet
    if baseline is not None:
        out = np.where(idx < 0, np.asarray(baseline, float)[:, None], out)
    return out


def visit_index(visits: np.ndarray, at: float) -> int:
    """Index of the last visit on or before day `at`."""
    i = int(np.searchsorted(np.asarray(visits, float), at + _DAY_EPS, side="right")) - 1
    if i < 0:
        raise ValueError(f"no visit on or before day {at:g}")
    return i


def rated(arm: ArmOutcomes, rules: EndpointRules = DEFAULT_RULES) -> ArmOutcomes:
    """The arm as the protocol's raters saw it: only the scheduled visits' columns (the
    whole record when the protocol has no schedule)."""
    if rules.visits is None:
        return arm
    cols = scheduled_columns(arm.visits, rules)
    return replace(arm, visits=np.asarray(arm.visits, float)[cols], madrs=np.asarray(arm.madrs, float)[:, cols],
                   hamd=None if arm.hamd is None else np.asarray(arm.hamd, float)[:, cols])


def _scale(arm: ArmOutcomes, scale: str) -> tuple[np.ndarray, np.ndarray]:
    """(scores (n, V), baseline (n,)) on `scale`; the HAM-D17 baseline is its first visit (day 0)."""
    if scale == "madrs":
        return np.asarray(arm.madrs, float), np.asarray(arm.baseline_madrs, float)
    if arm.hamd is None:
        raise ValueError("this trial's record has no HAM-D17 scores")
    x = np.asarray(arm.hamd, float)
    return x, x[:, 0]


def score_at(arm: ArmOutcomes, at: float, rules: EndpointRules = DEFAULT_RULES, scale: str = "madrs") -> np.ndarray:
    """(n,) score on `scale` at day `at` under the protocol's visits and analysis: LOCF (the
    baseline when nothing was rated by then) or observed cases (NaN: not rated at that visit)."""
    a = rated(arm, rules)
    x, base = _scale(a, scale)
    i = visit_index(a.visits, at)
    return locf(x, base)[:, i] if rules.analysis == "locf" else x[:, i]


def responded(score: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Response: score <= 50% of baseline (a >= 50% drop)."""
    return np.asarray(score) <= RESPONSE_FRACTION * np.asarray(baseline)


def _flag(condition: np.ndarray, score: np.ndarray) -> np.ndarray:
    """1.0 / 0.0 where the score exists, NaN where the patient is outside the analysis."""
    return np.where(np.isnan(score), np.nan, np.asarray(condition, float))


def odds_ratio(resp_a: np.ndarray, resp_b: np.ndarray) -> float:
    """Odds of True in a over odds in b (0.5 added to every cell if any cell is empty); NaN
    entries (patients outside the analysis) are left out."""
    ra = np.asarray(resp_a, float)
    rb = np.asarray(resp_b, float)
    ra, rb = ra[~np.isnan(ra)] > 0, rb[~np.isnan(rb)] > 0
    a, b = int(np.sum(ra)), int(np.sum(~ra))
    c, d = int(np.sum(rb)), int(np.sum(~rb))
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    return float((a / b) / (c / d))


def _followed(arm: ArmOutcomes, at: float, rules: EndpointRules):
    """(visits (V,), MADRS (n, V), observed (n, V), last rated column (n,)) of the scheduled
    visits on or before `at`."""
    a = rated(arm, rules)
    last = visit_index(a.visits, at)
    visits = np.asarray(a.visits, float)[: last + 1]
    x = np.asarray(a.madrs, float)[:, : last + 1]
    observed = ~np.isnan(x)
    v = x.shape[1]
    last_obs = np.where(observed.any(axis=1), v - 1 - np.argmax(observed[:, ::-1], axis=1), 0)
    return visits, x, observed, last_obs


def _first_run(hit: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(has a run, index of its first column) of the first k consecutive True columns per row."""
    n, v = hit.shape
    if k == 1:
        return hit.any(axis=1), np.argmax(hit, axis=1)
    c = np.concatenate([np.zeros((n, 1), int), np.cumsum(hit, axis=1)], axis=1)
    if v < k:
        return np.zeros(n, bool), np.zeros(n, int)
    runs = (c[:, k:] - c[:, :-k]) == k           # (n, v - k + 1): columns j..j+k-1 all True
    return runs.any(axis=1), np.argmax(runs, axis=1)


def relapse_followup(arm: ArmOutcomes, at: float, rules: EndpointRules = DEFAULT_RULES) -> np.ndarray:
    """(n, 3) per patient: [time (d), event (0/1), responder (0/1)] for relapse_median_days.

    time is from the first response to relapse (event 1: the first of `rules.relapse_visits`
    consecutive scheduled visits past the relapse line) or to the last rated visit on or
    before `at` (event 0, censored); non-responders have responder 0.
    """
    visits, x, observed, last_obs = _followed(arm, at, rules)
    base = np.asarray(arm.baseline_madrs, float)[:, None]
    resp = observed & (x <= RESPONSE_FRACTION * base)
    line = x > RESPONSE_FRACTION * base if rules.relapse == "loss_of_response" else x >= rules.relapse_madrs
    n, v = x.shape
    cols = np.arange(v)[None, :]
    has_resp = resp.any(axis=1)
    first = np.where(has_resp, np.argmax(resp, axis=1), v)
    has_event, event_idx = _first_run(observed & line & (cols > first[:, None]), rules.relapse_visits)
    end_idx = np.where(has_event, event_idx, last_obs)
    t0 = visits[np.minimum(first, v - 1)]
    time = np.where(has_resp, visits[end_idx] - t0, 0.0)
    return np.column_stack([time, has_event & has_resp, has_resp]).astype(float)


def response_followup(arm: ArmOutcomes, at: float, rules: EndpointRules = DEFAULT_RULES) -> np.ndarray:
    """(n, 2) per patient: [time (d), event (0/1)] for response_median_days: the day of the
    first scheduled visit after baseline with a response (event 1), else the last rated
    visit on or before `at` (event 0, censored)."""
    visits, x, observed, last_obs = _followed(arm, at, rules)
    resp = observed & responded(x, np.asarray(arm.baseline_madrs, float)[:, None])
    resp[:, 0] = False                            # the baseline visit is not a response
    has = resp.any(axis=1)
    idx = np.where(has, np.argmax(resp, axis=1), last_obs)
    return np.column_stack([visits[idx], has]).astype(float)


def _relapse_median(follow: np.ndarray) -> float:
    r = follow[:, 2] > 0
    return km_median(follow[r, 0], follow[r, 1] > 0) if r.any() else float("nan")


def _km(follow: np.ndarray) -> float:
    return km_median(follow[:, 0], follow[:, 1] > 0) if follow.shape[0] else float("nan")


def _in_analysis(v: np.ndarray) -> np.ndarray:
    """The per-patient values of the patients in the analysis (NaN entries left out)."""
    v = np.asarray(v, float)
    return v[~np.isnan(v)]


def _mean(v: np.ndarray) -> float:
    """Mean over the patients in the analysis; NaN when none are."""
    v = _in_analysis(v)
    return float(np.mean(v)) if v.size else float("nan")


def _sd(v: np.ndarray) -> float:
    """Sample standard deviation (n - 1) over the patients in the analysis; NaN below two."""
    v = _in_analysis(v)
    return float(np.std(v, ddof=1)) if v.size > 1 else float("nan")


@dataclass(frozen=True)
class EndpointDef:
    """An endpoint: per-patient values of an arm at day `at` under the protocol's rules, and
    the statistic over patients. A two-arm endpoint's statistic takes (arm values, versus values).
    """

    name: str
    unit: str
    description: str
    per_patient: Callable[[ArmOutcomes, float, EndpointRules], np.ndarray]
    statistic: Callable[..., float]
    two_arm: bool = False


def _response(arm: ArmOutcomes, at: float, rules: EndpointRules) -> np.ndarray:
    s = score_at(arm, at, rules)
    return _flag(responded(s, arm.baseline_madrs), s)


def _remission(arm: ArmOutcomes, at: float, rules: EndpointRules) -> np.ndarray:
    s = score_at(arm, at, rules, rules.remission_scale)
    return _flag(s <= rules.remission_at_most, s)


def _change(arm: ArmOutcomes, at: float, rules: EndpointRules) -> np.ndarray:
    return score_at(arm, at, rules) - np.asarray(arm.baseline_madrs, float)


def _dropped(arm: ArmOutcomes, at: float, rules: EndpointRules) -> np.ndarray:
    return (np.asarray(arm.dropout_day, float) <= at + _DAY_EPS).astype(float)


ENDPOINT_DEFS: dict[str, EndpointDef] = {e.name: e for e in (
    EndpointDef("response_rate", "1", "fraction with MADRS <= 50% of baseline", _response, _mean),
    EndpointDef("remission_rate", "1", "fraction at or below the protocol's remission line", _remission, _mean),
    EndpointDef("mean_change", "MADRS points", "mean MADRS change from baseline", _change, _mean),
    EndpointDef("mean_difference", "MADRS points", "difference in mean MADRS change, arm minus versus",
                _change, lambda a, b: _mean(a) - _mean(b), two_arm=True),
    EndpointDef("response_odds_ratio", "1", "odds ratio of response, arm over versus", _response,
                odds_ratio, two_arm=True),
    EndpointDef("relapse_median_days", "d", "Kaplan-Meier median days from first response to relapse",
                relapse_followup, _relapse_median),
    EndpointDef("dropout_rate", "1", "fraction dropped out", _dropped, _mean),
    EndpointDef("side_effect_dropout_rate", "1", "fraction dropped out because of side effects",
                lambda a, at, r: _dropped(a, at, r) * np.asarray(a.dropout_side_effect, float), _mean),
    EndpointDef("response_median_days", "d", "Kaplan-Meier median days from the first dose to the first response",
                response_followup, _km),
    EndpointDef("change_sd", "MADRS points", "between-patient SD of the MADRS change from baseline", _change, _sd),
)}
assert tuple(ENDPOINT_DEFS) == ENDPOINTS, "endpoint vocabulary differs from experiments.schema.ENDPOINTS"
assert tuple(n for n, e in ENDPOINT_DEFS.items() if e.two_arm) == TWO_ARM_ENDPOINTS


@dataclass(frozen=True)
class EndpointValue:
    """An endpoint's point estimate and percentile-bootstrap interval (NaN without bootstrap)."""

    endpoint: str
    arm: str
    versus: str | None
    at: float               # day
    estimate: float
    low: float
    high: float
    unit: str
    level: float = 0.95

    def to_json(self) -> dict:
        def num(x: float):
            return float(x) if np.isfinite(x) else (None if np.isnan(x) else ("inf" if x > 0 else "-inf"))

        return {"endpoint": self.endpoint, "arm": self.arm, "versus": self.versus, "at_day": self.at,
                "estimate": num(self.estimate), "ci": [num(self.low), num(self.high)], "level": self.level,
                "unit": self.unit}


def bootstrap_seed(seed: int, *names: str) -> list[int]:
    """A seed for one endpoint's bootstrap, from the trial seed and the endpoint's names."""
    return [int(seed), zlib.crc32("\x1f".join(names).encode())]


def evaluate(name: str, arm_name: str, arm: ArmOutcomes, at: float, versus_name: str | None = None,
             versus: ArmOutcomes | None = None, n_boot: int = 0, seed: int = 0,
             level: float = 0.95, rules: EndpointRules = DEFAULT_RULES) -> EndpointValue:
    """Endpoint `name` of `arm` at day `at` (versus the comparator for two-arm endpoints), as
    the protocol's `rules` define it.

    n_boot > 0 adds a percentile bootstrap interval (patients resampled within each arm,
    seeded from `seed` and the names); otherwise low and high are NaN.
    """
    if name not in ENDPOINT_DEFS:
        raise ValueError(f"unknown endpoint {name!r} (one of {', '.join(ENDPOINT_DEFS)})")
    e = ENDPOINT_DEFS[name]
    if e.two_arm and versus is None:
        raise ValueError(f"endpoint {name} needs a comparator arm")
    samples = [e.per_patient(arm, at, rules)] + ([e.per_patient(versus, at, rules)] if e.two_arm else [])
    estimate = float(e.statistic(*samples))
    lo = hi = float("nan")
    if n_boot > 0:
        lo, hi = bootstrap_ci(e.statistic, samples, n_boot,
                              bootstrap_seed(seed, name, arm_name, versus_name or "", f"{at:g}"), level)
    return EndpointValue(name, arm_name, versus_name if e.two_arm else None, float(at), estimate, lo, hi,
                         e.unit, level)
