"""Statistics of simulated courses: one registry, a batched NumPy face and a JAX face each.

- `STATISTICS` (registry.py): every statistic by name, a `Statistic` record each (what it
  needs, its unit rule, its math written once for numpy and jax.numpy);
- `Call`, `call_of`, `measure_call` (call.py): a statistic with its options parsed (minutes)
  and checked against the output grid, and its unit conversion fixed, once;
- `MeasureError`: a measure that cannot be computed (an `InputError`).

Times are minutes; a batch is y (n, T) on a grid t (T,); results are (n,).
This package imports only numpy, `ketasim.units` and `ketasim.errors` (jax lazily, in the
JAX face), so every layer above can use it.
"""

from .call import Call, call_of, measure_call, measure_options
from .errors import MeasureError
from .registry import STATISTICS, statistic
from .statistic import Curve, Options, Statistic

__all__ = ["Call", "Curve", "MeasureError", "Options", "STATISTICS", "Statistic", "call_of", "measure_call",
           "measure_options", "statistic"]
