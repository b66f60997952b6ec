"""The provenance text of parameters fitted jointly to the clinical calibration set.

Four parameters (a mood weight in the mechanism, three in the trial's statistical layer)
are fitted together by `make calibrate-clinical` (`ketasim fit --set`,
data/calibration/clinical.toml). Each record's note says so in the same words, which the
scorecard reads to derive which experiments are calibration (the note names the set's
experiments and their sources); this module writes that text once. It imports nothing
from the package, so mechanism and trial modules can both use it.
"""

from __future__ import annotations

CLINICAL_SET = "data/calibration/clinical.toml"
CLINICAL_EXPERIMENTS = (
    ("clinical-han2016-response-24h", "Han 2016 (han2016)"),
    ("clinical-han2016-course", "Han 2016 (han2016)"),
    ("clinical-cochrane2021-saline-midazolam-24h", "Cochrane 2021 (cochrane2021)"),
    ("clinical-coyle2015-loss-of-effect", "Coyle & Laws 2015 (coyle2015)"),
    ("clinical-murrough2013-midazolam", "Murrough 2013 (murrough2013)"),
)
"""The set's experiments (as its file lists them) and the publications they encode."""
CLINICAL_JOINT = ("mood.mood_synaptic_weight", "trial.trd_placebo_max", "trial.unblinding_gain",
                  "trial.expectancy_cv")
"""The parameters the set fits (as its file lists them)."""
CLINICAL_FIT = ("make calibrate-clinical: Nelder-Mead on the scored endpoints of every time point at once, "
                "99 runs of the set from the previous run's values, loss 0.4014 -> 0.4012; standard errors in "
                "docs/calibration/clinical_identifiability.md")
"""How the last run went (its provenance: data/calibration/clinical_fitted.toml)."""


def clinical_joint_note(name: str, detail: str = "") -> str:
    """The note of parameter `name` (qualified) fitted in the clinical set, with what the set
    tells about it in particular (`detail`, appended after a semicolon)."""
    others = [q for q in CLINICAL_JOINT if q != name]
    sources = []
    for _, source in CLINICAL_EXPERIMENTS:
        if source not in sources:
            sources.append(source)
    text = (f"fitted jointly with {', '.join(others[:-1])} and {others[-1]} to the clinical calibration set "
            f"({CLINICAL_SET}: {', '.join(e for e, _ in CLINICAL_EXPERIMENTS)}; from {', '.join(sources)}) "
            f"({CLINICAL_FIT})")
    return f"{text}; {detail}" if detail else text
