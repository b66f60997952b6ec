"""Trial scores through the trial solver (`chunk.TRIAL_SOLVER`, the split solve at the trial
tolerances) equal those of a tight whole-model reference solve: a small version of the
accuracy contract (rates within 0.002, MADRS within 0.05 points on the benchmark trial)."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.engine.dosing import DoseEvent
from ketasim.trial import chunk
from ketasim.trial.chunk import TrialArm, simulate_chunk

OTHERS = ("saline", "citalopram", "esketamine", "ketamine")
ARMS = (
    TrialArm("ketamine", (DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min"),), model_drugs=OTHERS,
             segments=8),
    TrialArm("esketamine", (DoseEvent("esketamine", "intranasal", "56 mg", every="3.5 d", count=2),),
             model_drugs=OTHERS, segments=8),
)


@pytest.mark.slow
@pytest.mark.parametrize("arm", ARMS, ids=lambda a: a.name)
def test_trial_solver_scores_equal_a_tight_reference(arm, monkeypatch):
    visits = [1, 2, 7]
    fast = simulate_chunk(arm, "trd", 0, 12, 0, visits)
    monkeypatch.setattr(chunk, "TRIAL_SOLVER", "kvaerno5")
    monkeypatch.setattr(chunk, "TRIAL_RTOL", 1e-8)
    monkeypatch.setattr(chunk, "TRIAL_ATOL", 1e-11)
    ref = simulate_chunk(arm, "trd", 0, 12, 0, visits)
    rated = ~np.isnan(ref.madrs)
    assert np.array_equal(rated, ~np.isnan(fast.madrs))
    diff = fast.madrs[rated] - ref.madrs[rated]
    assert np.max(np.abs(diff)) <= 1.0          # a rounding flip at most
    assert abs(np.mean(diff)) < 0.05            # MADRS points
    assert np.allclose(fast.drug_part[rated], ref.drug_part[rated], atol=0.01)
