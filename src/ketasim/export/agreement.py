"""How an engine's trajectory of the exported model is judged against ketasim's.

The difference is relative, |a - b| / |b|, except where ketasim's value b is below a floor:
`FLOOR` times the observable's largest magnitude over the run. Why a floor: the engines'
integrators bound their error absolutely as well as relatively (absolute tolerance
`engines.ATOL` in canonical units), and the staged form's stored assignments lag their
expression by about ``STAGE_TAU * |dF/dt|``, an absolute amount; so where an observable
is a millionth of its own range (a drug that is gone, a signal passing through zero), its
relative digits say nothing about the model, and the difference is taken relative to
the floor instead.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

FLOOR = 1e-6      # of each observable's largest magnitude over the run
TOLERANCE = 1e-4  # the agreement the export promises, relative (outside the floor)


def relative_difference(a: np.ndarray, b: np.ndarray, floor: float = FLOOR) -> np.ndarray:
    """|a - b| / max(|b|, floor * max_t |b|) along the last (time) axis; a b that is zero
    throughout is compared absolutely."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.maximum(np.abs(b), floor * np.abs(b).max(axis=-1, keepdims=True))
    return np.abs(a - b) / np.where(scale > 0, scale, 1.0)


def worst_differences(values: np.ndarray, reference: np.ndarray, names: Sequence[str],
                      floor: float = FLOOR) -> dict[str, tuple[float, int]]:
    """Per observable, (largest relative difference, its time index). values, reference:
    (times, observables) in the same declared units, columns in the order of `names`."""
    out: dict[str, tuple[float, int]] = {}
    for j, name in enumerate(names):
        d = relative_difference(values[:, j], reference[:, j], floor)
        k = int(np.argmax(d))
        out[name] = (float(d[k]), k)
    return out
