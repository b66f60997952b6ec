"""The NMDA receptor layer's parameters: one table, read by every use of the scheme.

Both the millisecond kinetic scheme (voltage-clamp protocols) and the slow model's
block module are built from these records, so a number lives in exactly one place.
Names follow a pattern the builders rely on:

- per subtype `s` in SUBTYPES: `mg_k0_s`, `mg_slope_s` (Mg2+ block), `ketamine_ic50_s`
  (racemic ketamine, no Mg2+, at `block_reference_voltage`), `glutamate_ec50_s`,
  `glycine_ec50_s`, `open_probability_s` (at saturating agonists), `deactivation_tau_s`
- per blocker `b` in BLOCKERS: `potency_b` (its equilibrium constant relative to racemic
  ketamine; >1 is weaker)
- per cell type `c` in CELLS: `membrane_potential_c`, `fraction_c_s` (share of the
  cell's NMDA receptors that carry GluN2s), `input_rate_c` (glutamate release events per
  synapse per second)
"""

from __future__ import annotations

from ..parameters import Parameter, p

SUBTYPES = ("glun2a", "glun2b", "glun2c", "glun2d")
BLOCKERS = ("s_ketamine", "r_ketamine", "s_norketamine", "r_norketamine", "hnk")
CELLS = ("pyramidal", "pv", "sst")

# Ebert 1997 Ki ([3H]MK-801, rat cortex), uM. The racemate's equilibrium constant is the
# harmonic mean of the enantiomers' (a 1:1 mixture), so potencies are expressed relative
# to it and racemic ketamine reproduces the per-subtype IC50 of Kotermanski & Johnson.
_KI_S, _KI_R, _KI_SNK, _KI_RNK = 0.30, 1.40, 1.70, 13.0
_KI_RACEMIC = 2.0 / (1.0 / _KI_S + 1.0 / _KI_R)


def _subtype(s: str, mg_k0: tuple, ic50: float, glu: float, gly: float,
             po: tuple, tau: tuple) -> tuple[Parameter, ...]:
    """Per-subtype records; tuples are (value, source) or (value, source, note)."""
    label = f"GluN1/{s[-2:].upper()}"
    return (
        p(f"mg_k0_{s}", mg_k0[0], "mM", mg_k0[1], f"Mg2+ dissociation constant at 0 mV, {label}",
          note=mg_k0[2] if len(mg_k0) > 2 else "", lower=0.1, upper=1000.0),
        p(f"mg_slope_{s}", 0.062, "1/mV", "jahr1990",
          f"voltage dependence of Mg2+ block, {label} (e-fold per 16 mV)",
          note="" if s in ("glun2a", "glun2b") else "Jahr & Stevens slope used for lack of a subtype-specific value",
          lower=0.0, upper=0.2),
        p(f"ketamine_ic50_{s}", ic50, "uM", "kotermanski2009",
          f"racemic ketamine IC50 without Mg2+ at the reference voltage, {label}", lower=0.01, upper=100.0),
        p(f"glutamate_ec50_{s}", glu, "uM", "traynelis2010", f"glutamate EC50, {label}", lower=0.01, upper=100.0),
        p(f"glycine_ec50_{s}", gly, "uM", "traynelis2010", f"glycine EC50, {label}", lower=0.01, upper=100.0),
        p(f"open_probability_{s}", po[0], "1", po[1],
          f"open probability with both agonists saturating, {label}", lower=1e-3, upper=0.99),
        p(f"deactivation_tau_{s}", tau[0], "ms", tau[1],
          f"deactivation time constant after glutamate removal, {label}", lower=1.0, upper=10000.0),
    )


# Mg2+ K0 of 2C/2D: fitted so that Mg2+ competition reproduces the Kotermanski & Johnson
# ketamine IC50 in 1 mM Mg2+ at -66 mV: K(-66) = 1 mM / (IC50_Mg / IC50_0 - 1), K0 = K(-66) e^(0.062*66).
def _mg_k0_from_shift(ic50_0: float, ic50_mg: float) -> float:
    import math
    return 1.0 / (ic50_mg / ic50_0 - 1.0) * math.exp(0.062 * 66.0)


_FIT_NOTE = ("fitted: Mg2+ competing with ketamine in the channel reproduces the ketamine IC50 in 1 mM "
             "Mg2+ at -66 mV ({0} uM, Kotermanski & Johnson 2009, kotermanski2009); the result is {1:.1f}x weaker than "
             "GluN2A, consistent with Qian 2005 (at least 4-fold weaker for 2D)")
_K0_2C = _mg_k0_from_shift(0.51, 1.18)
_K0_2D = _mg_k0_from_shift(0.83, 2.95)

NMDA_PARAMETERS: tuple[Parameter, ...] = (
    p("magnesium", 1.0, "mM", "assumed", "extracellular Mg2+ in brain",
      note="cerebrospinal fluid Mg2+ is about 1 mM; the value of Jahr & Stevens' reference curve",
      lower=0.0, upper=10.0),
    p("block_reference_voltage", -66.0, "mV", "kotermanski2009", "holding voltage at which the IC50s apply"),
    p("kd_efold_voltage", 40.0, "mV", "assumed",
      "depolarisation that raises the blockers' equilibrium constant e-fold",
      note="Woodhull model with an electrical distance of about 0.6 for a monovalent blocker "
           "(25.4 mV / 0.6); block by ketamine rises with hyperpolarisation (MacDonald 1991)",
      lower=10.0, upper=200.0),
    p("koff_apparent", 0.2, "1/s", "macdonald1991",
      "ketamine unblocking rate in saturating agonist at the reference voltage (cultured hippocampal neurons)"),
    p("koff_efold_voltage", 80.0, "mV", "assumed", "depolarisation that speeds unblocking e-fold",
      note="MacDonald 1991 (macdonald1991) report faster unblock with depolarisation; the magnitude was not "
           "retrieved, so the e-fold is a choice that gives the direction",
      lower=10.0, upper=500.0),
    p("open_time", 3.26, "ms", "orser1997", "mean open time of a native NMDA channel (sets the closing rate)"),
    p("glycine_ambient", 2.0, "uM", "assumed", "ambient glycine/D-serine at the co-agonist site",
      note="extracellular glycine in brain is in the low micromolar range; near saturation for all subtypes"),
    p("glutamate_ambient", 0.05, "uM", "assumed", "ambient extracellular glutamate",
      note="tens of nanomolar in slices (Herman & Jahr 2007 order of magnitude)"),
    # Subtypes.
    *_subtype("glun2a", (3.57, "jahr1990"), 0.33, 3.3, 1.1, (0.50, "erreger2005"), (70.0, "wyllie1998")),
    *_subtype("glun2b", (3.57, "jahr1990"), 0.31, 1.7, 0.36, (0.12, "erreger2005"), (400.0, "vicini1998")),
    *_subtype("glun2c", (_K0_2C, "fitted", _FIT_NOTE.format(1.18, _K0_2C / 3.57)), 0.51, 0.9, 0.21,
              (0.011, "dravid2008"), (319.0, "dravid2008")),
    *_subtype("glun2d", (_K0_2D, "fitted", _FIT_NOTE.format(2.95, _K0_2D / 3.57)), 0.83, 0.4, 0.13,
              (0.01, "gielen2009"), (4408.0, "wyllie1998")),
    # Blockers, relative to racemic ketamine.
    p("potency_s_ketamine", _KI_S / _KI_RACEMIC, "1", "ebert1997", "S-ketamine equilibrium constant / racemate's"),
    p("potency_r_ketamine", _KI_R / _KI_RACEMIC, "1", "ebert1997", "R-ketamine equilibrium constant / racemate's"),
    p("potency_s_norketamine", _KI_SNK / _KI_RACEMIC, "1", "ebert1997", "S-norketamine equilibrium constant / racemate's"),
    p("potency_r_norketamine", _KI_RNK / _KI_RACEMIC, "1", "ebert1997", "R-norketamine equilibrium constant / racemate's"),
    p("potency_hnk", 100.0, "1", "abbott2020",
      "(2R,6R)-HNK equilibrium constant / ketamine's (IC50 46 uM, about 100-fold weaker)"),
    # Cell types.
    p("membrane_potential_pyramidal", -70.0, "mV", "assumed", "mean membrane potential of L2/3 pyramidal cells",
      note="awake cortex, between -75 and -65 mV"),
    p("membrane_potential_pv", -60.0, "mV", "assumed", "mean membrane potential of PV (fast-spiking) cells",
      note="tonically active interneurons sit closer to threshold"),
    p("membrane_potential_sst", -58.0, "mV", "assumed", "mean membrane potential of SST cells",
      note="SST cells are depolarised and tonically active in awake cortex"),
    p("fraction_pyramidal_glun2a", 0.5, "1", "assumed", "share of pyramidal NMDA receptors with GluN2A",
      note="adult cortical pyramidal cells: GluN2A and GluN2B, no 2C/2D"),
    p("fraction_pyramidal_glun2b", 0.5, "1", "assumed", "share of pyramidal NMDA receptors with GluN2B",
      note="adult cortical pyramidal cells: GluN2A and GluN2B, no 2C/2D"),
    p("fraction_pyramidal_glun2c", 0.0, "1", "assumed", "share of pyramidal NMDA receptors with GluN2C",
      note="2C is expressed mainly in cerebellum and glia"),
    p("fraction_pyramidal_glun2d", 0.0, "1", "assumed", "share of pyramidal NMDA receptors with GluN2D",
      note="2D is found on interneurons rather than principal cells"),
    p("fraction_pv_glun2a", 0.4, "1", "assumed", "share of PV-cell NMDA receptors with GluN2A",
      note="GluN2D-containing receptors carry a large share of interneuron NMDA current"),
    p("fraction_pv_glun2b", 0.2, "1", "assumed", "share of PV-cell NMDA receptors with GluN2B",
      note="GluN2D-containing receptors carry a large share of interneuron NMDA current"),
    p("fraction_pv_glun2c", 0.0, "1", "assumed", "share of PV-cell NMDA receptors with GluN2C",
      note="no 2C reported in cortical PV cells"),
    p("fraction_pv_glun2d", 0.4, "1", "assumed", "share of PV-cell NMDA receptors with GluN2D",
      note="GluN2D-containing receptors carry a large share of interneuron NMDA current"),
    p("fraction_sst_glun2a", 0.3, "1", "assumed", "share of SST-cell NMDA receptors with GluN2A",
      note="SST interneurons carry 2B and 2C/2D"),
    p("fraction_sst_glun2b", 0.3, "1", "assumed", "share of SST-cell NMDA receptors with GluN2B",
      note="SST interneurons carry 2B and 2C/2D"),
    p("fraction_sst_glun2c", 0.1, "1", "assumed", "share of SST-cell NMDA receptors with GluN2C",
      note="SST interneurons carry 2B and 2C/2D"),
    p("fraction_sst_glun2d", 0.3, "1", "assumed", "share of SST-cell NMDA receptors with GluN2D",
      note="SST interneurons carry 2B and 2C/2D"),
    p("input_rate_pyramidal", 0.5, "Hz", "assumed", "glutamate release events per NMDA synapse per second, pyramidal",
      note="presynaptic pyramidal rates of 1-5 Hz times release probability about 0.2"),
    p("input_rate_pv", 2.0, "Hz", "assumed", "glutamate release events per NMDA synapse per second, PV",
      note="PV cells receive strong, convergent excitation with high release probability"),
    p("input_rate_sst", 2.0, "Hz", "assumed", "glutamate release events per NMDA synapse per second, SST",
      note="facilitating input from active pyramidal cells"),
    p("pyramidal_share_of_neurons", 0.8, "1", "assumed", "share of cortical neurons that are pyramidal",
      note="about 80% of neocortical neurons are excitatory (Markram et al. 2004); weights the per-subtype "
           "and mean observables and sets the network's populations"),
    p("pv_share_of_interneurons", 0.57, "1", "assumed", "PV share of the PV+SST interneurons",
      note="PV about 40% and SST about 30% of cortical GABAergic cells (Rudy et al. 2011)"),
)

PARAMETER_NAMES = tuple(x.name for x in NMDA_PARAMETERS)
