"""An experiment's measures read at the site its concentrations were sampled.

`protocol.sampling = "arterial"` makes a measure of plasma ketamine (racemic or an
enantiomer) read the model's arterial plasma (`arterial_*`), and of its `versus` curve
likewise; "venous" or no sampling leaves every measure as written. The check that the
model in use can predict the site is `mechanisms.pk_disposition.check_sampling`, at plan
time; this mapping is done once, when the file is read, so every path that runs the
experiment (validate, fit, hypotheses) reads the same observables.
"""

from __future__ import annotations

from ..mechanisms.pk_disposition import sampled_observable
from .schema import Experiment


def at_sampling_site(exp: Experiment) -> Experiment:
    """`exp` with each measure's `observable` and `versus` read at `protocol.sampling`."""
    site = exp.protocol.sampling
    if site != "arterial":
        return exp
    measures = []
    for i, m in enumerate(exp.measure):
        update = {key: sampled_observable(getattr(m, key), site, f"measure[{i}].{key}")
                  for key in ("observable", "versus") if getattr(m, key) is not None}
        measures.append(m.model_copy(update=update))
    return exp.model_copy(update={"measure": measures})
