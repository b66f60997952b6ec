"""The record of one statistic, its parsed options, and the second curve some statistics need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Options:
    """A statistic's arguments, already parsed: times in minutes, doses in mg.

    at: the time a point statistic reads; baseline_at: the time of its baseline;
    window: (lo, hi) the part of the course a window statistic covers (None: all of it);
    dose, reference_dose: the total doses of the regimen and of the reference regimen
    (bioavailability).
    """

    at: float | None = None
    baseline_at: float | None = None
    window: tuple[float, float] | None = None
    dose: float | None = None
    reference_dose: float | None = None


@dataclass(frozen=True, eq=False)
class Curve:
    """A second curve a statistic divides by: t (T',) min, y (..., T') in the observable's unit.

    auc_ratio: the `versus` observable on the same grid; bioavailability: the observable
    after the reference regimen (its own grid).
    """

    t: np.ndarray
    y: object


# The math of a statistic: (t (T,) min, y (..., T), options, other curve or None, xp) -> (...,).
Function = Callable[..., object]


@dataclass(frozen=True)
class Statistic:
    """One statistic of a simulated course.

    needs: the options (and curves) it cannot do without, among "at", "baseline_at",
    "versus" (a second observable) and "reference" (a reference regimen's curve and doses);
    windowed: whether a window restricts it; unit: observable unit -> result unit;
    function: its math, written once for numpy and jax.numpy (`xp`); undefined: why a
    value can be NaN for finite input (a zero denominator, no decay to fit), '' if never;
    traceable: whether the JAX face works under `jax.jit`; fittable: whether a gradient
    fit may use it (differentiable almost everywhere in the series).
    """

    name: str
    needs: frozenset[str]
    windowed: bool
    unit: Callable[[str], str]
    function: Function
    undefined: str = ""
    traceable: bool = True
    fittable: bool = False

    def numpy(self, t: np.ndarray, y: np.ndarray, options: Options = Options(),
              other: Curve | None = None) -> np.ndarray:
        """The batched NumPy face: t (T,) min, y (n, T) -> (n,) in `unit(observable unit)`."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.function(np.asarray(t, dtype=float), np.asarray(y, dtype=float),
                                            options, other, np))

    def jax(self, t: np.ndarray, y, options: Options = Options(), other: Curve | None = None):
        """The JAX face (traceable in y and in other.y; t stays a NumPy grid): (...,).

        Computes in the caller's JAX precision: enable float64 (`ketasim.engine.jaxconfig`)
        for values equal to the NumPy face's.
        """
        import jax.numpy as jnp

        return self.function(np.asarray(t, dtype=float), y, options, other, jnp)
