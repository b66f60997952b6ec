"""How a trial's protocol defines its endpoints: the rules the endpoint functions read.

Trials differ in what they call remission (MADRS <= 10 in many ketamine trials, MADRS <= 12
in the esketamine registration trials, HAM-D17 <= 7 in STAR*D), when the patients are rated
(a fixed visit schedule, not every day) and what counts as relapse (a single visit above a
line, or the line crossed at two consecutive visits). An experiment file states these in
`[protocol.endpoints]` (`experiments.schema.EndpointDefinitions`); `endpoint_rules` turns
that table into an `EndpointRules` record and checks it against the trial's length. The
simulated record keeps every day; the endpoints read only the scheduled visits
(`scheduled_columns`), so one stored trial can be analysed under several definitions.

Fields of `EndpointRules`:

- remission_scale, remission_at_most: remission is the scale's total at or below this
  (MADRS 0-60, HAM-D17 0-52).
- visits: the scheduled rating days (d) after the first dose; day 0 (baseline) is always
  one. None: every day of the record (and every measure's day).
- analysis: "locf" (a patient's score at a day is the last rating on or before it, the
  baseline when none; every randomised patient counts) or "observed" (observed cases:
  only patients rated at that visit count).
- relapse: "loss_of_response" (MADRS above 50% of baseline) or "madrs_at_least" (MADRS at
  or above relapse_madrs); relapse_visits: at how many consecutive scheduled visits the
  condition must hold (the relapse is dated at the first of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import InputError
from ..units import MINUTES_PER_DAY, quantity_value

DAY_EPS = 1e-9   # two visit days closer than this are the same visit (d)


class EndpointRulesError(InputError):
    """A `[protocol.endpoints]` field does not fit the trial (one line, names the field)."""


@dataclass(frozen=True)
class EndpointRules:
    """The protocol's endpoint definitions (see the module docstring); the defaults are the
    definitions most ketamine trials use (MADRS <= 10, LOCF, every recorded day, relapse at
    the first visit after response with MADRS above half the baseline)."""

    remission_scale: str = "madrs"
    remission_at_most: float = 10.0
    visits: tuple[float, ...] | None = None
    analysis: str = "locf"
    relapse: str = "loss_of_response"
    relapse_madrs: float | None = None
    relapse_visits: int = 1

    def to_json(self) -> dict:
        return {"remission_scale": self.remission_scale, "remission_at_most": self.remission_at_most,
                "visits": None if self.visits is None else list(self.visits), "analysis": self.analysis,
                "relapse": self.relapse, "relapse_madrs": self.relapse_madrs, "relapse_visits": self.relapse_visits}

    def describe(self, endpoint: str) -> str:
        """A short phrase for tables and figures, e.g. 'MADRS <= 12' for remission_rate."""
        if endpoint == "remission_rate":
            return f"{'HAM-D17' if self.remission_scale == 'hamd17' else 'MADRS'} <= {self.remission_at_most:g}"
        if endpoint == "relapse_median_days":
            line = ("MADRS > 50% of baseline" if self.relapse == "loss_of_response"
                    else f"MADRS >= {self.relapse_madrs:g}")
            return line + (f" at {self.relapse_visits} consecutive visits" if self.relapse_visits > 1 else "")
        return ""


DEFAULT_RULES = EndpointRules()


def endpoint_rules(table, duration_days: float, field: str = "protocol.endpoints") -> EndpointRules:
    """The `EndpointRules` of a parsed `[protocol.endpoints]` table (None: the defaults).

    The schema checked each field alone (names, ranges, the relapse line); this checks what
    needs the trial: every scheduled visit (a time text, e.g. "7 d" or "230 min") lies
    within 0..duration_days (EndpointRulesError naming the field otherwise).
    """
    if table is None:
        return DEFAULT_RULES
    visits = None
    if table.visits is not None:
        days = [quantity_value(text, "min") / MINUTES_PER_DAY for text in table.visits]
        for i, d in enumerate(days):
            if not -DAY_EPS <= d <= duration_days + DAY_EPS:
                raise EndpointRulesError(f"{field}.visits[{i}]: {table.visits[i]} is outside the trial "
                                         f"(0 to {duration_days:g} d)")
        visits = tuple(sorted({round(float(d), 9) for d in (0.0, *days)}))
    return EndpointRules(remission_scale=table.remission_scale, remission_at_most=float(table.remission_at_most),
                         visits=visits, analysis=table.analysis, relapse=table.relapse,
                         relapse_madrs=None if table.relapse_madrs is None else float(table.relapse_madrs),
                         relapse_visits=int(table.relapse_visits))


def check_measure_days(rules: EndpointRules, days: Sequence[tuple[int, float]]) -> None:
    """Each (measure index, day) must be a scheduled visit when the protocol has a schedule:
    a rating exists only there (EndpointRulesError naming measure[i].at otherwise)."""
    if rules.visits is None:
        return
    for i, d in days:
        if not np.any(np.abs(np.asarray(rules.visits) - d) <= DAY_EPS):
            raise EndpointRulesError(f"measure[{i}].at: day {d:g} is not a scheduled visit "
                                     f"(protocol.endpoints.visits: {', '.join(f'{v:g}' for v in rules.visits)} d)")


def scheduled_columns(visits: np.ndarray, rules: EndpointRules) -> np.ndarray:
    """Indices of the recorded `visits` (d) that are scheduled rating visits under `rules`
    (all of them without a schedule). ValueError when a scheduled day was not recorded."""
    visits = np.asarray(visits, float)
    if rules.visits is None:
        return np.arange(visits.size)
    idx = []
    for d in rules.visits:
        hit = np.nonzero(np.abs(visits - d) <= DAY_EPS)[0]
        if hit.size == 0:
            raise ValueError(f"scheduled visit day {d:g} is not in the trial's record")
        idx.append(int(hit[0]))
    return np.asarray(idx, dtype=int)
