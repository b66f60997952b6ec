"""The guessed-drug expectancy of trial/observation.py: it is renewed by each treatment and
wanes with trial.unblinding_fade, so a dissociating arm's extra placebo response shrinks
between doses and is gone long after the last one."""

import numpy as np

from ketasim.trial.cohorts import COHORTS
from ketasim.trial.observation import declared_values, observe_patient

DAYS = np.arange(0.0, 31.0)
# little spread, no contacts, responsiveness 1 for all (one class, no spread within it): the
# placebo part is placebo_max x e x b x onset x fade, times B
VALUES = {**declared_values(), "expectancy_cv": 0.1, "responder_share": 1.0, "responsiveness_cv": 0.0}


def placebo_part(cadss: float, seed: int) -> np.ndarray:
    o = observe_patient(np.random.default_rng(seed), COHORTS["trd"], DAYS, np.ones_like(DAYS),
                        np.zeros_like(DAYS), cadss, 0.0, True, 0.77, 0.0, values=VALUES)
    return o.parts[1]


def test_the_extra_expectancy_of_a_guessed_drug_wanes_with_its_own_time_constant():
    v = VALUES
    ratios = []
    for seed in range(20):   # the same patient (same draws) with and without dissociation
        felt, plain = placebo_part(1e6, seed), placebo_part(0.0, seed)
        if np.isnan(felt[-1]) or np.isnan(plain[-1]):
            continue
        ratios.append(felt / plain)
    ratio = np.mean(ratios, axis=0)
    since = np.maximum(DAYS - 1.0, 0.0)          # one infusion at day 0, counted from the day after
    want = 1.0 + v["unblinding_gain"] * np.exp(-since / v["unblinding_fade"])
    np.testing.assert_allclose(ratio[1:], want[1:], rtol=1e-9)
    assert ratio[30] < 1.0 + v["unblinding_gain"] * 0.05   # four weeks after the dose, nearly gone
