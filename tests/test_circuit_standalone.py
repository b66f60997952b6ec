"""The compiled sweep (C++ standalone, drug block as a run-time argument) gives the same
spikes as the runtime network for the same seed, at every level of one compiled build.

Slow: compiling the standalone project takes about half a minute. Needs a C++ compiler and
Brian2's Cython runtime target (the NumPy target draws binomial numbers differently).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("brian2")

from ketasim.circuit.network import CELLS, code_target, drug_block, run_circuit  # noqa: E402
from ketasim.circuit.standalone import sweep_standalone  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def compiled_ok():
    if shutil.which("g++") is None or code_target() != "cython":
        pytest.skip("needs a C++ compiler and the Cython runtime target")


def test_standalone_levels_match_runtime_spike_for_spike(compiled_ok, tmp_path):
    sets = [drug_block(c, "interneuron_preferential") for c in (0.0, 2.0)] + [drug_block(2.0, "uniform")]
    kw = dict(duration_ms=300.0, seed=4, n_scale=0.1, warmup_ms=100.0)
    fast, timing = sweep_standalone(sets, build_dir=tmp_path / "project", workers=2, **kw)
    assert timing.build_s > 0 and timing.runs_s > 0
    for blocks, got in zip(sets, fast):
        ref = run_circuit(blocks, target="cython", **kw)
        for c in CELLS:
            np.testing.assert_array_equal(got.spikes[c][0], ref.spikes[c][0])
            np.testing.assert_allclose(got.spikes[c][1], ref.spikes[c][1], rtol=0, atol=1e-9)
        np.testing.assert_allclose(got.lfp, ref.lfp, rtol=1e-9, atol=1e-12)
    # the levels really differ (the run-time argument reached the binary)
    assert len(fast[1].spikes["pyramidal"][0]) != len(fast[0].spikes["pyramidal"][0])

