"""Side-effect burden of the comparator antidepressants: what makes patients drop out.

`side_effect_burden` (0-1 scale, 0 = none) = SERT occupancy (serotonergic effects:
nausea, sexual dysfunction; the SSRIs' main dropout cause) + muscarinic occupancy by
amitriptyline (anticholinergic effects: dry mouth, constipation, blurred vision,
sedation; the main reason TCAs are stopped). The trial engine turns the burden into a
daily hazard of dropping out for side effects, so the TCA's extra dropouts follow from
its receptor profile.
"""

from __future__ import annotations

from functools import lru_cache

from ...engine.module import Module
from ...parameters import p

MUSCARINIC_EC50 = p("muscarinic_ec50_amitriptyline", 180.0, "ng/mL", "assumed",
                    "plasma amitriptyline at half-maximal muscarinic receptor occupancy",
                    note="scaled from the SERT EC50 (40 ng/mL) by amitriptyline's weaker affinity for muscarinic "
                         "receptors than for SERT (about 4-5-fold in binding profiles of antidepressants); no "
                         "in-vivo occupancy measurement was found")


@lru_cache(maxsize=None)
def tolerability_module(sert: bool, anticholinergic: bool) -> Module:
    """Burden from SERT occupancy (when a reuptake inhibitor is dosed) and, for amitriptyline, muscarinic block."""
    terms, lines, inputs, params = [], [], {}, ()
    if sert:
        terms.append("sert_occupancy")
        inputs["sert_occupancy"] = "1"
    if anticholinergic:
        lines.append("muscarinic_occupancy = plasma_amitriptyline / (plasma_amitriptyline "
                     "+ muscarinic_ec50_amitriptyline) : 1")
        terms.append("muscarinic_occupancy")
        inputs["plasma_amitriptyline"] = "ng/mL"
        params = (MUSCARINIC_EC50,)
    lines.append(f"side_effect_burden = {' + '.join(terms) or '0'} : 1")
    return Module(
        name="tolerability",
        doc=__doc__.split("\n\n")[0],
        equations="\n".join(lines),
        parameters=params,
        inputs=inputs,
        outputs=("side_effect_burden",) + (("muscarinic_occupancy",) if anticholinergic else ()),
        descriptions={"side_effect_burden": "side-effect burden of the antidepressants (0 none)",
                      "muscarinic_occupancy": "muscarinic receptors occupied by amitriptyline"},
    )
