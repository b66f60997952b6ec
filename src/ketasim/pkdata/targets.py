"""Which published metric ketasim can compute, on which observable, and in which unit.

Each distinct `metric` of summaries.csv is either a `Target` (how to compute it from a
simulated course) or a reason it cannot be computed; a metric missing from `METRICS` is
not computable ("unknown metric"), so no row is ever dropped silently. The statistics
themselves (and their units) are in `pkdata.predict`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..mechanisms.drugs import DRUGS
from .regimen import NotComputable


@dataclass(frozen=True)
class Target:
    """What a metric is in ketasim's terms.

    kind: cmax, tmax, tmax_after_last_dose, auc_inf, auc_window, half_life, clearance, vss,
    bioavailability, auc_ratio (see `predict.predicted_quantity`); dose_independent:
    whether it does not depend on the dose in linear PK (a row without a dose may then be
    simulated at the probe dose); window_h: the AUC window's end (h) for auc_window;
    enantiomer_mean: the value per enantiomer taken as half the racemic total; caveat:
    what the mapping assumes, shown with the row."""

    kind: str
    dose_independent: bool = False
    window_h: float | None = None
    enantiomer_mean: bool = False
    caveat: str = ""


HALF_LIFE = Target("half_life", True, caveat="terminal half-life (NCA best-fit λz, measures.nca)")
METRICS: dict[str, Target | str] = {
    "cmax": Target("cmax"),
    "tmax": Target("tmax", True),
    "tmax_after_last_spray": Target("tmax_after_last_dose", True),
    "auc": Target("auc_inf", caveat="predicted as AUC(0-inf)"),
    "bioavailability": Target("bioavailability", True,
                              caveat="AUC(0-inf) per mg against the same dose IV over 1 min"),
    "clearance": Target("clearance", True, caveat="dose/AUC(0-inf) of an IV course"),
    "vss": Target("vss", True, caveat="CL x MRT of an IV course (MRT less half the infusion time)"),
    "volume_of_distribution": Target("vss", True, caveat="the source's volume of distribution read as Vss"),
    "t_half_terminal": HALF_LIFE,
    "t_half_beta": HALF_LIFE,
    "t_half": HALF_LIFE,
    "auc_ratio_metabolite_parent": Target("auc_ratio", True, caveat="AUC(0-inf) ratio, single dose "
                                          "(equal to the steady-state ratio in linear PK)"),
    "concentration_range_dissociation": Target("cmax", caveat="the concentration range reported with "
                                               "dissociation compared with the infusion's peak"),
    "vss_apparent": "an apparent metabolite volume (relative to an unknown formation fraction) is not a "
                    "simulated quantity",
    "clearance_apparent": "an apparent metabolite clearance (relative to an unknown formation fraction) is "
                          "not a simulated quantity",
    "fraction_dose_renal": "urinary excretion is not modelled (no urine observable)",
    "fraction_absorbed_nasal": "a parameter of the source's absorption model, not a statistic of a course",
    "bioavailability_of_swallowed_fraction": "a parameter of the source's absorption model, not a statistic "
                                             "of a course",
    "initial_rapid_decline_duration": "no defined statistic (the label's 'rapid initial decline' has no "
                                      "cut-off)",
    "concentration_at_recovery": "recovery from anaesthesia is not a model event",
    "concentration_steady_infusion": "needs the maintenance infusion rate, for which summaries.csv has no "
                                     "column (it is in the note only)",
    "cmax_range_over_cohorts": "a range of cohort means over a range of doses, not one regimen's value",
}
AUC_WINDOW = re.compile(r"^auc_0_(\d+(?:\.\d+)?)h(_each_enantiomer)?$")

# the data's analyte -> the model's observable (esketamine is S-ketamine)
ANALYTES = {"plasma_esketamine": "plasma_s_ketamine", "plasma_noresketamine": "plasma_s_norketamine"}
NO_OBSERVABLE = {"plasma_s_hnk": "the model's HNK is not split by enantiomer (plasma_hnk only)",
                 "plasma_r_hnk": "the model's HNK is not split by enantiomer (plasma_hnk only)"}
# a metabolite's parent, for metabolite/parent AUC ratios
PARENTS = {"plasma_norketamine": "plasma_ketamine", "plasma_s_norketamine": "plasma_s_ketamine",
           "plasma_r_norketamine": "plasma_r_ketamine", "plasma_hnk": "plasma_ketamine",
           "plasma_dehydronorketamine": "plasma_ketamine"}
# a parent observable -> the dose-target modules whose deposits are its share of the dose
DOSED_MODULES = {"plasma_ketamine": ("ketamine_s", "ketamine_r"), "plasma_s_ketamine": ("ketamine_s",),
                 "plasma_r_ketamine": ("ketamine_r",)}
# units that name the reference weight: the simulated patient weighs 70 kg (patient.default_weight)
UNIT_ALIASES = {"ratio": "dimensionless", "%": "percent", "L/h per 70 kg": "L/h", "L/h at 70 kg": "L/h",
                "L/70 kg": "L"}


def target_of(metric: str) -> Target:
    """The `Target` of a metric name; NotComputable with the reason otherwise."""
    m = AUC_WINDOW.match(metric)
    if m:
        each = bool(m.group(2))
        return Target("auc_window", window_h=float(m.group(1)), enantiomer_mean=each,
                      caveat="each enantiomer's AUC taken as half the total" if each else "")
    found = METRICS.get(metric)
    if found is None:
        raise NotComputable(f"unknown metric {metric!r}")
    if isinstance(found, str):
        raise NotComputable(found)
    return found


def observable_of(analyte: str) -> str:
    """The model observable for the data's analyte; NotComputable for one the model lacks."""
    if analyte in NO_OBSERVABLE:
        raise NotComputable(NO_OBSERVABLE[analyte])
    return ANALYTES.get(analyte, analyte)


def parent_of(observable: str) -> str:
    """The parent observable of a metabolite; NotComputable for a parent."""
    if observable not in PARENTS:
        raise NotComputable(f"{observable} is not a metabolite with a parent in the model")
    return PARENTS[observable]


def dose_share(drug: str, observable: str) -> float:
    """The fraction of an IV dose of `drug` that is the analyte `observable` (a racemate's
    enantiomer: 0.5; `mechanisms.drugs` deposits); NotComputable for a metabolite."""
    modules = DOSED_MODULES.get(observable)
    if modules is None:
        raise NotComputable(f"{observable} is not dosed (clearance and volume need a parent drug)")
    share = sum(d.fraction for d in DRUGS[drug].routes["iv"] if d.target.split(".")[0] in modules)
    if share <= 0:
        raise NotComputable(f"{drug} contains no {observable.removeprefix('plasma_')}")
    return share


def unit_text(unit: str) -> str:
    """A row's unit as pint reads it (`UNIT_ALIASES`: 'ratio', '%', units per 70 kg)."""
    return UNIT_ALIASES.get(unit.strip(), unit.strip())
