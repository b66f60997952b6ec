"""One-compartment PK with first-order absorption, for the comparator and add-on drugs.

Used for naltrexone, midazolam, citalopram, amitriptyline and rapamycin (sirolimus).
Clearance scales with (W/70 kg)^0.75 and volume with W/70 kg (Anderson & Holford 2008).
"""

from __future__ import annotations

from ..engine.module import Module
from ..parameters import Parameter, p

_EQ = """
V = v_70 * body_weight / reference_weight : L
k_el = cl_70 * (body_weight / reference_weight) ** allometric_cl_exponent / V : 1/min
dA_gut/dt = -ka * A_gut : mg
dA_central/dt = F_oral * ka * A_gut - k_el * A_central : mg
plasma_{drug} = A_central / V : ng/mL
"""


def simple_drug_module(drug: str, params: tuple[Parameter, ...], description: str) -> Module:
    """A module named `pk_<drug>` with output `plasma_<drug>` (ng/mL)."""
    common = (
        p("reference_weight", 70.0, "kg", "anderson2008", "reference weight for allometry"),
        p("allometric_cl_exponent", 0.75, "1", "anderson2008", "clearance scales as W^0.75"),
    )
    return Module(
        name=f"pk_{drug}",
        doc=description,
        equations=_EQ.format(drug=drug),
        parameters=params + common,
        inputs={"body_weight": "kg"},
        outputs=(f"plasma_{drug}",),
        dose_targets=("A_central", "A_gut"),
        descriptions={f"plasma_{drug}": f"plasma {drug}"},
    )


NALTREXONE = simple_drug_module("naltrexone", (
    p("F_oral", 0.20, "1", "meyer1984", "oral bioavailability (range 5-40%)",
      note="", lower=0.05, upper=0.6),
    p("ka", 3.0, "1/h", "fitted", "absorption rate", note="gives Tmax about 1 h as on the Swiss naltrexone label (naltrexon_ch_label)"),
    p("cl_70", 94.0, "L/h", "meyer1984", "clearance", cv=0.3),
    p("v_70", 540.0, "L", "meyer1984", "volume (from CL 94 L/h and half-life 4 h)"),
), "Naltrexone, oral; a competitive mu/kappa opioid antagonist (receptor layer).")

MIDAZOLAM = simple_drug_module("midazolam", (
    p("F_oral", 0.40, "1", "heizmann1983", "oral bioavailability"),
    p("ka", 3.0, "1/h", "assumed", "oral absorption rate", note="the trials give midazolam IV; oral rate unused there"),
    p("cl_70", 19.4, "L/h", "heizmann1983", "clearance", cv=0.23),
    p("v_70", 50.0, "L", "heizmann1983", "steady-state volume", cv=0.18),
), "Midazolam, the active placebo of the ketamine trials (IV).")

CITALOPRAM = simple_drug_module("citalopram", (
    p("F_oral", 0.80, "1", "celexa_label", "oral bioavailability"),
    p("ka", 1.0, "1/h", "akil2016", "absorption rate (Tmax about 4 h)"),
    p("cl_70", 20.0, "L/h", "celexa_label", "clearance (330 mL/min)", cv=0.35),
    p("v_70", 1000.0, "L", "celexa_label", "volume (about 14 L/kg, consistent with a 35 h half-life)", cv=0.4),
), "Citalopram, oral SSRI.")

AMITRIPTYLINE = simple_drug_module("amitriptyline", (
    p("F_oral", 0.50, "1", "schulz1983", "oral bioavailability", cv=0.23),
    p("ka", 0.8, "1/h", "assumed", "absorption rate", note="gives Tmax about 4 h as reported for oral amitriptyline (UK SmPC: 3.89 h, amitriptyline_smpc_uk)"),
    p("cl_70", 52.5, "L/h", "schulz1983", "clearance (12.5 mL/min/kg)", cv=0.18),
    p("v_70", 980.0, "L", "schulz1983", "volume (14 L/kg)", cv=0.2),
), "Amitriptyline, oral tricyclic antidepressant.")

RAPAMYCIN = simple_drug_module("rapamycin", (
    p("F_oral", 0.14, "1", "rapamune_label", "oral bioavailability"),
    p("ka", 2.77, "1/h", "ferron1997", "absorption rate"),
    p("cl_70", 8.9 * 0.14, "L/h", "ferron1997", "clearance (CL/F 8.9 L/h times F 0.14), whole blood", cv=0.38),
    p("v_70", 810.0 * 0.14, "L", "ferron1997", "volume (V/F 810 L times F 0.14), whole blood", cv=0.42),
), "Rapamycin (sirolimus), oral mTORC1 inhibitor; whole-blood levels.")

SIMPLE_DRUGS = {m.name.removeprefix("pk_"): m for m in (NALTREXONE, MIDAZOLAM, CITALOPRAM, AMITRIPTYLINE, RAPAMYCIN)}
