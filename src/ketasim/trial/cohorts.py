"""Cohorts: who enters a trial, how severe they are, and how much they respond to placebo.

A cohort fixes the distribution of the untreated MADRS (normal, truncated to 0-60), the
inclusion threshold applied to the rated score at screening (so that day-to-day
fluctuation at screening gives the regression to the mean that real trials show), the
size of the placebo response at full expectancy, and the daily hazard of dropping out
for reasons other than side effects. Values are per cohort; each is a `Parameter`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..calibration_notes import clinical_joint_note
from ..parameters import Parameter, p


@dataclass(frozen=True)
class Cohort:
    """One cohort's statistical description (values in the parameters' units)."""

    name: str
    description: str
    baseline_mean: Parameter      # MADRS points
    baseline_sd: Parameter        # MADRS points
    inclusion_min: Parameter      # MADRS points at screening
    placebo_max: Parameter        # fraction of the baseline removed by placebo at full expectancy
    placebo_tau: Parameter        # d, time constant of the placebo response
    dropout_hazard: Parameter     # 1/d, dropouts not caused by side effects

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return (self.baseline_mean, self.baseline_sd, self.inclusion_min, self.placebo_max, self.placebo_tau,
                self.dropout_hazard)


def _cohort(name: str, description: str, mean: tuple, sd: tuple, inclusion: tuple, placebo: tuple,
            tau: tuple, dropout: tuple) -> Cohort:
    return Cohort(
        name, description,
        p(f"{name}_baseline_mean", mean[0], "1", mean[1], f"mean untreated MADRS, {description}", note=mean[2]),
        p(f"{name}_baseline_sd", sd[0], "1", sd[1], f"SD of untreated MADRS, {description}", note=sd[2]),
        p(f"{name}_inclusion_min", inclusion[0], "1", inclusion[1], f"minimum MADRS at screening, {description}",
          note=inclusion[2]),
        p(f"{name}_placebo_max", placebo[0], "1", placebo[1],
          f"fraction of the MADRS removed by placebo at full expectancy, {description}", lower=0.0, upper=0.9,
          note=placebo[2]),
        p(f"{name}_placebo_tau", tau[0], "d", tau[1], f"time constant of the placebo response, {description}",
          note=tau[2]),
        p(f"{name}_dropout_hazard", dropout[0], "1/d", dropout[1],
          f"daily hazard of dropping out for reasons other than side effects, {description}", note=dropout[2]),
    )


COHORTS: dict[str, Cohort] = {c.name: c for c in (
    _cohort("trd", "treatment-resistant outpatients",
            (32.0, "murrough2013", "ketamine RCT baselines cluster near 32 MADRS points (Murrough 2013 midazolam trial)"),
            (5.0, "assumed", "a typical SD of baseline MADRS in ketamine RCTs (4-6 points); not pooled at source"),
            (22.0, "assumed", "ketamine RCTs admit moderate-to-severe depression (MADRS >= 20-22)"),
            (0.1011, "fitted", clinical_joint_note("trial.trd_placebo_max")),
            (0.25, "assumed", "saline and midazolam arms of infusion trials have improved by the first rating at "
                              "24 h (Cochrane 2021, cochrane2021); a 6-h time constant puts most of it within the "
                              "first day"),
            (0.002, "assumed", "few dropouts within the week of a single-infusion trial")),
    _cohort("inpatient", "hospitalised severe depression",
            (38.0, "assumed", "inpatient trials enrol severe depression (MADRS in the high 30s)"),
            (6.0, "assumed", "SD as in outpatient trials, slightly wider"),
            (30.0, "assumed", "severe depression, MADRS >= 30"),
            (0.25, "assumed", "placebo response smaller in severe, inpatient depression than in outpatients"),
            (3.0, "assumed", "inpatient treatment (ECT, infusions) is an intensive procedure; days"),
            (0.003, "assumed", "no pooled inpatient dropout rate was retrieved")),
    _cohort("mdd", "primary-care major depression",
            (28.3, "trivedi2006", "STAR*D level 1 baseline HAM-D-17 about 21.8 (secondary), times 1.3 MADRS per "
                                  "HAM-D point (Leucht 2018)"),
            (6.8, "trivedi2006", "HAM-D SD about 5.2 (secondary) times 1.3"),
            (18.0, "leucht2018", "HAM-D-17 >= 14 (STAR*D entry) is MADRS >= 18 by the linking"),
            (0.2225, "fitted", "fitted to the 35-40% placebo response of 8-week antidepressant trials (Furukawa 2016, "
                                "furukawa2016; clinical-furukawa2016-placebo-arm: a blinded pill-placebo arm rated weekly, "
                                "so with the contacts of trial.assessment_relief): ketasim fit --parameter "
                                "trial.mdd_placebo_max --experiment clinical-furukawa2016-placebo-arm (Nelder-Mead, 400 "
                                "patients, standard error a factor of 1.34), after the joint clinical "
                                "calibration in which the latent classes scale the whole relief and the effect site "
                                "follows arterial plasma, with the placebo "
                                "time constant and dropout hazard of this cohort from posternak2005 and warden2007; "
                                "0.2122 before the arterial effect site's joint refit, 0.2022 before those two, 0.1350 when the classes scaled "
                                "the mechanism only, 0.45 chosen by hand for the same finding before the contacts and the "
                                "between-patient spread"),
            (16.8, "posternak2005", "61.6% of the placebo arms' improvement took place in the first 2 weeks "
                                   "(Posternak & Zimmerman 2005, 47 trials): with 1 - exp(-t/tau) over a 6-week "
                                   "trial (the usual length, assumed), (1 - e^(-14/tau)) / (1 - e^(-42/tau)) = 0.616 "
                                   "gives tau = 16.8 d; the follow-up contacts add their own weekly steps on top; "
                                   "was 14 d, assumed"),
            (0.0033, "warden2007", "STAR*D level 1 (Warden 2007): 26% of patients dropped out for nonmedical "
                                  "reasons, 93% of them before week 12; -ln(1 - 0.26 x 0.93) / 84 d = 0.0033/d (a "
                                  "constant hazard; a third of those dropouts left right after the baseline visit); "
                                  "was 0.003, assumed")),
    _cohort("healthy", "healthy volunteers",
            (2.0, "assumed", "healthy volunteers score near zero on the MADRS"),
            (1.5, "assumed", "small spread"),
            (0.0, "assumed", "no severity criterion"),
            (0.0, "assumed", "no depression to improve"),
            (1.0, "assumed", "unused: no placebo response"),
            (0.001, "assumed", "studies of a day or a week lose few volunteers")),
)}
