"""The statistics registry: every statistic of a simulated course, by name.

The experiment schema's statistics (but the in-vitro ones, see
`experiments.in_vitro`), the sensitivity grammar's `relief`, and the report's
`time_of_min` and `terminal_half_life` all live here, so each is computed in one place.
"""

from __future__ import annotations

from . import pk, point, window
from .errors import MeasureError
from .statistic import Statistic
from .unit_rules import dimensionless, minute, same, times_minute

NONE: frozenset[str] = frozenset()
AT = frozenset({"at"})
AT_AND_BASELINE = frozenset({"at", "baseline_at"})

ZERO_BASELINE = "the baseline value is zero, ratio undefined"

STATISTICS: dict[str, Statistic] = {s.name: s for s in (
    Statistic("value_at", AT, False, same, point.value_at, fittable=True),
    Statistic("change_from_baseline", AT_AND_BASELINE, False, same, point.change_from_baseline, fittable=True),
    Statistic("ratio_to_baseline", AT_AND_BASELINE, False, dimensionless, point.ratio_to_baseline,
              ZERO_BASELINE, fittable=True),
    Statistic("relief", AT_AND_BASELINE, False, dimensionless, point.relief, ZERO_BASELINE),
    Statistic("max", NONE, True, same, window.maximum, fittable=True),
    Statistic("min", NONE, True, same, window.minimum, fittable=True),
    Statistic("mean", NONE, True, same, window.mean, fittable=True),
    Statistic("auc", NONE, True, times_minute, window.auc, fittable=True),
    Statistic("time_of_max", NONE, True, minute, window.time_of_max),
    Statistic("time_of_min", NONE, True, minute, window.time_of_min),
    Statistic("half_life", NONE, True, minute, pk.half_life,
              "the values are not all positive and declining in the window (no log-linear decay)"),
    Statistic("terminal_half_life", NONE, True, minute, pk.terminal_half_life,
              f"fewer than {pk.TERMINAL_POINTS} positive, declining points in the terminal "
              f"{pk.TERMINAL_FRACTION:.0%} of the window, or no decay"),
    Statistic("auc_ratio", frozenset({"versus"}), True, dimensionless, pk.auc_ratio,
              "the AUC of the versus observable is zero, ratio undefined"),
    Statistic("bioavailability", frozenset({"reference"}), False, dimensionless, pk.bioavailability,
              "the AUC of the reference regimen is zero, ratio undefined"),
)}


def statistic(name: str, field: str = "measure") -> Statistic:
    """The registered statistic `name`; MeasureError naming `field`.statistic if there is none."""
    try:
        return STATISTICS[name]
    except KeyError:
        raise MeasureError(f"{field}.statistic: unknown statistic {name!r} "
                           f"(one of {', '.join(STATISTICS)})") from None
