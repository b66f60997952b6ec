"""The spiking microcircuit (Brian2): prefrontal L2/3 pyramidal, PV and SST cells.

Each cell is an adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005)
with conductance-based synapses (units: volt, amp, siemens, second):

    C dv/dt = gL (EL - v) + gL DT exp((v - VT)/DT) - w + I_syn
    tau_w dw/dt = a (v - EL) - w                 (w += b at each spike)
    I_syn = g_ampa (E_exc - v) + g_nmda B_c(v) (1 - block_c) (E_exc - v)
            + (g_gaba_pv + g_gaba_sst) (E_inh - v)
    B_c(v) = sum_s f_cs / (1 + [Mg]/K0_s exp(-a_s v))

with B_c the receptor layer's Mg2+ block for cell type c (subtype fractions f_cs, K0_s,
slopes a_s and [Mg] read from `ketasim.receptor`) and block_c the drug block. AMPA and
GABA-A conductances jump at each presynaptic spike and decay exponentially; NMDA is a
difference of exponentials (rise 2 ms, decay 100 ms; Brunel & Wang 2001) normalised so a
weight is the peak of an event. External drive: independent Poisson AMPA inputs.

The LFP proxy is the sum of absolute AMPA, NMDA and GABA-A currents onto all pyramidal
cells (Mazzoni et al. 2008).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np

from ..errors import InputError
from ..receptor.values import DEFAULT, ReceptorValues
from . import parameters as P
from .blocks import CELLS, HYPOTHESES, drug_block, mg_terms, mg_unblocked

__all__ = ["CircuitResult", "run_circuit", "drug_block", "mg_unblocked", "population_sizes",
           "HYPOTHESES", "CELLS", "neuron_equations"]

SAMPLE_DT_MS = 0.5  # sampling interval of the LFP, current and rate series (ms)


@dataclass(frozen=True)
class CircuitResult:
    """One simulation. Times in ms, rates in Hz, currents in nA (summed over pyramidal cells).

    rates: population rate per cell type on `time_ms` (bins of sample_dt_ms).
    spikes: (cell indices, spike times in ms) per cell type, for a raster.
    lfp: sum of |AMPA| + |NMDA| + |GABA-A| currents onto pyramidal cells (nA).
    excitatory_current / inhibitory_current: the |AMPA + NMDA| and |GABA-A| parts (nA).
    """

    dt_ms: float
    sample_dt_ms: float
    warmup_ms: float
    duration_ms: float
    sizes: Mapping[str, int]
    blocks: Mapping[str, float]
    time_ms: np.ndarray
    rates: Mapping[str, np.ndarray]
    spikes: Mapping[str, tuple[np.ndarray, np.ndarray]]
    lfp: np.ndarray
    excitatory_current: np.ndarray
    inhibitory_current: np.ndarray
    target: str


def population_sizes(n_scale: float = 1.0, overrides: Mapping[str, float] | None = None,
                     values: ReceptorValues = DEFAULT) -> dict[str, int]:
    """Cells per type; the pyramidal and PV shares are the receptor layer's."""
    if not n_scale > 0:
        raise InputError("n_scale: must be > 0")
    n = P.value("n_neurons", "1", overrides) * n_scale
    pyr = values.get("pyramidal_share_of_neurons", "1")
    pv = values.get("pv_share_of_interneurons", "1")
    n_int = n * (1 - pyr)
    return {"pyramidal": max(1, round(n * pyr)), "pv": max(1, round(n_int * pv)), "sst": max(1, round(n_int * (1 - pv)))}


def mg_block_expression(cell: str, values: ReceptorValues = DEFAULT) -> str:
    """Brian2 text of B_c(v) with the receptor layer's numbers (v in volt)."""
    terms = [f"{f!r} / (1 + {ratio!r} * exp(-{slope * 1000.0!r} * v / volt))"
             for f, ratio, slope in mg_terms(cell, values)]
    return " + ".join(terms) if terms else "0"


def neuron_equations(cell: str, values: ReceptorValues = DEFAULT) -> str:
    """The Brian2 equations of one cell type."""
    return f"""
dv/dt = (gl * (el - v) + gl * delta_t * exp((v - vt) / delta_t) - w + i_syn) / cap : volt (unless refractory)
dw/dt = (a * (v - el) - w) / tau_w : amp
i_ampa = g_ampa * (e_exc - v) : amp
i_nmda = g_nmda * mg_block * (1 - nmda_drug_block) * (e_exc - v) : amp
i_gaba = (g_gaba_pv + g_gaba_sst) * (e_inh - v) : amp
i_syn = i_ampa + i_nmda + i_gaba : amp
mg_block = {mg_block_expression(cell, values)} : 1
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_nmda/dt = (h_nmda - g_nmda) / tau_nmda_decay : siemens
dh_nmda/dt = -h_nmda / tau_nmda_rise : siemens
dg_gaba_pv/dt = -g_gaba_pv / tau_gaba_pv : siemens
dg_gaba_sst/dt = -g_gaba_sst / tau_gaba_sst : siemens
nmda_drug_block : 1 (constant, shared)
"""


def cell_namespace(cell: str, ov: Mapping[str, float]) -> dict:
    """Brian2 namespace (constants with units) of one cell type's equations; ov: parameter overrides."""
    import brian2 as b2
    v = lambda name, unit: P.value(name, unit, ov)  # noqa: E731
    rise, decay = v("tau_nmda_rise", "ms"), v("tau_nmda_decay", "ms")
    return {
        "cap": v(f"capacitance_{cell}", "pF") * b2.pF, "gl": v(f"leak_conductance_{cell}", "nS") * b2.nS,
        "el": v(f"leak_reversal_{cell}", "mV") * b2.mV, "vt": v(f"threshold_{cell}", "mV") * b2.mV,
        "delta_t": v(f"slope_factor_{cell}", "mV") * b2.mV, "v_reset": v(f"reset_{cell}", "mV") * b2.mV,
        "a": v(f"adaptation_a_{cell}", "nS") * b2.nS, "b": v(f"adaptation_b_{cell}", "pA") * b2.pA,
        "tau_w": v(f"adaptation_tau_{cell}", "ms") * b2.ms, "v_cut": v("spike_cutoff", "mV") * b2.mV,
        "e_exc": v("reversal_excitatory", "mV") * b2.mV, "e_inh": v("reversal_inhibitory", "mV") * b2.mV,
        "tau_ampa": v("tau_ampa", "ms") * b2.ms, "tau_nmda_rise": rise * b2.ms, "tau_nmda_decay": decay * b2.ms,
        "tau_gaba_pv": v("tau_gaba_pv", "ms") * b2.ms, "tau_gaba_sst": v("tau_gaba_sst", "ms") * b2.ms,
        # peak of the difference of exponentials for a unit jump of h: normalises NMDA weights
        "nmda_norm": 1.0 / _dual_exp_peak(rise, decay),
    }


def _dual_exp_peak(rise: float, decay: float) -> float:
    """Peak of g for h(0)=1: g(t) = rise/(decay - rise) (exp(-t/decay) - exp(-t/rise))."""
    if abs(decay - rise) < 1e-9:
        return float(np.exp(-1.0))
    t = rise * decay / (decay - rise) * np.log(decay / rise)
    return float(rise / (decay - rise) * (np.exp(-t / decay) - np.exp(-t / rise)))


def build_network(blocks: Mapping[str, float], n_scale: float, ov: Mapping[str, float], values: ReceptorValues):
    """(Brian2 network, population sizes, spike monitors, LFP-proxy currents) of the circuit under `blocks`.

    Used by the runtime run here and by the standalone (C++) sweep in `circuit.standalone`.
    """
    import brian2 as b2
    sizes = population_sizes(n_scale, ov, values)
    groups = {}
    for c in CELLS:
        ns = cell_namespace(c, ov)
        g = b2.NeuronGroup(sizes[c], neuron_equations(c, values), threshold="v > v_cut",
                           reset="v = v_reset\nw += b", refractory=P.value(f"refractory_{c}", "ms", ov) * b2.ms,
                           method="euler", namespace=ns, name=f"{c}_cells")
        g.v = "el + rand() * (vt - el)"
        g.nmda_drug_block = float(blocks[c])
        groups[c] = g
    delay = P.value("synaptic_delay", "ms", ov) * b2.ms
    synapses = []
    for pre, post in P.CONNECTIONS:
        prob = P.value(f"connection_prob_{pre}_{post}", "1", ov)
        p_eff = min(1.0, prob / n_scale)
        scale = prob / n_scale / p_eff if p_eff > 0 else 0.0  # keeps summed input per cell at full size
        ns = {"nmda_norm": cell_namespace(post, ov)["nmda_norm"]}
        if pre == "pyramidal":
            model = "w_ampa : siemens (constant, shared)\nw_nmda : siemens (constant, shared)"
            on_pre = "g_ampa_post += w_ampa\nh_nmda_post += w_nmda * nmda_norm"
        else:
            model = "w_gaba : siemens (constant, shared)"
            on_pre = f"g_gaba_{pre}_post += w_gaba"
        s = b2.Synapses(groups[pre], groups[post], model=model, on_pre=on_pre, delay=delay,
                        namespace=ns, name=f"syn_{pre}_{post}")
        if p_eff > 0:
            s.connect(condition="i != j" if pre == post else None, p=p_eff)
        for r in (("ampa", "nmda") if pre == "pyramidal" else ("gaba",)):
            setattr(s, f"w_{r}", P.value(f"weight_{r}_{pre}_{post}", "nS", ov) * scale * b2.nS)
        synapses.append(s)
    drives = [b2.PoissonInput(groups[c], "g_ampa", N=int(round(P.value("external_inputs", "1", ov))),
                              rate=P.value("external_rate", "Hz", ov) * b2.Hz,
                              weight=P.value(f"weight_ampa_ext_{c}", "nS", ov) * b2.nS) for c in CELLS]
    probe = b2.NeuronGroup(1, "i_exc : amp\ni_inh : amp", name="lfp_probe")
    # summed only when the monitor samples it (every SAMPLE_DT_MS), not every time step
    tap = b2.Synapses(groups["pyramidal"], probe, name="lfp_tap", namespace=cell_namespace("pyramidal", ov),
                      dt=SAMPLE_DT_MS * b2.ms,
                      model="i_exc_post = abs(i_ampa_pre + i_nmda_pre) : amp (summed)\n"
                            "i_inh_post = abs(i_gaba_pre) : amp (summed)")
    tap.connect()
    spikes = {c: b2.SpikeMonitor(groups[c], name=f"spikes_{c}") for c in CELLS}
    currents = b2.StateMonitor(probe, ["i_exc", "i_inh"], record=[0], dt=SAMPLE_DT_MS * b2.ms, name="currents")
    net = b2.Network(*groups.values(), *synapses, *drives, probe, tap, *spikes.values(), currents)
    return net, sizes, spikes, currents


def check_run(blocks: Mapping[str, float], duration_ms: float, warmup_ms: float, ov: Mapping[str, float]) -> None:
    """Refuse block fractions outside 0-1, non-positive durations and unknown overrides."""
    for c in CELLS:
        if c not in blocks or not 0.0 <= float(blocks[c]) <= 1.0:
            raise InputError(f"blocks.{c}: need a fraction between 0 and 1")
    if duration_ms <= 0 or warmup_ms < 0:
        raise InputError("duration_ms: must be > 0 (and warmup_ms >= 0)")
    P.check_overrides(ov)


def run_circuit(blocks: Mapping[str, float], duration_ms: float = 2000.0, seed: int = 0, n_scale: float = 1.0,
                warmup_ms: float = 500.0, overrides: Mapping[str, float] | None = None,
                values: ReceptorValues = DEFAULT, dt_ms: float = 0.1, target: str | None = None) -> CircuitResult:
    """Simulate warmup_ms + duration_ms (ms) of the circuit with NMDA drug block per cell type.

    blocks: fraction 0-1 of NMDA current blocked by drug, keys pyramidal, pv, sst.
    n_scale: population size factor; connection probabilities (or, above 1, weights) are
    scaled so that the synaptic input per cell stays that of the full-size network.
    overrides: circuit parameter name -> value in its declared unit.
    target: Brian2 code generation target ("cython" or "numpy"; default cython if it compiles).
    """
    import brian2 as b2
    ov = dict(overrides or {})
    check_run(blocks, duration_ms, warmup_ms, ov)
    target = target or code_target()
    old_target, old_dt = b2.prefs.codegen.target, b2.defaultclock.dt
    np_state = np.random.get_state()
    try:
        b2.prefs.codegen.target = target
        b2.start_scope()
        b2.defaultclock.dt = dt_ms * b2.ms
        b2.seed(int(seed))
        net, sizes, spikes, currents = build_network(blocks, n_scale, ov, values)
        total = warmup_ms + duration_ms
        net.run(total * b2.ms, namespace={})
        i_exc = np.asarray(currents.i_exc[0] / b2.nA)
        i_inh = np.asarray(currents.i_inh[0] / b2.nA)
        trains = {c: (np.asarray(spikes[c].i[:], dtype=np.int64), np.asarray(spikes[c].t[:] / b2.ms))
                  for c in CELLS}
    finally:
        b2.prefs.codegen.target = old_target
        b2.defaultclock.dt = old_dt
        np.random.set_state(np_state)
    return assemble_result(sizes, blocks, trains, i_exc, i_inh, dt_ms, float(warmup_ms), float(duration_ms), target)


def assemble_result(sizes: Mapping[str, int], blocks: Mapping[str, float],
                    trains: Mapping[str, tuple[np.ndarray, np.ndarray]], i_exc: np.ndarray, i_inh: np.ndarray,
                    dt_ms: float, warmup_ms: float, duration_ms: float, target: str) -> CircuitResult:
    """A CircuitResult from recorded spike trains (ms) and LFP currents (nA, every SAMPLE_DT_MS)."""
    total = warmup_ms + duration_ms
    edges = np.arange(0.0, total + SAMPLE_DT_MS / 2, SAMPLE_DT_MS)
    rates = {c: np.histogram(trains[c][1], bins=edges)[0] / (sizes[c] * SAMPLE_DT_MS * 1e-3) for c in CELLS}
    n = min(len(i_exc), len(edges) - 1)
    return CircuitResult(
        dt_ms=dt_ms, sample_dt_ms=SAMPLE_DT_MS, warmup_ms=warmup_ms, duration_ms=duration_ms,
        sizes=MappingProxyType(dict(sizes)), blocks=MappingProxyType({c: float(blocks[c]) for c in CELLS}),
        time_ms=edges[:n], rates=MappingProxyType({c: r[:n] for c, r in rates.items()}),
        spikes=MappingProxyType(dict(trains)), lfp=i_exc[:n] + i_inh[:n], excitatory_current=i_exc[:n],
        inhibitory_current=i_inh[:n], target=target)


_TARGET: list[str] = []


def code_target() -> str:
    """"cython" when a small Brian2 model compiles and runs with it here, else "numpy" (cached)."""
    if _TARGET:
        return _TARGET[0]
    import brian2 as b2
    old = b2.prefs.codegen.target
    try:
        b2.prefs.codegen.target = "cython"
        net = b2.Network(b2.NeuronGroup(1, "dx/dt = -x / (10*ms) : 1", method="exact", name="cython_probe"))
        net.run(0.1 * b2.ms, namespace={"ms": b2.ms})
        _TARGET.append("cython")
    except Exception:  # no compiler, no Cython: the pure-NumPy target always works
        _TARGET.append("numpy")
    finally:
        b2.prefs.codegen.target = old
    return _TARGET[0]
