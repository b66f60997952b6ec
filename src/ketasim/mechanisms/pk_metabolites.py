"""Ketamine metabolites: norketamine (per enantiomer), hydroxynorketamine, dehydronorketamine.

Norketamine: two-compartment disposition with the (apparent, formation-fraction
scaled) parameters of Perez-Ruixo et al. 2021, fed by each enantiomer's N-demethylation
flux, with a brain effect site (a plasma-equivalent level, as for ketamine). Norketamine is cleared partly to (2R,6R)/(2S,6S)-HNK
and to DHNK; both are one-compartment. All rates scale allometrically.
"""

from __future__ import annotations

from ..engine.module import Module
from ..parameters import p

_NK_EQ = """
scale_cl = (body_weight / reference_weight) ** allometric_cl_exponent : 1
Vc = vc_70 * body_weight / reference_weight : L
Vp = vp_70 * body_weight / reference_weight : L
k_el = cl_70 * scale_cl / Vc : 1/min
dA_central/dt = {formation} - k_el * A_central - q_70 * scale_cl * (A_central / Vc - A_peripheral / Vp) : mg
dA_peripheral/dt = q_70 * scale_cl * (A_central / Vc - A_peripheral / Vp) : mg
dC_effect/dt = ke0 * (scale_cl * reference_weight / body_weight) * (A_central / Vc - C_effect) : mg/L
{plasma} = A_central / Vc : ng/mL
{brain} = C_effect / molar_mass : uM
{to_hnk} = f_hnk * k_el * A_central : mg/min
{to_dhnk} = f_dhnk * k_el * A_central : mg/min
"""


def norketamine_module(e: str) -> Module:
    names = dict(formation=f"formation_{e}_norketamine", plasma=f"plasma_{e}_norketamine",
                 brain=f"brain_{e}_norketamine", to_hnk=f"formation_{e}_hnk", to_dhnk=f"formation_{e}_dhnk")
    pr = "perezruixo2021"
    return Module(
        name=f"norketamine_{e}",
        doc=__doc__ or "",
        equations=_NK_EQ.format(**names),
        parameters=(
            p("vc_70", 70.0, "L", pr, "apparent central volume (70 kg)", cv=0.3),
            p("vp_70", 115.0, "L", pr, "apparent peripheral volume (70 kg)"),
            p("cl_70", 38.0, "L/h", pr, "apparent clearance (70 kg)", cv=0.254),
            p("q_70", 26.1, "L/h", pr, "apparent inter-compartmental clearance (70 kg)"),
            p("reference_weight", 70.0, "kg", "anderson2008", "reference weight for allometry"),
            p("allometric_cl_exponent", 0.75, "1", "anderson2008", "clearance scales as W^0.75"),
            p("ke0", 0.114, "1/min", "assumed", "brain equilibration of norketamine",
              note="taken equal to ketamine's ke0 (Olofsen 2012, olofsen2012); no separate estimate found"),
            p("molar_mass", 223.70, "g/mol", "pubchem_norketamine", "molar mass of norketamine"),
            p("f_hnk", 0.15, "1", "mion2013", "fraction of norketamine cleared to 2,6-HNK"),
            p("f_dhnk", 0.11, "1", "kaka1980", "fraction of norketamine cleared to DHNK (dog)"),
        ),
        inputs={"body_weight": "kg", names["formation"]: "mg/min"},
        outputs=(names["plasma"], names["brain"], names["to_hnk"], names["to_dhnk"]),
        dose_targets=("A_central",),
        descriptions={names["plasma"]: f"plasma {e.upper()}-norketamine",
                      names["brain"]: f"brain effect-site {e.upper()}-norketamine"},
    )


_SIMPLE_METABOLITE_EQ = """
V = v_70 * body_weight / reference_weight : L
k_el = cl_70 * (body_weight / reference_weight) ** allometric_cl_exponent / V : 1/min
dA_ip/dt = -ka_ip * A_ip : mg
dA_central/dt = {inflow} + ka_ip * A_ip - k_el * A_central : mg
{plasma} = A_central / V : ng/mL
"""


def hnk_module() -> Module:
    return Module(
        name="hnk",
        doc="(2R,6R)- and (2S,6S)-hydroxynorketamine, one compartment.",
        equations=_SIMPLE_METABOLITE_EQ.format(inflow="formation_s_hnk + formation_r_hnk", plasma="plasma_hnk"),
        parameters=(
            p("v_70", 185.0, "L", "assumed", "volume of HNK (70 kg)",
              note="taken equal to norketamine's steady-state volume (Perez-Ruixo 2021); no human HNK volume found"),
            p("cl_70", 3.83, "L/h", "fitted", "clearance of HNK (70 kg)",
              note="set so that the 2,6-HNK/ketamine AUC(0-inf) ratio after 5 mg racemic ketamine IV is 2.4, "
                   "mid-way between 1.7 (S) and 3.1 (R) (Hasan 2021, hasan2021); refitted for the venous "
                   "population PK model (issue 20: 5.15 L/h under Domino; 5.15 gives 2.0 now; AUCs over 600 h, complete)"),
            p("reference_weight", 70.0, "kg", "anderson2008", "reference weight for allometry"),
            p("allometric_cl_exponent", 0.75, "1", "anderson2008", "clearance scales as W^0.75"),
            p("ka_ip", 0.2, "1/min", "assumed", "i.p. absorption (rodents)",
              note="as for ketamine; peak within 5-10 min of i.p. injection"),
        ),
        inputs={"body_weight": "kg", "formation_s_hnk": "mg/min", "formation_r_hnk": "mg/min"},
        outputs=("plasma_hnk",),
        dose_targets=("A_central", "A_ip"),
        descriptions={"plasma_hnk": "plasma 2,6-hydroxynorketamine"},
    )


def dhnk_module() -> Module:
    return Module(
        name="dhnk",
        doc="Dehydronorketamine, one compartment.",
        equations=_SIMPLE_METABOLITE_EQ.format(inflow="formation_s_dhnk + formation_r_dhnk",
                                               plasma="plasma_dehydronorketamine"),
        parameters=(
            p("v_70", round(185.0 * 0.59 / 0.61, 1), "L", "kaka1980", "volume of DHNK (70 kg)",
              note="norketamine's steady-state volume (185 L, Perez-Ruixo 2021) x the DHNK/norketamine volume "
                   "ratio in dogs, 0.59/0.61 of body weight (Kaka & Hayton 1980; no human value found)"),
            p("cl_70", round(38.0 * 8.54 / 89.4, 2), "L/h", "kaka1980", "clearance of DHNK (70 kg)",
              note="norketamine's apparent clearance (38 L/h, Perez-Ruixo 2021) x the DHNK/norketamine "
                   "clearance ratio in dogs, 8.54/89.4 mL/min/kg (Kaka & Hayton 1980; no human value found)"),
            p("reference_weight", 70.0, "kg", "anderson2008", "reference weight for allometry"),
            p("allometric_cl_exponent", 0.75, "1", "anderson2008", "clearance scales as W^0.75"),
            p("ka_ip", 0.2, "1/min", "assumed", "i.p. absorption (rodents)", note="as for ketamine"),
        ),
        inputs={"body_weight": "kg", "formation_s_dhnk": "mg/min", "formation_r_dhnk": "mg/min"},
        outputs=("plasma_dehydronorketamine",),
        dose_targets=("A_central",),
        descriptions={"plasma_dehydronorketamine": "plasma dehydronorketamine"},
    )


TOTALS = Module(
    name="ketamine_totals",
    doc="Racemic sums reported by assays that do not separate enantiomers.",
    equations="""
    plasma_ketamine = plasma_s_ketamine + plasma_r_ketamine : ng/mL
    arterial_ketamine = arterial_s_ketamine + arterial_r_ketamine : ng/mL
    plasma_norketamine = plasma_s_norketamine + plasma_r_norketamine : ng/mL
    brain_ketamine = brain_s_ketamine + brain_r_ketamine : uM
    brain_norketamine = brain_s_norketamine + brain_r_norketamine : uM
    """,
    inputs={"plasma_s_ketamine": "ng/mL", "plasma_r_ketamine": "ng/mL",
            "arterial_s_ketamine": "ng/mL", "arterial_r_ketamine": "ng/mL",
            "plasma_s_norketamine": "ng/mL", "plasma_r_norketamine": "ng/mL",
            "brain_s_ketamine": "uM", "brain_r_ketamine": "uM",
            "brain_s_norketamine": "uM", "brain_r_norketamine": "uM"},
    outputs=("plasma_ketamine", "arterial_ketamine", "plasma_norketamine", "brain_ketamine", "brain_norketamine"),
    descriptions={"plasma_ketamine": "plasma ketamine (S + R)", "arterial_ketamine": "arterial plasma ketamine (S + R)", "plasma_norketamine": "plasma norketamine (S + R)",
                  "brain_ketamine": "brain effect-site ketamine (S + R)",
                  "brain_norketamine": "brain effect-site norketamine (S + R)"},
)
