"""Clinical layer: mood (MADRS, HAMD), acute effects and adverse effects of repeated use.

`HYPOTHESES` lists this layer's switches (merged into the registry's); `modules(hyp,
drugs)` returns its mechanism modules for a resolved hypothesis set and the drugs (and
procedures) of a regimen. One concept per file:

- mood.py: the depressive state driven by the mechanistic layers -> `madrs`, `hamd`
- ect.py: electroconvulsive therapy sessions (procedure events) as seizure-driven AMPA drive
- tolerability.py: side-effect burden of the comparator antidepressants (dropouts)
- acute.py: `cadss`, `sedation`, `analgesia`
- adverse.py: `bladder_risk`, `abuse_liability`

The trial-level parts (cohorts, placebo and expectancy, day-to-day fluctuation,
dropouts) are statistical and live in `ketasim.trial`.
"""

from __future__ import annotations

from ...engine.module import Module
from ..systems.serotonin import INHIBITORS as SERT_INHIBITORS
from .acute import acute_modules
from .adverse import adverse_modules
from .ect import ECT
from .mood import MOOD
from .tolerability import tolerability_module

HYPOTHESES: dict[str, tuple[str, ...]] = {}


def modules(hyp: dict[str, str], drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    """The clinical modules for hypotheses `hyp` (already resolved) and regimen drugs."""
    mods = (MOOD, tolerability_module(bool(drugs & set(SERT_INHIBITORS)), "amitriptyline" in drugs))
    if "ect" in drugs:
        mods += (ECT,)
    return mods + acute_modules(drugs) + adverse_modules(drugs)
