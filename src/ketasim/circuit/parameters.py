"""The circuit's parameters: every number of the spiking network, one record each.

Names follow patterns the network builder relies on (c in CELLS = pyramidal, pv, sst):

- per cell type: `capacitance_c`, `leak_conductance_c`, `leak_reversal_c`, `threshold_c`
  (AdEx V_T), `slope_factor_c` (AdEx Delta_T), `reset_c`, `refractory_c`,
  `adaptation_a_c` (subthreshold), `adaptation_b_c` (spike-triggered), `adaptation_tau_c`,
  `weight_ampa_ext_c` (external Poisson input)
- per connection pre -> post: `connection_prob_pre_post` (at full size), and
  `weight_R_pre_post` (peak conductance of one synaptic event) for R in ampa, nmda, gaba

NMDA Mg2+ block and the PV share of interneurons are NOT here: they are read from the
receptor layer (`ketasim.receptor.parameters`), the one source of those numbers.
"""

from __future__ import annotations

from typing import Mapping

from ..errors import InputError
from ..parameters import Parameter, p
from ..units import ureg

CELLS = ("pyramidal", "pv", "sst")
# (pre, post) pairs that are connected; SST cells avoid each other and PV->SST is weak
# in neocortex (Tremblay et al. 2016), so those pairs are left out.
CONNECTIONS = (("pyramidal", "pyramidal"), ("pyramidal", "pv"), ("pyramidal", "sst"),
               ("pv", "pyramidal"), ("pv", "pv"), ("sst", "pyramidal"), ("sst", "pv"))

_ADEX = "AdEx form of Brette & Gerstner 2005; "


def _cell(c: str, cap: float, gl: float, el: float, vt: float, dt: float, reset: float, tref: float,
          a: float, b: float, tau_w: float, w_ext: float, note: str) -> tuple[Parameter, ...]:
    return (
        p(f"capacitance_{c}", cap, "pF", "assumed", f"membrane capacitance, {c}", note=note, lower=20.0, upper=1000.0),
        p(f"leak_conductance_{c}", gl, "nS", "assumed", f"leak conductance, {c}", note=note, lower=1.0, upper=100.0),
        p(f"leak_reversal_{c}", el, "mV", "assumed", f"leak reversal (resting) potential, {c}", note=note,
          lower=-85.0, upper=-55.0),
        p(f"threshold_{c}", vt, "mV", "assumed", f"AdEx spike initiation threshold V_T, {c}", note=note,
          lower=-60.0, upper=-40.0),
        p(f"slope_factor_{c}", dt, "mV", "assumed", f"AdEx slope factor Delta_T (spike sharpness), {c}",
          note=_ADEX + "fast-spiking cells have sharper spike initiation" if c == "pv" else _ADEX + "typical 2 mV",
          lower=0.2, upper=5.0),
        p(f"reset_{c}", reset, "mV", "assumed", f"reset potential after a spike, {c}", note=note,
          lower=-80.0, upper=-40.0),
        p(f"refractory_{c}", tref, "ms", "assumed", f"absolute refractory period, {c}", note=note,
          lower=0.5, upper=5.0),
        p(f"adaptation_a_{c}", a, "nS", "assumed", f"subthreshold adaptation conductance, {c}", note=note,
          lower=0.0, upper=20.0),
        p(f"adaptation_b_{c}", b, "pA", "assumed", f"spike-triggered adaptation increment, {c}", note=note,
          lower=0.0, upper=200.0),
        p(f"adaptation_tau_{c}", tau_w, "ms", "assumed", f"adaptation time constant, {c}", note=note,
          lower=10.0, upper=1000.0),
        p(f"weight_ampa_ext_{c}", w_ext, "nS", "assumed", f"peak AMPA conductance of one external input event, {c}",
          note="background (thalamic and long-range cortical) drive, set with the external rate so that the "
               "network's baseline rates fall in the awake-cortex range", lower=0.0, upper=10.0),
    )


_PYR_NOTE = ("regular-spiking L2/3 pyramidal cell: input resistance 40 MOhm, membrane time constant 20 ms, "
             "adapting (AdEx, Brette & Gerstner 2005; adaptation values of their regular-spiking fit rescaled)")
_PV_NOTE = ("fast-spiking PV basket cell: low input resistance (100 MOhm), fast membrane (10 ms), "
            "little adaptation, short refractoriness (Tremblay et al. 2016; Wang & Buzsaki 1996)")
_SST_NOTE = ("SST (Martinotti-like) cell: high input resistance (200 MOhm), slower membrane (20 ms), "
             "adapting, depolarised rest (Tremblay et al. 2016 qualitative properties)")


def _conn(pre: str, post: str, prob: float, note: str) -> Parameter:
    return p(f"connection_prob_{pre}_{post}", prob, "1", "assumed",
             f"connection probability {pre} -> {post} at full network size", note=note, lower=0.0, upper=1.0)


def _weight(r: str, pre: str, post: str, w: float, note: str) -> Parameter:
    return p(f"weight_{r}_{pre}_{post}", w, "nS", "assumed",
             f"peak {r.upper()} conductance of one synaptic event {pre} -> {post}", note=note, lower=0.0, upper=20.0)


_W_NOTE = "tuned within the range of unitary conductances (0.1-5 nS) for baseline rates and a PING gamma rhythm"
_NMDA_NOTE = ("tuned: interneurons get a sizable NMDA share of their recurrent excitation (GluN2D-containing "
              "receptors, little Mg2+ block; von Engelhardt 2015, vonengelhardt2015), pyramidal cells a smaller one")

_EE_NOTE = ("tuned: weak recurrent excitation keeps the pyramidal population stable on its own (not an "
            "inhibition-stabilised regime), so that less interneuron drive lowers interneuron rates; with strong "
            "E->E the network showed the paradoxical response (PV rate unchanged or rising under block); chosen with "
            "the disinhibition finding of Homayoun & Moghaddam 2007 (homayoun2007) in view")
_PV_AMPA_NOTE = ("tuned: with the NMDA weight, most of the PV cells' recurrent excitatory charge is NMDA "
                 "(so that their block lowers PV firing, the direction of Homayoun & Moghaddam 2007, homayoun2007); AMPA "
                 "still times PV spikes to pyramidal volleys (PING)")
_PVPV_NOTE = ("tuned: strong mutual PV inhibition desynchronises PV cells from firing on every gamma cycle, "
              "so their rate follows their drive (and falls under block, as in homayoun2007); with weak PV->PV they "
              "locked to the cycle")

CIRCUIT_PARAMETERS: tuple[Parameter, ...] = (
    # Populations.
    p("n_neurons", 5000.0, "1", "assumed", "neurons in the full-size network",
      note="large enough for asynchronous irregular firing at 2 s runs in under a minute; the pyramidal and "
           "PV/SST shares come from the receptor layer (pyramidal_share_of_neurons, pv_share_of_interneurons)",
      lower=1.0),
    # Cell types.
    *_cell("pyramidal", 500.0, 25.0, -70.0, -50.0, 2.0, -60.0, 2.0, 2.0, 40.0, 150.0, 3.2, _PYR_NOTE),
    *_cell("pv", 100.0, 10.0, -68.0, -52.0, 0.5, -62.0, 1.0, 0.0, 0.0, 100.0, 0.1, _PV_NOTE),
    *_cell("sst", 100.0, 5.0, -65.0, -52.0, 2.0, -60.0, 2.0, 2.0, 10.0, 300.0, 0.1, _SST_NOTE),
    p("spike_cutoff", -30.0, "mV", "assumed", "voltage at which an AdEx upswing counts as a spike",
      note="any value well above V_T + 5 Delta_T gives the same spike times at dt = 0.1 ms", lower=-45.0, upper=20.0),
    # Synaptic kinetics and reversal potentials.
    p("tau_ampa", 2.0, "ms", "brunel2001", "AMPA conductance decay time constant"),
    p("tau_nmda_rise", 2.0, "ms", "brunel2001", "NMDA conductance rise time constant"),
    p("tau_nmda_decay", 100.0, "ms", "brunel2001", "NMDA conductance decay time constant"),
    p("tau_gaba_pv", 6.5, "ms", "assumed", "GABA-A decay of PV (perisomatic) synapses",
      note="within the 5-10 ms of network models (Brunel & Wang 2001; Wang & Buzsaki 1996); tuned: 5 ms gave a "
           "70-80 Hz rhythm, 8 ms a 30-35 Hz one", lower=2.0, upper=15.0),
    p("tau_gaba_sst", 20.0, "ms", "assumed", "GABA-A decay of SST (dendritic) synapses",
      note="dendritic IPSCs recorded at the soma are slower than perisomatic ones (Tremblay et al. 2016); "
           "one compartment, so dendritic filtering is folded into a slower decay", lower=5.0, upper=50.0),
    p("reversal_excitatory", 0.0, "mV", "brunel2001", "AMPA/NMDA reversal potential"),
    p("reversal_inhibitory", -70.0, "mV", "brunel2001", "GABA-A reversal potential"),
    p("synaptic_delay", 1.0, "ms", "assumed", "axonal + synaptic delay of every recurrent connection",
      note="local cortical connections, 0.5-2 ms; sets with the GABA decay the PING period", lower=0.1, upper=5.0),
    # Connectivity (full size); in-degree is kept when the network is shrunk.
    _conn("pyramidal", "pyramidal", 0.1, "sparse local recurrent excitation (about 10% in L2/3 pairs)"),
    _conn("pyramidal", "pv", 0.2, "PV cells pool many pyramidal inputs (dense local connectivity)"),
    _conn("pyramidal", "sst", 0.2, "SST cells pool many (facilitating) pyramidal inputs"),
    _conn("pv", "pyramidal", 0.4, "PV basket cells contact most nearby pyramidal cells (Tremblay et al. 2016)"),
    _conn("pv", "pv", 0.4, "PV cells inhibit each other densely (Tremblay et al. 2016)"),
    _conn("sst", "pyramidal", 0.3, "SST cells broadly inhibit pyramidal dendrites (Tremblay et al. 2016)"),
    _conn("sst", "pv", 0.3, "SST cells inhibit PV cells (Tremblay et al. 2016)"),
    # Weights.
    _weight("ampa", "pyramidal", "pyramidal", 0.2, _EE_NOTE),
    _weight("nmda", "pyramidal", "pyramidal", 0.03, _EE_NOTE),
    _weight("ampa", "pyramidal", "pv", 0.3, _PV_AMPA_NOTE),
    _weight("nmda", "pyramidal", "pv", 0.4, _NMDA_NOTE),
    _weight("ampa", "pyramidal", "sst", 0.15, _W_NOTE),
    _weight("nmda", "pyramidal", "sst", 0.03, _NMDA_NOTE),
    _weight("gaba", "pv", "pyramidal", 0.5, _W_NOTE),
    _weight("gaba", "pv", "pv", 2.0, _PVPV_NOTE),
    _weight("gaba", "sst", "pyramidal", 0.3, _W_NOTE),
    _weight("gaba", "sst", "pv", 0.2, _W_NOTE),
    # External drive.
    p("external_inputs", 800.0, "1", "brunel2001", "independent external Poisson inputs per cell",
      note="the number of external excitatory inputs per cell in Brunel & Wang's model", lower=1.0),
    p("external_rate", 3.0, "Hz", "assumed", "rate of each external Poisson input",
      note="spontaneous cortical rates of a few Hz; with the input count gives 2.4 kHz of background events",
      lower=0.0, upper=50.0),
    # Readouts.
    p("release_probability", 0.2, "1", "assumed", "glutamate release probability per pyramidal spike and synapse",
      note="cortical pyramidal synapses release with probability 0.1-0.5; used only for the release proxy",
      lower=0.0, upper=1.0),
)

_BY_NAME = {x.name: x for x in CIRCUIT_PARAMETERS}


def parameter(name: str) -> Parameter:
    """The record called `name`."""
    if name not in _BY_NAME:
        raise InputError(f"parameters.{name}: not a circuit parameter")
    return _BY_NAME[name]


def value(name: str, unit: str, overrides: Mapping[str, float] | None = None) -> float:
    """The value of circuit parameter `name` in `unit` (overrides are in declared units)."""
    x = parameter(name)
    v = float((overrides or {}).get(name, x.value))
    return v if x.unit == unit else float(ureg.Quantity(v, x.unit).to(unit).magnitude)


def check_overrides(overrides: Mapping[str, float] | None) -> None:
    """Raise InputError naming the first override that is not a circuit parameter."""
    for k in overrides or {}:
        parameter(k)
