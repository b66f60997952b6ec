"""The one error of the measures package."""

from __future__ import annotations

from ..errors import InputError


class MeasureError(InputError):
    """A measure cannot be computed (unit mismatch, bad window or time, unknown statistic or
    observable, a value that is undefined such as a ratio to a zero baseline)."""
