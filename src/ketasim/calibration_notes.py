"""The provenance text of parameters fitted jointly to the clinical calibration set.

The clinical set's parameters (a mood weight in the mechanism, the rest in the trial's
statistical layer) are fitted together by `make calibrate-clinical` (`ketasim fit --set`,
data/calibration/clinical.toml). Each record's note says so in the same words, which the
scorecard reads to derive which experiments are calibration (the note names the set's
experiments and their sources); this module writes that text once, from the set file and
the last run's provenance (data/calibration/clinical_fitted.toml), so neither is copied by
hand. It imports nothing from the package, so mechanism and trial modules can both use it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

CLINICAL_SET = "data/calibration/clinical.toml"
_HERE = Path(__file__).parent


def _read(relative: str) -> dict:
    with open(_HERE / relative, "rb") as f:
        return tomllib.load(f)


_SET = _read(CLINICAL_SET)
_FITTED = _read("data/calibration/clinical_fitted.toml")["provenance"]
CLINICAL_EXPERIMENTS: tuple[tuple[str, str], ...] = tuple(
    (e, _SET.get("sources", {}).get(e, e)) for e in _SET["experiments"])
"""The set's experiments and the publications they encode (its `experiments` and `[sources]`)."""
CLINICAL_JOINT: tuple[str, ...] = tuple(_SET["parameters"])
"""The parameters the set fits (its `parameters`)."""
CLINICAL_FIT = (f"make calibrate-clinical: "
                f"{'Nelder-Mead' if _FITTED['method'] == 'nelder_mead' else _FITTED['method']} on the scored "
                f"endpoints of every time point at once, {_FITTED['iterations']} runs of the set, loss "
                f"{_FITTED['loss_initial']:.4g} -> {_FITTED['loss_final']:.4g}; standard errors in "
                "docs/calibration/clinical_identifiability.md")
"""How the last run went, from its provenance (data/calibration/clinical_fitted.toml)."""


def clinical_set_text(fitted_with: tuple[str, ...]) -> str:
    """'fitted jointly with A, B and C to the clinical calibration set (file: experiments; from
    publications)': the words every note of a parameter fitted in the set shares."""
    sources = dict.fromkeys(source for _, source in CLINICAL_EXPERIMENTS)   # in order, once each
    return (f"fitted jointly with {', '.join(fitted_with[:-1])} and {fitted_with[-1]} to the clinical calibration "
            f"set ({CLINICAL_SET}: {', '.join(e for e, _ in CLINICAL_EXPERIMENTS)}; from {', '.join(sources)})")


def clinical_joint_note(name: str, detail: str = "") -> str:
    """The note of parameter `name` (qualified) fitted in the clinical set, with what the set
    tells about it in particular (`detail`, appended after a semicolon)."""
    text = f"{clinical_set_text(tuple(q for q in CLINICAL_JOINT if q != name))} ({CLINICAL_FIT})"
    return f"{text}; {detail}" if detail else text
