"""The NMDA receptor kinetic scheme: agonist gating, Mg2+ block, trapping open-channel block.

One Markov scheme per GluN2 subtype, on the millisecond scale (units: ms, uM, mM, mV)::

    gating (each block level):   R  <-> R.glu <-> RA <-> O      glutamate binds GluN2,
                                 R  <-> R.gly <-> RA             glycine binds GluN1;
                                                                 RA opens only with both
    open-channel block:          O  <-> O.Bj   (blocker j enters only an open channel
                                                that Mg2+ does not occupy)

Every gating transition is the same with a blocker inside (full trapping): a blocked
channel closes, loses its agonists and keeps the drug until it reopens. Mg2+ binds and
leaves in microseconds, so it is an instantaneous equilibrium on the open channel: the
fraction of open channels free of Mg2+ is B(V) = 1 / (1 + [Mg]/K0 exp(-a V)) (Jahr &
Stevens), and a blocker can enter only those (Mg2+ and the PCP-site blockers compete,
Kotermanski & Johnson 2009). Conductance flows through open channels free of both.

The steady state of this scheme has a closed form that does not depend on gating: the
blocked fraction is X / (1 + X) with X = sum_j c_j B(V) / K_j(V). Gating sets only how
fast that state is reached (the channel must open), which is why active cells reach
block quickly and silent, Mg2+-blocked cells slowly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from .parameters import BLOCKERS
from .values import ReceptorValues

GATING = ("R", "R_glu", "R_gly", "RA", "O")
N_GATING = len(GATING)
OPEN = GATING.index("O")


@dataclass(frozen=True)
class Bath:
    """Solution and voltage during one protocol step (uM, uM, mM, mV; blockers in uM)."""

    glutamate: float = 0.0
    glycine: float = 0.0
    magnesium: float = 0.0
    voltage: float = -66.0
    blockers: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def without_blockers(self) -> "Bath":
        return Bath(self.glutamate, self.glycine, self.magnesium, self.voltage)


def state_index(block_level: int, gating: str) -> int:
    """Index of (block level, gating state); level 0 is drug-free, j >= 1 holds BLOCKERS[j-1]."""
    return block_level * N_GATING + GATING.index(gating)


def n_states() -> int:
    return N_GATING * (1 + len(BLOCKERS))


def generator(values: ReceptorValues, subtype: str, bath: Bath) -> np.ndarray:
    """Rate matrix Q (1/ms) with Q[i, j] the rate from state i to j; rows sum to zero.

    The probability row vector obeys dp/dt = p Q.
    """
    n = n_states()
    q = np.zeros((n, n))
    e = values.efficacy(subtype)
    koff_g = values.glutamate_koff(subtype)
    kon_g = koff_g / values.glutamate_kd(subtype)
    koff_y = koff_g  # glycine unbinding: taken equal to glutamate's (assumed; glycine is held constant)
    kon_y = koff_y / values.glycine_kd(subtype)
    alpha = values.closing_rate()
    beta = e * alpha
    g, y = bath.glutamate, bath.glycine
    for level in range(1 + len(BLOCKERS)):
        def at(name: str) -> int:
            return state_index(level, name)
        for a, b, fwd, back in (("R", "R_glu", kon_g * g, koff_g), ("R_gly", "RA", kon_g * g, koff_g),
                                ("R", "R_gly", kon_y * y, koff_y), ("R_glu", "RA", kon_y * y, koff_y),
                                ("RA", "O", beta, alpha)):
            q[at(a), at(b)] += fwd
            q[at(b), at(a)] += back
    mg_free = values.mg_unblocked(subtype, bath.voltage, bath.magnesium)
    koff = values.koff(bath.voltage)
    for j, b in enumerate(BLOCKERS, start=1):
        c = float(bath.blockers.get(b, 0.0))
        kon = koff / values.kd(b, subtype, bath.voltage)
        q[state_index(0, "O"), state_index(j, "O")] += kon * c * mg_free
        q[state_index(j, "O"), state_index(0, "O")] += koff
    q[np.diag_indices(n)] = -q.sum(axis=1)
    return q


def conducting(values: ReceptorValues, subtype: str, bath: Bath, p: np.ndarray) -> np.ndarray:
    """Fraction of receptors conducting: open, drug-free, and free of Mg2+ (p: (..., n))."""
    return p[..., state_index(0, "O")] * values.mg_unblocked(subtype, bath.voltage, bath.magnesium)


def steady_state(q: np.ndarray) -> np.ndarray:
    """The stationary distribution p (p Q = 0, sum p = 1) of an irreducible scheme."""
    n = q.shape[0]
    a = np.vstack([q.T, np.ones((1, n))])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    p, *_ = np.linalg.lstsq(a, rhs, rcond=None)
    return np.clip(p, 0.0, None) / np.clip(p, 0.0, None).sum()


def resting_state() -> np.ndarray:
    """All receptors unliganded, closed and drug-free."""
    p = np.zeros(n_states())
    p[state_index(0, "R")] = 1.0
    return p


def blocked_fraction_closed_form(values: ReceptorValues, subtype: str, bath: Bath) -> float:
    """X / (1 + X), X = sum_j c_j B(V) / K_j(V): the scheme's steady-state block (any gating)."""
    mg_free = values.mg_unblocked(subtype, bath.voltage, bath.magnesium)
    x = sum(float(bath.blockers.get(b, 0.0)) * mg_free / values.kd(b, subtype, bath.voltage) for b in BLOCKERS)
    return x / (1.0 + x)
