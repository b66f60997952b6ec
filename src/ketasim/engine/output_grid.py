"""The output grid: where a solve reports its states, built so that no statistic depends on it.

A peak right after a dose (an IV infusion's end, an oral or intranasal Tmax, brain
equilibration minutes later) is missed by a coarse grid, and a dose time off the grid
moves Cmax by orders of magnitude over a long course. The grid is therefore built around
the schedule rather than the duration alone:

- every break of the schedule (dose starts, infusion ends, 0 and the end), exactly;
- 1-min steps for `FINE_SPAN_MIN` after every break (the peaks of ketamine, its
  metabolites, receptor block and the fast systems), 10-min steps up to `MEDIUM_SPAN_MIN`
  after it (the slower metabolites and downstream peaks);
- the duration's base grid elsewhere (`base_grid`: 1 min up to a day, 10 min up to two
  weeks, hourly beyond).

A caller that asks for its own output times gets them with the schedule's breaks added
(a dose time or infusion end is never off the grid, so Cmax after an IV dose is exact
on any grid); the summaries and experiments measure on the full grid above, so their
peaks do not depend on what a caller samples.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

FINE_STEP_MIN = 1.0
FINE_SPAN_MIN = 12 * 60.0
MEDIUM_STEP_MIN = 10.0
MEDIUM_SPAN_MIN = 3 * 1440.0
SAME_TIME_MIN = 1e-6   # output times closer than this are one time


def base_grid(duration: float) -> np.ndarray:
    """Output times (min) from the duration alone: 1 min up to a day, 10 min up to two weeks,
    hourly beyond; always ends at `duration`."""
    step = 1.0 if duration <= 1440 else 10.0 if duration <= 20160 else 60.0
    n = int(np.floor(duration / step + 1e-9))
    ts = np.arange(n + 1) * step
    return ts if ts[-1] == duration else np.append(ts, duration)


def steps_after(start: float, span: float, step: float, duration: float) -> np.ndarray:
    """start, start + step, ... up to min(start + span, duration) (min)."""
    end = min(start + span, duration)
    return start + np.arange(int(np.floor((end - start) / step + 1e-9)) + 1) * step


def merged(times: np.ndarray) -> np.ndarray:
    """Sorted times with those closer than SAME_TIME_MIN to their predecessor dropped."""
    ts = np.sort(np.asarray(times, dtype=float))
    keep = np.concatenate([[True], np.diff(ts) > SAME_TIME_MIN])
    return ts[keep]


def output_grid(duration: float, breaks: Sequence[float], times: Sequence[float] | None = None) -> np.ndarray:
    """The output grid (min) of a course of `duration` minutes whose schedule breaks at
    `breaks` (`engine.dosing.event_times`). Without `times`: the base grid, fine steps after
    every break and the breaks themselves. With `times`: those times and the breaks inside
    [0, duration]."""
    parts = [np.asarray(breaks, dtype=float)]
    if times is not None:
        parts.append(np.asarray(times, dtype=float))
    else:
        parts.append(base_grid(duration))
        for b in np.asarray(breaks, dtype=float):
            if b < duration:
                parts.append(steps_after(b, FINE_SPAN_MIN, FINE_STEP_MIN, duration))
                parts.append(steps_after(b, MEDIUM_SPAN_MIN, MEDIUM_STEP_MIN, duration))
    ts = merged(np.concatenate(parts))
    return ts[(ts >= 0.0) & (ts <= duration)]
