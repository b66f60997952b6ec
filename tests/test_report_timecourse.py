"""The later layers' summary rows (`report.timecourse`): the real extreme, and constant or
duplicate observables left out with a sentence saying what they are."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ketasim.report.timecourse import extreme_rows, left_out, shown_names

T = np.arange(0.0, 1441.0, 1.0)


def _ds() -> xr.Dataset:
    bump = 1.0 + 0.053 * np.exp(-((T - 40.0) / 20.0) ** 2) - 0.0003 * np.exp(-((T - 700.0) / 100.0) ** 2)
    dip = 1.0 - 0.3 * np.exp(-((T - 60.0) / 30.0) ** 2)
    kyn = 1.0 + 0.1 * (1 - np.exp(-T / 600.0))
    return xr.Dataset({
        "opioid_tone": ("time", bump, {"long_name": "tone"}),
        "lhb_burst_rate": ("time", dip, {"long_name": "bursting"}),
        "kynurenine": ("time", kyn, {"long_name": "kyn"}),
        "kynurenic_acid": ("time", kyn.copy(), {"long_name": "kyna, proportional to kyn"}),
        "side_effect_burden": ("time", np.zeros_like(T), {"long_name": "antidepressant burden"}),
    }, coords={"time": T})


def test_the_extreme_is_the_one_farther_from_the_start():
    rows = {r["observable"]: r for r in extreme_rows(_ds(), ("opioid_tone", "lhb_burst_rate"), (("2 h", 120.0),
                                                                                             ("3 d", 4320.0)))}
    assert rows["opioid_tone"]["extreme"] == "peak"
    assert rows["opioid_tone"]["value"] == 1.053
    assert rows["opioid_tone"]["time (h)"] == round(40.0 / 60.0, 2)
    assert rows["lhb_burst_rate"]["extreme"] == "trough" and rows["lhb_burst_rate"]["value"] == 0.7
    assert rows["lhb_burst_rate"]["3 d"] is None     # beyond the run


def test_constant_and_duplicate_observables_are_left_out_with_what_they_are():
    ds = _ds()
    names = ("kynurenine", "kynurenic_acid", "side_effect_burden", "opioid_tone")
    assert shown_names(ds, names) == ["kynurenine", "opioid_tone"]
    notes = left_out(ds, names)
    assert notes == ["kynurenic_acid is identical to kynurenine (kyna, proportional to kyn).",
                     "side_effect_burden is 0 throughout this run (antidepressant burden)."]
