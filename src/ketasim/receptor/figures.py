"""Figures and tables of the receptor layer (used by `ketasim receptor`).

All curves come from the kinetic scheme (`scheme`, `clamp`) or, for cell types, from the
slow model's own NMDA module, so a figure shows exactly what the model computes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..engine.evaluate import evaluate_module
from ..mechanisms.nmda import nmda_module
from .clamp import Step, blockers_of, composition, ic50, mg_remaining, steady_block, steady_conductance, time_course
from .parameters import CELLS, SUBTYPES
from .scheme import Bath
from .values import ReceptorValues

CONCENTRATIONS = np.logspace(-2, 2.5, 46)  # uM
VOLTAGES = (-80.0, -66.0, -40.0, -20.0)    # mV
AGONISTS = (100.0, 10.0)                   # glutamate, glycine (uM)


def block_curve(values: ReceptorValues, subtype: str, drug: str, voltage: float, mg: float,
                conc: np.ndarray = CONCENTRATIONS) -> np.ndarray:
    return np.array([steady_block(values, {subtype: 1.0}, Bath(*AGONISTS, mg, voltage, blockers_of(drug, c)))
                     for c in conc])


def ic50_table(values: ReceptorValues, drug: str = "ketamine", voltage: float = -66.0) -> list[dict]:
    """IC50 (uM) per subtype without and with 1 mM Mg2+."""
    c = np.logspace(-3, 4, 141)
    return [{"subtype": s,
             "IC50 0 Mg (uM)": ic50(c, block_curve(values, s, drug, voltage, 0.0, c)),
             "IC50 1 mM Mg (uM)": ic50(c, block_curve(values, s, drug, voltage, 1.0, c))} for s in SUBTYPES]


def cell_block(brain_um: np.ndarray, overrides: dict | None = None) -> dict[str, np.ndarray]:
    """Steady-state block per cell type (slow-model module) against racemic brain ketamine (uM)."""
    env = evaluate_module(nmda_module("quasi_steady"),
                          {"brain_s_ketamine": brain_um / 2, "brain_r_ketamine": brain_um / 2}, overrides)
    return {c: np.broadcast_to(env[f"nmda_block_{c}"], brain_um.shape) for c in CELLS + ("interneuron",)}


def block_curves_figure(values: ReceptorValues, mg: float) -> Figure:
    fig = Figure(figsize=(9, 6.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey=True)
    for ax, s in zip(axes.flat, SUBTYPES):
        for v in VOLTAGES:
            ax.semilogx(CONCENTRATIONS, block_curve(values, s, "ketamine", v, mg), label=f"{v:g} mV")
        ax.semilogx(CONCENTRATIONS, block_curve(values, s, "ketamine", -66.0, 0.0), "k--", lw=1,
                    label="-66 mV, no Mg²⁺")
        ax.set_title(f"GluN1/{s[-2:].upper()}")
        ax.axvspan(0.5, 1.0, color="0.9", zorder=0)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("racemic ketamine (µM)")
    for ax in axes[:, 0]:
        ax.set_ylabel("steady-state block")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"Ketamine block per subtype, {mg:g} mM Mg²⁺ (grey: antidepressant brain levels)")
    return fig


def cell_block_figure() -> Figure:
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    c = CONCENTRATIONS
    for name, y in cell_block(c).items():
        ax.semilogx(c, y, label=name, lw=2 if name == "interneuron" else 1)
    ax.axvspan(0.5, 1.0, color="0.9", zorder=0)
    ax.set_xlabel("brain racemic ketamine (µM)")
    ax.set_ylabel("NMDA current blocked")
    ax.set_title("Block per cell type (subunits, voltage, Mg²⁺)")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def trapping_trace(values: ReceptorValues, agonist_in_wash: bool) -> tuple[np.ndarray, np.ndarray]:
    """Relative current (pyramidal mix, no Mg2+, -60 mV): 10 uM ketamine 5-35 s, wash 35-95 s
    with or without agonist, agonist 95-160 s. Returns (t in s, I / I_control)."""
    shares = composition(values, "pyramidal")
    base = Bath(*AGONISTS, 0.0, -60.0)
    wash = base if agonist_in_wash else Bath(0.0, AGONISTS[1], 0.0, -60.0)
    steps = [Step(0.0, base), Step(5_000.0, Bath(*AGONISTS, 0.0, -60.0, blockers_of("ketamine", 10.0))),
             Step(35_000.0, wash), Step(95_000.0, base)]
    t = np.arange(0.0, 160.0, 0.1)
    return t, time_course(values, shares, steps, 1000.0 * t) / steady_conductance(values, shares, base)


def trapping_figure(values: ReceptorValues) -> Figure:
    fig = Figure(figsize=(7, 3.5), layout="constrained")
    ax = fig.subplots()
    for flag, label in ((True, "wash in agonist: unblock"), (False, "wash without agonist: drug trapped")):
        t, y = trapping_trace(values, flag)
        ax.plot(t, y, label=label)
    for a, b, txt in ((5, 35, "ketamine 10 µM"), (35, 95, "wash")):
        ax.axvspan(a, b, color="0.93" if txt == "wash" else "0.85", zorder=0)
        ax.text((a + b) / 2, 1.05, txt, ha="center", fontsize=8)
    ax.set_ylim(-0.02, 1.12)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("NMDA current / control")
    ax.set_title("Trapping: block persists without agonist, recovers only when channels open")
    ax.legend(fontsize=8, loc="center right")
    return fig


def mg_figure(values: ReceptorValues) -> Figure:
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    v = np.linspace(-100, 40, 71)
    for s in SUBTYPES:
        ax.plot(v, [mg_remaining(values, {s: 1.0}, Bath(*AGONISTS, 1.0, x)) for x in v], label=f"GluN1/{s[-2:].upper()}")
    ax.plot([-65, -30, 0], [0.06, 0.36, 0.78], "ko", label="Jahr & Stevens 1990")
    ax.set_xlabel("membrane potential (mV)")
    ax.set_ylabel("current with 1 mM Mg²⁺ / without")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
