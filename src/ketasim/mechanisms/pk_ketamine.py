"""Ketamine enantiomer pharmacokinetics (one module per enantiomer).

Three-compartment mammillary disposition (Domino 1982 micro-constants, 70 kg adult)
with allometric scaling of rate constants by (W/70 kg)^-0.25 (so clearance scales with
W^0.75, volumes with W), which also gives the rodent half-lives; absorption depots for
oral, intranasal, sublingual, intramuscular and intraperitoneal doses; first-pass
N-demethylation of the swallowed fraction; a brain effect-site compartment (ke0).
CYP2B6 activity scales the N-demethylation clearance.
"""

from __future__ import annotations

from ..engine.module import Module
from ..parameters import Parameter, p

EQUATIONS = """
V1 = v1_per_kg * body_weight : L
scale = (body_weight / reference_weight) ** (-allometric_rate_exponent) : 1
k_nk = k10 * scale * fm_norketamine * cyp2b6_activity : 1/min
k_other = k10 * scale * (1 - fm_norketamine) : 1/min
dA_gut/dt = -ka_oral * A_gut + f_swallowed_nasal * ka_nasal * A_nasal + f_swallowed_sublingual * ka_sublingual * A_sublingual : mg
dA_nasal/dt = -ka_nasal * A_nasal : mg
dA_sublingual/dt = -ka_sublingual * A_sublingual : mg
dA_im/dt = -ka_im * A_im : mg
dA_ip/dt = -ka_ip * A_ip : mg
absorption = F_oral * ka_oral * A_gut + (1 - f_swallowed_nasal) * ka_nasal * A_nasal + (1 - f_swallowed_sublingual) * ka_sublingual * A_sublingual + F_im * ka_im * A_im + F_ip * ka_ip * A_ip : mg/min
first_pass = (1 - F_oral) * ka_oral * A_gut + (1 - F_ip) * ka_ip * A_ip : mg/min
dA_central/dt = absorption - (k_nk + k_other + k12 * scale + k13 * scale) * A_central + k21 * scale * A_peripheral1 + k31 * scale * A_peripheral2 : mg
dA_peripheral1/dt = k12 * scale * A_central - k21 * scale * A_peripheral1 : mg
dA_peripheral2/dt = k13 * scale * A_central - k31 * scale * A_peripheral2 : mg
dC_effect/dt = ke0 * scale * (A_central / V1 - C_effect) : mg/L
{plasma} = A_central / V1 : ng/mL
{brain} = brain_partition * C_effect / molar_mass : uM
{formation} = k_nk * A_central + fm_norketamine * first_pass : mg/min
"""


def _shared(enantiomer: str) -> tuple[Parameter, ...]:
    d = "domino1982"
    return (
        p("v1_per_kg", 0.063, "L/kg", d, "central volume per kg"),
        p("k10", 0.4381, "1/min", d, "elimination rate constant (70 kg)", cv=0.25,
          lower=0.1, upper=1.5),
        p("k12", 0.5921, "1/min", d, "central to fast peripheral (70 kg)"),
        p("k21", 0.2470, "1/min", d, "fast peripheral to central (70 kg)"),
        p("k13", 0.5900, "1/min", d, "central to slow peripheral (70 kg)"),
        p("k31", 0.0146, "1/min", d, "slow peripheral to central (70 kg)"),
        p("reference_weight", 70.0, "kg", "domino1982", "weight at which the micro-constants apply"),
        p("allometric_rate_exponent", 0.25, "1", "anderson2008",
          "rate constants scale as W^-0.25 (clearance W^0.75, volume W^1)"),
        p("fm_norketamine", 0.71, "1", "perezruixo2021",
          "fraction of metabolic clearance forming norketamine (kmet/(kel+kmet) of Perez-Ruixo Table 3)",
          lower=0.3, upper=0.95),
        p("ke0", 0.114, "1/min", "olofsen2012", "effect-site equilibration (t1/2ke0 6.1 min)",
          lower=0.06, upper=1.0, cv=0.3),
        p("brain_partition", 1.0, "1", "assumed",
          "effect-site (brain) concentration relative to plasma-equivalent",
          note="the effect site is expressed as the plasma-equivalent unbound level that reaches NMDA "
               "channels (0.5-1 uM at the standard infusion, Zanos 2018); the total-tissue ratio 6.5 "
               "(Cohen 1973, rat) includes drug bound in membranes"),
        p("molar_mass", 237.73, "g/mol", "pubchem_ketamine", "molar mass of ketamine (free base)"),
        p("F_oral", 0.20, "1", "yanagihara2003", "oral bioavailability (racemic tablet)", lower=0.05, upper=0.4),
        p("ka_oral", 0.97, "1/h", "perezruixo2021", "first-order absorption of a swallowed dose"),
        p("f_swallowed_nasal", 0.5625, "1", "perezruixo2021",
          "swallowed fraction of an intranasal spray: 1 - mean nasal fraction of a 2-device dose "
          "(FRn 0.54 first device, x0.62 for later devices)"),
        p("ka_nasal", 2.93, "1/h", "perezruixo2021", "nasal mucosal absorption rate"),
        p("f_swallowed_sublingual", 0.8875, "1", "fitted", "swallowed fraction of a sublingual dose",
          note="set so that sublingual F = (1-f) + f*F_oral = 0.29 (Rolan 2014, rolan2014) given F_oral 0.20"),
        p("ka_sublingual", 2.0, "1/h", "fitted", "sublingual mucosal absorption",
          note="set so that sublingual Tmax is about 0.75 h (Rolan 2014, rolan2014)"),
        p("F_im", 0.93, "1", "clements1982", "intramuscular bioavailability"),
        p("ka_im", 10.0, "1/h", "assumed", "intramuscular absorption",
          note="gives Tmax 5-15 min after IM injection as generally reported; no primary estimate found"),
        p("F_ip", 1.0, "1", "assumed", "fraction of an i.p. dose escaping first pass (rodents)",
          note="no rodent i.p. bioavailability found for ketamine; taken as complete"),
        p("ka_ip", 0.2, "1/min", "assumed", "i.p. absorption rate (rodents)",
          note="peak plasma within 5-10 min of i.p. injection in rodents; no primary rate constant found"),
    )


def ketamine_module(enantiomer: str) -> Module:
    """The PK module of S- ('s') or R- ('r') ketamine."""
    if enantiomer not in ("s", "r"):
        raise ValueError("enantiomer must be 's' or 'r'")
    e = enantiomer
    eq = EQUATIONS.format(plasma=f"plasma_{e}_ketamine", brain=f"brain_{e}_ketamine",
                          formation=f"formation_{e}_norketamine")
    return Module(
        name=f"ketamine_{e}",
        doc=__doc__ or "",
        equations=eq,
        parameters=_shared(e),
        inputs={"body_weight": "kg", "cyp2b6_activity": "1"},
        outputs=(f"plasma_{e}_ketamine", f"brain_{e}_ketamine", f"formation_{e}_norketamine"),
        dose_targets=("A_central", "A_gut", "A_nasal", "A_sublingual", "A_im", "A_ip"),
        descriptions={
            f"plasma_{e}_ketamine": f"plasma {e.upper()}-ketamine",
            f"brain_{e}_ketamine": f"brain effect-site {e.upper()}-ketamine",
            f"formation_{e}_norketamine": f"rate of {e.upper()}-norketamine formation",
        },
    )
