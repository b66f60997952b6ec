"""Ketamine enantiomer pharmacokinetics (one module per enantiomer).

Three-compartment mammillary disposition written as clearances and volumes at 70 kg
(allometric: clearances W^0.75, volumes W^1); the numbers come from the disposition model
the `ketamine_pk` hypothesis selects (`pk_disposition.py`: the venous population model
by default, Domino 1982 or Herd 2007 as variants). Absorption depots for oral,
intranasal, sublingual, intramuscular and intraperitoneal doses; an intranasal spray is
split as in the esketamine registration model (Perez-Ruixo 2021): the nasal fraction is
absorbed through the mucosa, the swallowed rest through its own depot with its own
systemic fraction. First-pass N-demethylation of the swallowed fraction feeds
norketamine. Everything that enters the blood (an IV dose, absorbed drug) passes a small
front-end mixing compartment (heart and lungs) on its way to the mixed central pool, as in
the recirculatory model of Henthorn 2018: arterial blood carries the mixed concentration plus
the unmixed front end, about the input rate over the total pharmacokinetic flow, so arterial
plasma runs above venous during an infusion and after a bolus. The brain is perfused by
arterial blood, so the effect site follows the arterial concentration. A venous population
model's central compartment is venous blood, so its arterial level adds the front end
(`arterial_mixing` = 1); a model fitted to arterial samples already describes arterial blood
(`arterial_mixing` = 0). A brain effect-site compartment (ke0) whose level is expressed as the
plasma-equivalent unbound concentration that reaches NMDA channels (Zanos 2018 put it at
0.5-1 uM for the standard infusion; following arterial plasma, the model's peaks at 1.1 uM, the
venous 185 ng/mL plus the 115 ng/mL front end of a 0.875 mg/min infusion, lagged by ke0), so it
carries no partition coefficient: the total-tissue ratio (6.5,
Cohen 1973, rat) counts drug bound in membranes, which no receptor sees. CYP2B6 activity scales the
N-demethylation clearance. Oral bioavailability is per enantiomer (S: Fanta 2015).
"""

from __future__ import annotations

from ..engine.module import Module
from ..parameters import Parameter, p
from .pk_disposition import DISPOSITIONS, Disposition

EQUATIONS = """
scale_cl = (body_weight / reference_weight) ** allometric_cl_exponent : 1
scale_v = body_weight / reference_weight : 1
V1 = v1 * scale_v : L
V2 = v2 * scale_v : L
V3 = v3 * scale_v : L
Q_mix = q_mixing * scale_cl : L/min
V_mix = mixing_transit * Q_mix : L
k_el = cl * scale_cl / V1 : 1/min
k_nk = k_el * fm_norketamine * cyp2b6_activity : 1/min
k_other = k_el * (1 - fm_norketamine) : 1/min
flow2 = q2 * scale_cl * (A_central / V1 - A_peripheral1 / V2) : mg/min
flow3 = q3 * scale_cl * (A_central / V1 - A_peripheral2 / V3) : mg/min
dA_gut/dt = -ka_oral * A_gut + f_swallowed_sublingual * ka_sublingual * A_sublingual : mg
dA_swallowed/dt = -ka_swallowed * A_swallowed + f_swallowed_nasal * ka_nasal * A_nasal : mg
dA_nasal/dt = -ka_nasal * A_nasal : mg
dA_sublingual/dt = -ka_sublingual * A_sublingual : mg
dA_im/dt = -ka_im * A_im : mg
dA_ip/dt = -ka_ip * A_ip : mg
absorption = F_oral * ka_oral * A_gut + F_swallowed * ka_swallowed * A_swallowed + (1 - f_swallowed_nasal) * ka_nasal * A_nasal + (1 - f_swallowed_sublingual) * ka_sublingual * A_sublingual + F_im * ka_im * A_im + F_ip * ka_ip * A_ip : mg/min
first_pass = (1 - F_oral) * ka_oral * A_gut + (1 - F_swallowed) * ka_swallowed * A_swallowed + (1 - F_ip) * ka_ip * A_ip : mg/min
dA_mixing/dt = absorption - Q_mix * A_mixing / V_mix : mg
dA_central/dt = Q_mix * A_mixing / V_mix - (k_nk + k_other) * A_central - flow2 - flow3 : mg
dA_peripheral1/dt = flow2 : mg
dA_peripheral2/dt = flow3 : mg
C_arterial = A_central / V1 + arterial_mixing * A_mixing / V_mix : mg/L
dC_effect/dt = ke0 * scale_cl / scale_v * (C_arterial - C_effect) : mg/L
{plasma} = A_central / V1 : ng/mL
{arterial} = C_arterial : ng/mL
{brain} = C_effect / molar_mass : uM
{formation} = k_nk * A_central + fm_first_pass * first_pass : mg/min
"""

# Oral bioavailability per enantiomer: S from Fanta 2015 (S-ketamine given alone, venous);
# R from S by the R/S ratio of the prolonged-release racemic tablet of Hasan 2021 (19% vs
# 15%), the only per-enantiomer oral pair read.
F_ORAL = {"s": 0.08, "r": round(0.08 * 19.0 / 15.0, 4)}
# Sublingual: the swallowed fraction f such that (1 - f) + f * F_oral = 0.29 (Rolan 2014).
F_SUBLINGUAL = 0.29


def _absorption(e: str) -> tuple[Parameter, ...]:
    pr = "perezruixo2021"
    f_oral = F_ORAL[e]
    f_sw_sl = round((1 - F_SUBLINGUAL) / (1 - f_oral), 4)
    oral = (p("F_oral", f_oral, "1", "fanta2015", "oral bioavailability of S-ketamine (11% IIV)",
              lower=0.02, upper=0.4, cv=0.11) if e == "s" else
            p("F_oral", f_oral, "1", "hasan2021", "oral bioavailability of R-ketamine: S value x 19/15",
              lower=0.02, upper=0.4, cv=0.11,
              note="Fanta 2015's S-ketamine F (0.08) times the R/S ratio of Hasan 2021's prolonged-release "
                   "racemic tablet (19% vs 15%), the only per-enantiomer oral pair read"))
    return (oral,) + (
        p("ka_oral", 0.97, "1/h", pr, "first-order absorption of a swallowed dose"),
        p("f_swallowed_nasal", 0.5625, "1", pr,
          "swallowed fraction of an intranasal spray: 1 - mean nasal fraction of a 2-device dose "
          "(FRn 0.54 first device, x0.62 for later devices)"),
        p("ka_nasal", 2.93, "1/h", pr, "nasal mucosal absorption rate"),
        p("ka_swallowed", 1.45, "1/h", pr, "absorption of the swallowed part of a nasal dose"),
        p("F_swallowed", 0.186, "1", pr, "systemic fraction of the swallowed part of a nasal dose"),
        p("f_swallowed_sublingual", f_sw_sl, "1", "rolan2014", "swallowed fraction of a sublingual dose",
          note=f"set so that sublingual F = (1 - f) + f * F_oral = 0.29 (Rolan 2014 median, racemic) "
               f"given this enantiomer's F_oral {f_oral}"),
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


def _shared() -> tuple[Parameter, ...]:
    return (
        p("reference_weight", 70.0, "kg", "anderson2008", "weight at which clearances and volumes apply"),
        p("allometric_cl_exponent", 0.75, "1", "anderson2008",
          "clearances scale as W^0.75, volumes as W^1 (rate constants W^-0.25)"),
        p("fm_norketamine", 0.71, "1", "perezruixo2021",
          "fraction of metabolic clearance forming norketamine (kmet/(kel+kmet) of Perez-Ruixo Table 3)",
          lower=0.3, upper=0.95),
        p("fm_first_pass", 0.51, "1", "fitted",
          "fraction of first-pass (presystemic) metabolism forming norketamine", lower=0.1, upper=1.0,
          note="fitted to Fanta 2015's simulated steady-state norketamine/S-ketamine AUC ratio after oral "
               "S-ketamine, 16.5 (fanta2015; pk-oral-norketamine-exposure is calibration): Fanta's model has "
               "its own presystemic norketamine component; with the systemic fraction 0.71 the ratio is 22.6"),
        p("q_mixing", 7.59, "L/min", "henthorn2018",
          "total pharmacokinetic flow through the front-end (lung) mixing at 70 kg",
          note="Henthorn 2018's estimate (7.59 +/- 0.36 L/min, 10 healthy men; their weights not read, so taken "
               "at the 70 kg reference). At a steady input rate R the unmixed front end adds R / Q to the "
               "arterial concentration, the paper's 'partially mixed' component proportional to the infusion "
               "rate over the total pharmacokinetic flow"),
        p("mixing_transit", 0.24, "min", "niemann2002", "mean transit time through the central (cardiopulmonary) circuit",
          note="indocyanine green recirculatory model, six healthy adult living liver donors under anaesthesia: "
               "central-circuit mean transit time 0.24 +/- 0.094 min (niemann2002); the front-end volume is this "
               "time x the flow (1.8 L at 70 kg). It sets only how fast the unmixed front end relaxes, short beside "
               "the effect site's 6-min equilibration, so a bolus gives the effect site about ke0 x dose / Q "
               "whatever its exact value"),
        p("ke0", 0.114, "1/min", "olofsen2012", "effect-site equilibration with arterial plasma (t1/2ke0 6.1 min)",
          lower=0.06, upper=1.0, cv=0.3,
          note="averaged over Olofsen 2012's end points (0-11.8 min). The sampling site is not in their abstract; "
               "the same group's S-ketamine models (Sigtermans, Noppers) were fitted to arterial samples "
               "(otto2021, Table 2), so the effect site is driven by the "
               "arterial level"),
        p("molar_mass", 237.73, "g/mol", "pubchem_ketamine", "molar mass of ketamine (free base)"),
    )


def ketamine_module(enantiomer: str, disposition: Disposition | None = None) -> Module:
    """The PK module of S- ('s') or R- ('r') ketamine with a disposition model (default:
    the venous population model)."""
    if enantiomer not in ("s", "r"):
        raise ValueError("enantiomer must be 's' or 'r'")
    e = enantiomer
    disposition = disposition or DISPOSITIONS["population"]
    eq = EQUATIONS.format(plasma=f"plasma_{e}_ketamine", arterial=f"arterial_{e}_ketamine", brain=f"brain_{e}_ketamine",
                          formation=f"formation_{e}_norketamine")
    return Module(
        name=f"ketamine_{e}",
        doc=__doc__ or "",
        equations=eq,
        parameters=disposition.parameters(e) + _absorption(e) + _shared(),
        inputs={"body_weight": "kg", "cyp2b6_activity": "1"},
        outputs=(f"plasma_{e}_ketamine", f"arterial_{e}_ketamine", f"brain_{e}_ketamine",
                 f"formation_{e}_norketamine"),
        dose_targets=("A_mixing", "A_gut", "A_nasal", "A_sublingual", "A_im", "A_ip"),
        descriptions={
            f"plasma_{e}_ketamine": f"plasma {e.upper()}-ketamine (the disposition model's sampling site)",
            f"arterial_{e}_ketamine": f"arterial plasma {e.upper()}-ketamine (mixed plus the unmixed front end)",
            f"brain_{e}_ketamine": f"brain effect-site {e.upper()}-ketamine",
            f"formation_{e}_norketamine": f"rate of {e.upper()}-norketamine formation",
        },
    )
