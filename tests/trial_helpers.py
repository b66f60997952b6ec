"""What the trial tests share: the small two-arm trial file and the check that a refusal is
one line, exit status 2, with nothing in the output folder touched."""

from __future__ import annotations

import subprocess
from pathlib import Path


def two_arm_trial(n: int = 40, seed: int = 1, chunk: int = 10, trial_id: str = "test-trial",
                  title: str = "Ketamine 0.5 versus 0.1 mg/kg") -> str:
    """A 7-day trial file: ketamine 0.5 versus 0.1 mg/kg IV over 40 min, n patients per arm
    of the `trd` cohort in chunks of `chunk`, one response-rate measure at 1 d."""
    return f'''
id = "{trial_id}"
title = "{title}"
source = "test"
tags = ["clinical"]

[protocol]
duration = "7 d"

[protocol.population]
n = {n}
seed = {seed}
cohort = "trd"
chunk = {chunk}

[protocol.arms.ketamine]
doses = [{{ drug = "ketamine", route = "iv", dose = "0.5 mg/kg", duration = "40 min" }}]

[protocol.arms.low_dose]
doses = [{{ drug = "ketamine", route = "iv", dose = "0.1 mg/kg", duration = "40 min" }}]
blinded = false

[[measure]]
arm = "ketamine"
endpoint = "response_rate"
at = "1 d"
range = [0.0, 1.0]
'''


MEAN_DIFFERENCE_MEASURE = """
[[measure]]
arm = "ketamine"
endpoint = "mean_difference"
versus = "low_dose"
at = "36 h"
range = [-30, 30]
"""
"""A second measure for `two_arm_trial`: the ketamine-minus-low-dose MADRS change at 36 h
(a visit between the scheduled days, so the effects table gains a day)."""


def assert_one_line_refusal(result: subprocess.CompletedProcess, out: Path, words) -> None:
    """Exit 2, one line on stderr holding every one of `words`, no traceback, and the output
    folder (prepared with one file, summary.json = "precious") left as it was."""
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]
    assert (out / "summary.json").read_text() == "precious"
