"""Lateral habenula (LHb) burst firing and the ketamine trapped in its NMDA receptors.

LHb neurons burst more in depressed-like animals; the bursts need NMDA receptors and
T-type Ca2+ channels, and ketamine blocks them (Yang et al. 2018). After one injection
the drug stays trapped in LHb NMDA receptors and bursting stays suppressed for up to
24 h, because untrapping needs the channel to open and the silenced cells rarely open it
(Ma et al. 2023).

- `lhb_burst_rate` (relative; 1 = healthy, drug-free) = depression level x T-type channel
  availability x (fraction of LHb NMDA channels free of drug) ** steepness.
- Block O of LHb NMDA receptors uses the receptor layer's trapping scheme and records
  (GluN2B IC50, blocker potencies, Mg2+ block, the apparent unblocking rate): with x the
  blockers' occupancy ratio at the burst potential, dO/dt = r (x (1 - O) - O), where the
  relaxation rate r = koff_apparent / native_po * po_lhb is proportional to how often the
  channels open, po_lhb = open probability per unit burst rate * lhb_burst_rate + a tonic
  floor. A blocked cell stops bursting, its channels stop opening and the drug stays.

Hypothesis `lhb_sustained`: `trapping` (Yang 2018; Ma 2023: the trapped block carries the
sustained effect) or `acute_only` (Zhou et al. 2021, J Neurosci 41:4131: the sustained
effects are independent of the LHb): the block is the scheme's steady state at every
instant, so bursting returns as the drug leaves.
"""

from __future__ import annotations

from functools import lru_cache

from ...engine.module import Module
from ...parameters import p
from ...receptor.parameters import BLOCKERS
from ..nmda import NATIVE_PO, drug_shift, mg_free, receptor_records, unblock_rate

SUSTAINED_VALUES = ("trapping", "acute_only")  # the first is the default hypothesis

LHB_MONOAMINE_WEIGHT = p("lhb_monoamine_weight", 0.15, "1", "assumed",
  "log-change of VTA and raphe drive per unit rise of LHb burst rate (LHb inhibits them)",
  note="Yang 2018 propose LHb bursts inhibit the VTA and DRN; no quantitative weight was found, a modest "
       "one keeps the cortical glutamate drive dominant")

PARAMETERS = (
    p("lhb_depression_level", 1.0, "1", "assumed",
      "LHb burst rate of the subject relative to a healthy one (1 healthy; >1 depressed-like)",
      note="a subject covariate; experiments on depressed-like animals set it (Yang 2018 report a significant "
           "rise of bursting in cLH rats and CRS mice; the fold change used there is stated in each experiment)",
      lower=0.0, upper=10.0),
    p("lhb_ttype_availability", 1.0, "1", "yang2018",
      "fraction of LHb T-type Ca2+ channels available (1 drug-free; a T-type blocker lowers it)",
      note="bursting needs T-type channels (Yang 2018); the multiplicative form is an assumption"),
    p("lhb_nmda_steepness", 8.0, "1", "fitted",
      "exponent of the NMDA-free fraction in the burst rate (bursts need NMDA current above a threshold)",
      note="set so that a mouse 10 mg/kg i.p. dose leaves bursting suppressed at 24 h and recovered by 3 d "
           "(Ma 2023, ma2023); with a shallow dependence, untrapping accelerates itself and the block ends in hours"),
    p("lhb_burst_lag", 5.0, "min", "fitted", "time constant with which LHb bursting follows its drive",
      note="minutes; with an instantaneous dependence the block stops its own uptake (bursting, hence channel "
           "opening, ends before the block reaches the drug's equilibrium) and the trapped block cannot outlast "
           "the drug by a day as Ma 2023 report (ma2023)"),
    p("lhb_burst_potential", -45.0, "mV", "assumed",
      "membrane potential at which LHb NMDA channels open during bursts (sets the Mg2+ and drug block)",
      note="LHb bursts ride on depolarised plateaus (Yang 2018 model); a value between rest (-60 mV) and spike "
           "threshold is taken"),
    p("lhb_burst_open_probability", 0.0005, "1", "fitted",
      "time-averaged LHb NMDA open probability per unit relative burst rate",
      note="set so that ketamine at antidepressant doses binds within tens of minutes in bursting cells while "
           "untrapping in silenced cells takes about a day (Ma 2023, ma2023); channels open only during bursts"),
    p("lhb_tonic_open_probability", 1e-6, "1", "assumed",
      "LHb NMDA open probability without bursts (tonic firing and ambient glutamate)",
      note="a floor small against the burst term so that a silenced cell untraps over days, not never"),
)


@lru_cache(maxsize=None)
def habenula_module(sustained: str = "trapping") -> Module:
    if sustained not in SUSTAINED_VALUES:
        raise ValueError(f"unknown lhb_sustained {sustained!r}")
    x = " + ".join(f"brain_{b} / (ketamine_ic50_glun2b * potency_{b})" for b in BLOCKERS)
    lines = [
        f"lhb_mgfree = {mg_free('glun2b', 'lhb_burst_potential')} : 1",
        f"lhb_vshift = {drug_shift('lhb_burst_potential')} : 1",
        f"lhb_x = ({x}) * lhb_mgfree / lhb_vshift : 1",
    ]
    if sustained == "trapping":
        lines += [
            f"native_po = {NATIVE_PO} : 1",
            "lhb_po = lhb_burst_open_probability * lhb_burst_rate + lhb_tonic_open_probability : 1",
            f"lhb_relax = {unblock_rate('lhb_burst_potential')} * lhb_po : 1/min",
            "dlhb_trapped/dt = lhb_relax * (lhb_x * (1 - lhb_trapped) - lhb_trapped) : 1",
            "lhb_nmda_block = lhb_trapped : 1",
        ]
    else:
        lines.append("lhb_nmda_block = lhb_x / (1 + lhb_x) : 1")
    # bursting follows its drive with a lag of minutes (burst patterns and theta synchrony
    # build up and wind down over many cycles), so cells keep opening channels, and drug
    # keeps entering, for a while after the block starts
    # (without trapping the lag changes the time course by minutes only and is left out)
    lines.append("lhb_burst_target = lhb_depression_level * lhb_ttype_availability "
                 "* (1 - lhb_nmda_block) ** lhb_nmda_steepness : 1")
    if sustained == "trapping":
        lines += ["dlhb_burst/dt = (lhb_burst_target - lhb_burst) / lhb_burst_lag : 1",
                  "lhb_burst_rate = lhb_burst : 1"]
    else:
        lines.append("lhb_burst_rate = lhb_burst_target : 1")
    equations = "\n".join(lines)
    # the receptor layer's records these equations use, and this module's own (without the
    # trapping kinetics' under acute_only)
    own = PARAMETERS if sustained == "trapping" else tuple(
        q for q in PARAMETERS if q.name not in ("lhb_burst_open_probability", "lhb_tonic_open_probability",
                                                 "lhb_burst_lag"))
    return Module(
        name="habenula",
        initial={"lhb_burst": "lhb_depression_level * lhb_ttype_availability"} if sustained == "trapping" else {},
        doc=__doc__.split("\n\n")[0],
        equations=equations,
        parameters=receptor_records(equations) + own,
        inputs={f"brain_{b}": "uM" for b in BLOCKERS},
        outputs=("lhb_burst_rate", "lhb_nmda_block"),
        descriptions={
            "lhb_burst_rate": "lateral habenula burst firing relative to a healthy drug-free LHb",
            "lhb_nmda_block": "LHb NMDA receptors blocked by drug (trapped under lhb_sustained=trapping)",
        },
    )
