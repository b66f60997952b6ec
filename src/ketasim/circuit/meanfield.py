"""Mean-field (rate) model of the microcircuit, in JAX: fixed point and linear-response spectrum.

Three populations c in (E = pyramidal, P = PV, S = SST) with rates r_c (Hz) and synaptic
filters u_x (Hz, low-pass of the presynaptic rate: AMPA and NMDA of E, GABA-A of P and S):

    tau_c dr_c/dt = -r_c + phi_c(mu_c),  phi_c(mu) = gain_c * softplus(mu - theta_c)
    tau_x du_x/dt = -u_x + r_pre(x)
    mu_c = I_c + J_cE_ampa u_Ea + J_cE_nmda m_c (1 - b_c) u_En - J_cP u_P - J_cS u_S

b_c is the drug block of the cell type's NMDA current (from the receptor layer) and m_c
its Mg2+-unblocked fraction at the cell's mean potential; inputs mu are dimensionless
(in units of the transfer function's softness). Gamma power comes from the linear
response around the fixed point to finite-size (Poisson) noise of each population: the
LFP proxy is the summed absolute synaptic drive onto E cells, and its spectrum is
S(f) = sum_c |H_lfp,c(2 pi i f)|^2 r_c / N_c. All functions are pure and differentiable,
so the rate model can be calibrated against the spiking network by gradient descent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from ..engine import jaxconfig  # noqa: F401  (float64)
from ..parameters import Parameter, p
from .analysis import BANDS

POPS = ("E", "P", "S")
SYN = ("Ea", "En", "P", "S")      # filtered signals: E-AMPA, E-NMDA, PV-GABA, SST-GABA


_START = "starting value of the rate model, refitted by the calibration against the spiking network (circuit.calibrate)"


def _per_pop(name: str, unit: str, values: tuple[float, ...], description: str) -> tuple[Parameter, ...]:
    return tuple(p(f"{name}_{pop}", v, unit, "assumed", f"{description}, {pop}", note=_START)
                 for pop, v in zip(POPS, values))


# The rate model's own constants (per population E, P, S). Synaptic time constants, Mg2+
# unblocking and population sizes are not here: they are read from the network and the
# receptor layer, so the mean field describes the same circuit.
MEANFIELD_PARAMETERS: tuple[Parameter, ...] = (
    *_per_pop("tau", "ms", (10.0, 5.0, 15.0), "rate time constant"),
    *_per_pop("gain", "Hz", (4.0, 12.0, 6.0), "slope of the softplus transfer function"),
    *_per_pop("theta", "1", (1.0, 1.0, 1.0), "threshold of the transfer function"),
    *_per_pop("drive", "1", (1.2, 1.0, 0.6), "external drive"),
    *_per_pop("j_ampa", "1/Hz", (0.15, 0.20, 0.10), "AMPA coupling from pyramidal cells"),
    *_per_pop("j_nmda", "1/Hz", (0.10, 0.25, 0.20), "NMDA coupling from pyramidal cells"),
    *_per_pop("j_pv", "1/Hz", (0.20, 0.12, 0.0), "GABA-A coupling from PV cells"),
    *_per_pop("j_sst", "1/Hz", (0.15, 0.10, 0.0), "GABA-A coupling from SST cells"),
)
_CELL = {"E": "pyramidal", "P": "pv", "S": "sst"}


_VALUES = {x.name: x.value for x in MEANFIELD_PARAMETERS}


def _table(name: str) -> tuple[float, ...]:
    return tuple(_VALUES[f"{name}_{pop}"] for pop in POPS)


def _shared(name: str) -> tuple[float, ...]:
    """Constants of the same circuit held by the network's and receptor layer's records."""
    from ..receptor.values import DEFAULT
    from . import parameters as P
    from .blocks import mg_unblocked
    from .network import population_sizes

    if name == "tau_syn":
        return tuple(P.value(k, "ms") for k in ("tau_ampa", "tau_nmda_decay", "tau_gaba_pv", "tau_gaba_sst"))
    if name == "mg_unblocked":
        return tuple(mg_unblocked(_CELL[pop], DEFAULT.get(f"membrane_potential_{_CELL[pop]}", "mV")) for pop in POPS)
    sizes = population_sizes()
    return tuple(float(sizes[_CELL[pop]]) for pop in POPS)


@dataclass(frozen=True)
class MeanField:
    """Rate-model constants (times in ms, rates in Hz, couplings per Hz). Immutable."""

    tau: tuple[float, float, float] = field(default_factory=lambda: _table("tau"))
    tau_syn: tuple[float, float, float, float] = field(default_factory=lambda: _shared("tau_syn"))
    gain: tuple[float, float, float] = field(default_factory=lambda: _table("gain"))
    theta: tuple[float, float, float] = field(default_factory=lambda: _table("theta"))
    drive: tuple[float, float, float] = field(default_factory=lambda: _table("drive"))
    j_ampa: tuple[float, float, float] = field(default_factory=lambda: _table("j_ampa"))  # onto E, P, S from E
    j_nmda: tuple[float, float, float] = field(default_factory=lambda: _table("j_nmda"))
    j_pv: tuple[float, float, float] = field(default_factory=lambda: _table("j_pv"))      # from P onto E, P, S
    j_sst: tuple[float, float, float] = field(default_factory=lambda: _table("j_sst"))    # from S onto E, P, S
    mg_unblocked: tuple[float, float, float] = field(default_factory=lambda: _shared("mg_unblocked"))
    n_cells: tuple[float, float, float] = field(default_factory=lambda: _shared("n_cells"))

    def with_values(self, **kw) -> "MeanField":
        return replace(self, **{k: tuple(float(x) for x in v) for k, v in kw.items()})

    def as_arrays(self) -> dict[str, jnp.ndarray]:
        return {f.name: jnp.asarray(getattr(self, f.name), dtype=float) for f in fields(self)}


def _softplus(x):
    return jnp.logaddexp(0.0, x)


def _inputs(p: Mapping[str, jnp.ndarray], u: jnp.ndarray, block: jnp.ndarray) -> jnp.ndarray:
    """mu_c from filtered signals u = (u_Ea, u_En, u_P, u_S) and blocks b_c."""
    nmda = p["j_nmda"] * p["mg_unblocked"] * (1.0 - block)
    return p["drive"] + p["j_ampa"] * u[0] + nmda * u[1] - p["j_pv"] * u[2] - p["j_sst"] * u[3]


def rates_map(p, r: jnp.ndarray, block: jnp.ndarray) -> jnp.ndarray:
    """phi(mu(r)): at a fixed point every filter equals its presynaptic rate."""
    u = jnp.stack([r[0], r[0], r[1], r[2]])
    return p["gain"] * _softplus(_inputs(p, u, block) - p["theta"])


def fixed_point(model: MeanField, block, r0=(3.0, 15.0, 8.0), iterations: int = 400) -> jnp.ndarray:
    """Stationary rates (Hz) by damped iteration then Newton refinement."""
    p = model.as_arrays()
    b = jnp.asarray(block, dtype=float)
    r = jnp.asarray(r0, dtype=float)

    def step(r, _):
        return 0.8 * r + 0.2 * rates_map(p, r, b), None

    r, _ = jax.lax.scan(step, r, None, length=iterations)

    def newton(r, _):
        f = lambda x: rates_map(p, x, b) - x  # noqa: E731
        jac = jax.jacfwd(f)(r)
        return r - jnp.linalg.solve(jac, f(r)), None

    r, _ = jax.lax.scan(newton, r, None, length=8)
    return r


def jacobian(p, r: jnp.ndarray, block: jnp.ndarray) -> jnp.ndarray:
    """Linearised dynamics of x = (r_E, r_P, r_S, u_Ea, u_En, u_P, u_S), in 1/ms."""
    u = jnp.stack([r[0], r[0], r[1], r[2]])
    mu = _inputs(p, u, block)
    slope = p["gain"] * jax.nn.sigmoid(mu - p["theta"])           # dphi/dmu (Hz per unit input)
    nmda = p["j_nmda"] * p["mg_unblocked"] * (1.0 - block)
    dmu_du = jnp.stack([p["j_ampa"], nmda, -p["j_pv"], -p["j_sst"]], axis=1)  # (3 pops, 4 syn)
    a = jnp.zeros((7, 7))
    a = a.at[:3, :3].set(-jnp.diag(1.0 / p["tau"]))
    a = a.at[:3, 3:].set((slope / p["tau"])[:, None] * dmu_du)
    pre = jnp.array([0, 0, 1, 2])
    a = a.at[3:, 3:].set(-jnp.diag(1.0 / p["tau_syn"]))
    a = a.at[jnp.arange(3, 7), pre].set(1.0 / p["tau_syn"])
    return a


def lfp_spectrum(model: MeanField, block, freqs_hz: np.ndarray, r: jnp.ndarray | None = None) -> jnp.ndarray:
    """Power spectral density of the LFP proxy (arbitrary units) at `freqs_hz`."""
    p = model.as_arrays()
    b = jnp.asarray(block, dtype=float)
    r = fixed_point(model, b) if r is None else r
    a = jacobian(p, r, b)
    # LFP proxy: |AMPA| + |NMDA| + |GABA| drive onto E (Mazzoni-style sum of absolute currents)
    nmda_e = p["j_nmda"][0] * p["mg_unblocked"][0] * (1.0 - b[0])
    c = jnp.zeros(7).at[3:].set(jnp.stack([p["j_ampa"][0], nmda_e, p["j_pv"][0], p["j_sst"][0]]))
    noise = jnp.zeros(7).at[:3].set(jnp.sqrt(r / p["n_cells"]) / p["tau"])  # Poisson finite-size noise
    w = 2.0 * jnp.pi * jnp.asarray(freqs_hz, dtype=float) / 1000.0      # rad/ms

    def power(wi):
        h = jnp.linalg.solve((1j * wi) * jnp.eye(7) - a, jnp.diag(noise).astype(complex))
        return jnp.sum(jnp.abs(c @ h) ** 2)

    return jax.vmap(power)(w)


def band_powers(model: MeanField, block, r: jnp.ndarray | None = None) -> dict[str, jnp.ndarray]:
    """Integrated LFP power per band (the network analysis's bands; trapezoid on a 0.5 Hz grid,
    in JAX so that it stays differentiable)."""
    f = np.arange(0.5, 100.01, 0.5)
    s = lfp_spectrum(model, block, f, r)
    out = {}
    for name, (lo, hi) in BANDS.items():
        sel = (f >= lo) & (f <= hi)
        out[name] = jnp.trapezoid(s[sel], f[sel])
    return out
