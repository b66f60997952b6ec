"""Spine formation and elimination: `spine_density` and `synaptic_strength`.

Spines (absolute density relative to a healthy animal, `spines`) are eliminated at a
constant rate and formed at a basal rate that holds the subject's own set point, plus an
induced rate proportional to the excess of mTORC1-dependent synaptic protein synthesis
(`protein_synthesis` above 1; new spines need new protein, while a deficit leaves basal
turnover as it is and shows as weaker synapses). Induced spines (`nascent`, the excess
over basal formation) become stable, counted spines after a two-stage maturation lag
(`nascent`, `maturing`; a gamma-distributed delay with a slow onset) (Moda-Sava et
al. 2019: formation not altered at 3-6 h, markedly at 12-24 h after ketamine). New spines
form preferentially at vacant sites (Moda-Sava 2019: ketamine selectively rescues spines
eliminated by stress), so induced formation scales with the vacancy below a capacity. A
chronic-stress (depressed) subject has a lower set point (`spine_setpoint`, set by
ketasim.patient) and more vacancy; spines return to the set point over days to weeks.

Outputs (relative to the subject's drug-free state): `spine_density`, and
`synaptic_strength` = spine density x (protein content per synapse)^w, the per-synapse
AMPA (GluA1) content. The per-synapse part rises within hours (before new spines, the
induction), the spine part carries the effect for days (the maintenance).
"""

from __future__ import annotations

from ...engine.module import Module
from ...parameters import p

SPINES = Module(
    name="plasticity_spines",
    doc=__doc__.split("\n\n")[0],
    equations="""
    per_synapse = synaptic_proteins / spine_density : 1
    vacancy = (spine_capacity - spines) / (spine_capacity - 1) : 1
    induced = spine_setpoint * induced_formation_rate * Max(protein_synthesis - 1, 0) * vacancy : 1/min
    dnascent/dt = induced - 2 * nascent / tau_spine_maturation : 1
    dmaturing/dt = 2 * (nascent - maturing) / tau_spine_maturation : 1
    dspines/dt = spine_setpoint / tau_spine + 2 * maturing / tau_spine_maturation - spines / tau_spine : 1
    spine_density = spines / spine_setpoint : 1
    spine_density_vs_healthy = spines : 1
    synaptic_strength = spine_density * per_synapse ** per_synapse_weight : 1
    """,
    parameters=(
        p("tau_spine", 7.0, "d", "assumed", "mean lifetime of a spine added or kept above the set point",
          note="ketamine-induced spine density stays elevated for up to 2 weeks in mouse frontal cortex "
               "(Phoumthipphavong et al. 2016, phoumthipphavong2016); a one-week relaxation returns it toward baseline over weeks"),
        p("tau_spine_maturation", 12.0, "h", "assumed", "time from induced formation to a stable, counted spine",
          note="Moda-Sava 2019 (modasava2019, as summarised by later work): spine formation after ketamine was not altered at "
               "3-6 h but markedly at 12-24 h; a 12 h maturation lag reproduces that delay"),
        p("spine_setpoint", 1.0, "1", "assumed", "drug-free spine density relative to a healthy animal",
          lower=0.3, upper=1.0, note="1 healthy; lower under chronic stress, set by ketasim.patient"),
        p("spine_capacity", 1.3, "1", "assumed", "spine density (relative to healthy) at which no vacant sites remain",
          note="healthy animals still gain spines after ketamine (Li et al. 2010, li2010), so the capacity lies above "
               "the healthy density; 30% headroom assumed"),
        p("induced_formation_rate", 10.0, "1/d", "fitted", "induced spine formation per unit excess synaptic protein synthesis",
          note="set so that spine density is clearly up at 24 h after 10 mg/kg in rat PFC (Li et al. 2010, li2010)"),
        p("per_synapse_weight", 0.5, "1", "assumed",
          "exponent of synaptic strength in the protein content per synapse",
          note="AMPA receptor content per synapse rises less than proportionally with the synaptic protein "
               "pool (scaffold and receptor insertion saturate); square root assumed"),
    ),
    inputs={"synaptic_proteins": "1", "protein_synthesis": "1"},
    outputs=("spine_density", "spine_density_vs_healthy", "synaptic_strength"),
    initial={"spines": "spine_setpoint"},
    descriptions={"spine_density": "dendritic spine density relative to the subject's drug-free state",
                  "spine_density_vs_healthy": "dendritic spine density relative to a healthy animal",
                  "synaptic_strength": "excitatory synaptic strength onto PFC pyramidal cells relative to drug-free"},
)
