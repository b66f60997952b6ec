"""Trial endpoints (docs/architecture.md §5) as pure NumPy functions of per-patient outcomes.

Definitions (every rate is over all randomised patients of the arm, intention to treat):

- Missing data after dropout: last observation carried forward (LOCF). The score of a
  patient "at day t" is the last non-missing MADRS at a visit on or before t (the
  baseline MADRS when there is none).
- `response_rate`: fraction with MADRS at `at` <= 50% of baseline (a drop of >= 50%).
- `remission_rate`: fraction with MADRS at `at` <= 10.
- `mean_change`: mean of (MADRS at `at` - baseline), MADRS points (negative = better).
- `mean_difference`: mean_change(arm) - mean_change(versus), MADRS points.
- `response_odds_ratio`: odds of response in the arm over odds in `versus` at `at`;
  when any of the four cells is empty, 0.5 is added to each (Haldane–Anscombe).
- `relapse_median_days`: among patients who respond at some visit on or before `at`
  (observed scores only, no LOCF), the Kaplan–Meier median time (days) from the first
  response to loss of response, the first later visit with MADRS > 50% of baseline.
  Follow-up is censored at the last observed visit on or before `at` (dropout or end of
  trial). inf when the median is not reached, NaN without responders.
- `dropout_rate`: fraction who dropped out on or before `at`.
- `side_effect_dropout_rate`: fraction who dropped out because of side effects on or
  before `at`.

Each endpoint is a per-patient value (`EndpointDef.per_patient`) and a statistic of those
values (`EndpointDef.statistic`), so a bootstrap resamples patients and recomputes the
statistic (`evaluate`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..experiments.schema import ENDPOINTS, TWO_ARM_ENDPOINTS
from .bootstrap import bootstrap_ci
from .outcomes import ArmOutcomes
from .survival import km_median

RESPONSE_FRACTION = 0.5   # response: MADRS <= 50% of baseline
REMISSION_MADRS = 10.0    # remission: MADRS <= 10
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


def score_at(arm: ArmOutcomes, at: float) -> np.ndarray:
    """(n,) MADRS at day `at`, LOCF (baseline when nothing was observed by then)."""
    return locf(arm.madrs, arm.baseline_madrs)[:, visit_index(arm.visits, at)]


def responded(score: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Response: score <= 50% of baseline (a >= 50% drop)."""
    return np.asarray(score) <= RESPONSE_FRACTION * np.asarray(baseline)


def odds_ratio(resp_a: np.ndarray, resp_b: np.ndarray) -> float:
    """Odds of True in a over odds in b (0.5 added to every cell if any cell is empty)."""
    a, b = int(np.sum(resp_a)), int(np.sum(~np.asarray(resp_a, bool)))
    c, d = int(np.sum(resp_b)), int(np.sum(~np.asarray(resp_b, bool)))
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    return float((a / b) / (c / d))


def relapse_followup(arm: ArmOutcomes, at: float) -> np.ndarray:
    """(n, 3) per patient: [time (d), event (0/1), responder (0/1)] for relapse_median_days.

    time is from the first response to loss of response (event 1) or to the last observed
    visit on or before `at` (event 0, censored); non-responders have responder 0.
    """
    last = visit_index(arm.visits, at)
    visits = np.asarray(arm.visits, float)[: last + 1]
    x = np.asarray(arm.madrs, float)[:, : last + 1]
    observed = ~np.isnan(x)
    half = RESPONSE_FRACTION * np.asarray(arm.baseline_madrs, float)[:, None]
    resp = observed & (x <= half)
    lost = observed & (x > half)
    n, v = x.shape
    cols = np.arange(v)[None, :]
    has_resp = resp.any(axis=1)
    first = np.where(has_resp, np.argmax(resp, axis=1), v)
    after = lost & (cols > first[:, None])
    has_event = after.any(axis=1)
    event_idx = np.argmax(after, axis=1)
    last_obs = np.where(observed.any(axis=1), v - 1 - np.argmax(observed[:, ::-1], axis=1), 0)
    end_idx = np.where(has_event, event_idx, last_obs)
    t0 = visits[np.minimum(first, v - 1)]
    time = np.where(has_resp, visits[end_idx] - t0, 0.0)
    return np.column_stack([time, has_event & has_resp, has_resp]).astype(float)


def _relapse_median(follow: np.ndarray) -> float:
    r = follow[:, 2] > 0
    return km_median(follow[r, 0], follow[r, 1] > 0) if r.any() else float("nan")


def _mean(v: np.ndarray) -> float:
    return float(np.mean(v)) if v.size else float("nan")


@dataclass(frozen=True)
class EndpointDef:
    """An endpoint: per-patient values of an arm at day `at`, and the statistic over patients.

    A two-arm endpoint's statistic takes (arm values, versus values).
    """

    name: str
    unit: str
    description: str
    per_patient: Callable[[ArmOutcomes, float], np.ndarray]
    statistic: Callable[..., float]
    two_arm: bool = False


def _response(arm: ArmOutcomes, at: float) -> np.ndarray:
    return responded(score_at(arm, at), arm.baseline_madrs).astype(float)


def _change(arm: ArmOutcomes, at: float) -> np.ndarray:
    return score_at(arm, at) - np.asarray(arm.baseline_madrs, float)


def _dropped(arm: ArmOutcomes, at: float) -> np.ndarray:
    return (np.asarray(arm.dropout_day, float) <= at + _DAY_EPS).astype(float)


ENDPOINT_DEFS: dict[str, EndpointDef] = {e.name: e for e in (
    EndpointDef("response_rate", "1", "fraction with MADRS <= 50% of baseline (LOCF)", _response, _mean),
    EndpointDef("remission_rate", "1", "fraction with MADRS <= 10 (LOCF)",
                lambda a, at: (score_at(a, at) <= REMISSION_MADRS).astype(float), _mean),
    EndpointDef("mean_change", "MADRS points", "mean MADRS change from baseline (LOCF)", _change, _mean),
    EndpointDef("mean_difference", "MADRS points", "difference in mean MADRS change, arm minus versus",
                _change, lambda a, b: _mean(a) - _mean(b), two_arm=True),
    EndpointDef("response_odds_ratio", "1", "odds ratio of response, arm over versus", _response,
                lambda a, b: odds_ratio(a > 0, b > 0), two_arm=True),
    EndpointDef("relapse_median_days", "d", "Kaplan-Meier median days from first response to "
                "MADRS > 50% of baseline", relapse_followup, _relapse_median),
    EndpointDef("dropout_rate", "1", "fraction dropped out", _dropped, _mean),
    EndpointDef("side_effect_dropout_rate", "1", "fraction dropped out because of side effects",
                lambda a, at: _dropped(a, at) * np.asarray(a.dropout_side_effect, float), _mean),
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
             level: float = 0.95) -> EndpointValue:
    """Endpoint `name` of `arm` at day `at` (versus the comparator for two-arm endpoints).

    n_boot > 0 adds a percentile bootstrap interval (patients resampled within each arm,
    seeded from `seed` and the names); otherwise low and high are NaN.
    """
    if name not in ENDPOINT_DEFS:
        raise ValueError(f"unknown endpoint {name!r} (one of {', '.join(ENDPOINT_DEFS)})")
    e = ENDPOINT_DEFS[name]
    if e.two_arm and versus is None:
        raise ValueError(f"endpoint {name} needs a comparator arm")
    samples = [e.per_patient(arm, at)] + ([e.per_patient(versus, at)] if e.two_arm else [])
    estimate = float(e.statistic(*samples))
    lo = hi = float("nan")
    if n_boot > 0:
        lo, hi = bootstrap_ci(e.statistic, samples, n_boot,
                              bootstrap_seed(seed, name, arm_name, versus_name or "", f"{at:g}"), level)
    return EndpointValue(name, arm_name, versus_name if e.two_arm else None, float(at), estimate, lo, hi,
                         e.unit, level)
