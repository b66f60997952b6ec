"""Global sensitivity analysis: Morris screening and Sobol indices (through SALib).

`morris` and `sobol` take a `Problem` (names and ranges in sampling coordinates, see
`analysis.space`) and an `evaluate` function mapping a sample matrix (N, k) to outputs
(N, m) (or (N,)), and return frozen records of the indices per output and parameter.

- Morris (elementary effects; Morris 1991, Campolongo 2007): `trajectories` one-at-a-time
  paths on a `levels`-level grid, (k + 1) x trajectories evaluations. mu_star (mean
  absolute elementary effect) ranks influence, sigma (their SD) flags interaction or
  nonlinearity; effects are per unit of the normalised range (output unit per full range).
- Sobol (variance decomposition; Saltelli 2002/2010 sampling, Jansen estimator in
  SALib): N (k + 2) evaluations (first and total order, no second order). S1 is the
  share of output variance explained by a parameter alone, ST including all its
  interactions. N is a power of two (Sobol' sequence).

Randomness only through the given seed (an int or a `numpy.random.Generator`): the
sampler draws from it, and the bootstrap of the confidence intervals gets a seed drawn
from it, so a seed reproduces the whole analysis.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..errors import InputError
from .space import Problem, Space, parameter_space  # noqa: F401  (re-exported)

__all__ = ["MorrisIndex", "OutputIndices", "Problem", "SensitivityResult", "SobolIndex", "Space", "morris",
           "parameter_space", "sobol"]

Evaluate = Callable[[np.ndarray], np.ndarray]

CONFIDENCE = 0.95
RESAMPLES = 1000


@dataclass(frozen=True)
class MorrisIndex:
    """Elementary-effect statistics of one parameter for one output (output units per full range)."""

    parameter: str
    mu: float
    mu_star: float
    sigma: float
    mu_star_conf: float


@dataclass(frozen=True)
class SobolIndex:
    """First-order and total Sobol indices (fractions of variance) with 95 % bootstrap half-widths."""

    parameter: str
    S1: float
    S1_conf: float
    ST: float
    ST_conf: float


@dataclass(frozen=True)
class OutputIndices:
    """The indices of every parameter for one output, in the problem's parameter order."""

    output: str
    indices: tuple[MorrisIndex, ...] | tuple[SobolIndex, ...]
    mean: float          # of the output over the samples
    sd: float

    def ranked(self) -> list:
        """Indices sorted by influence: mu_star (Morris) or ST (Sobol), largest first."""
        key = (lambda i: i.mu_star) if isinstance(self.indices[0], MorrisIndex) else (lambda i: i.ST)
        return sorted(self.indices, key=key, reverse=True)


@dataclass(frozen=True)
class SensitivityResult:
    """A whole analysis: method, settings, evaluations and indices per output."""

    method: str                          # "morris" or "sobol"
    parameters: tuple[str, ...]
    outputs: tuple[OutputIndices, ...]
    evaluations: int                     # model runs
    settings: tuple[tuple[str, int], ...]  # e.g. (("trajectories", 10), ("levels", 4))


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _outputs(evaluate: Evaluate, x: np.ndarray, names: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    y = np.asarray(evaluate(x), dtype=float)
    y = y[:, None] if y.ndim == 1 else y
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"evaluate returned {y.shape[0]} rows for {x.shape[0]} samples")
    names = list(names) if names is not None else [f"y{j}" for j in range(y.shape[1])]
    if len(names) != y.shape[1]:
        raise ValueError(f"{len(names)} output names for {y.shape[1]} outputs")
    return y, names


def morris(problem: Problem, evaluate: Evaluate, trajectories: int = 10, levels: int = 4,
           seed: int | np.random.Generator = 0, output_names: Sequence[str] | None = None) -> SensitivityResult:
    """Morris screening of every output of `evaluate` over `problem`."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    if trajectories < 2:
        raise InputError("--samples: Morris needs at least 2 trajectories")
    if levels < 2 or levels % 2:
        raise InputError("--levels: Morris needs an even number of levels (at least 2)")
    rng = _rng(seed)
    prob = problem.salib()
    x = sample.sample(prob, trajectories, num_levels=levels, seed=rng)
    y, names = _outputs(evaluate, x, output_names)
    boot = int(rng.integers(1, 2 ** 31 - 1))
    out = []
    for j, name in enumerate(names):
        r = analyze.analyze(prob, x, y[:, j], num_resamples=RESAMPLES, conf_level=CONFIDENCE,
                            num_levels=levels, seed=boot)
        idx = tuple(MorrisIndex(p, float(r["mu"][i]), float(r["mu_star"][i]), float(r["sigma"][i]),
                                float(r["mu_star_conf"][i])) for i, p in enumerate(problem.names))
        out.append(OutputIndices(name, idx, float(np.mean(y[:, j])), float(np.std(y[:, j]))))
    return SensitivityResult("morris", problem.names, tuple(out), int(x.shape[0]),
                             (("trajectories", trajectories), ("levels", levels)))


def sobol(problem: Problem, evaluate: Evaluate, n: int = 64, seed: int | np.random.Generator = 0,
          output_names: Sequence[str] | None = None) -> SensitivityResult:
    """First-order and total Sobol indices of every output of `evaluate` over `problem`."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    if n < 2 or n & (n - 1):
        raise InputError(f"--samples: Sobol needs a power of two of at least 2 base samples (got {n})")
    rng = _rng(seed)
    prob = problem.salib()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # scipy's balance note for small N
        x = sample.sample(prob, n, calc_second_order=False, scramble=True, seed=rng)
    y, names = _outputs(evaluate, x, output_names)
    boot = int(rng.integers(1, 2 ** 31 - 1))
    out = []
    for j, name in enumerate(names):
        if np.ptp(y[:, j]) == 0:    # no variance to decompose: nothing is influential
            idx = tuple(SobolIndex(p, 0.0, 0.0, 0.0, 0.0) for p in problem.names)
        else:
            r = analyze.analyze(prob, y[:, j], calc_second_order=False, num_resamples=RESAMPLES,
                                conf_level=CONFIDENCE, seed=boot)
            idx = tuple(SobolIndex(p, float(r["S1"][i]), float(r["S1_conf"][i]), float(r["ST"][i]),
                                   float(r["ST_conf"][i])) for i, p in enumerate(problem.names))
        out.append(OutputIndices(name, idx, float(np.mean(y[:, j])), float(np.std(y[:, j]))))
    return SensitivityResult("sobol", problem.names, tuple(out), int(x.shape[0]), (("n", n),))
