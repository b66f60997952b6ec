"""From a patient's mechanistic course to the scores a rater writes down at each visit.

For patient i with untreated severity B (MADRS points), at visit day t:

    MADRS(t) = B ((1 - P(t)) severity(t)) ** r + x(t)           rounded, clipped to 0-60

- severity(t): the slow model's `depression_severity` (1 untreated), the mechanism;
- r: the patient's responsiveness to treatment, mechanism and placebo together, from two
  latent classes (growth mixture models of repeated ketamine infusions find a robustly
  improving class and a less responsive one among severely depressed patients, O'Brien
  et al. 2021; the classes were found in the whole, open-label change, so they scale the
  whole relief (1 - P) severity, not the mechanism alone): with
  probability responder_share the patient is of the responsive class, whose relief
  (in log units) is 1/nonresponder_relief_ratio times the other class's; the class
  levels are scaled so that the mean responsiveness is 1 (the mood weights keep their
  meaning), and each patient varies within the class (log-normal, CV responsiveness_cv);
- P(t) = placebo_max e b (1 - exp(-t / placebo_tau)) exp(-s(t) / placebo_fade)
  + e C(t) / B, capped at 0.9: the placebo response (placebo_max and placebo_tau per
  cohort). The second term is what the trial's design adds by seeing the patient:
  - C(t) = assessment_relief / hamd_per_madrs x N(t) x exp(-s_c(t) / placebo_fade), in
    MADRS points: N(t) is the number of follow-up contacts before day t (scheduled rating
    visits after the baseline, and treatment sessions given in the clinic: every dose
    not taken at home, and every procedure), s_c(t) the days since the last of them
    (`contact_relief`). Each follow-up assessment of an antidepressant trial adds a
    further 0.67-0.86 HAM-D points of improvement, cumulatively and in drug arms as in
    placebo arms, about 40% of the placebo response (Posternak & Zimmerman 2007), so a
    trial with twice-weekly sessions and visits has a larger placebo response than one
    with a single infusion and three ratings.
  - s(t): days since the last treatment event (dose or session), counted from one day
    after it; each treatment renews the response, which fades without one (a single
    infusion's expectancy wanes over a week or two).
  - e: the patient's expectancy (log-normal, median 1).
  - b: the blinding factor, 1 + open_label_gain when the patient knows the treatment;
    under a blind, 1 + unblinding_gain q exp(-s(t) / unblinding_fade), where q = 1 -
    exp(-cadss_peak / cadss_unblinding - sedation_peak / sedation_unblinding) is the
    chance of guessing an active drug from what it felt like (ketamine's dissociation,
    midazolam's sedation): imperfect blinding. The guess is renewed by each treatment and
    its extra expectancy wanes with time since the last one (unblinding_fade), faster
    than the placebo response as a whole;
- x(t): day-to-day fluctuation, a stationary AR(1) process with SD fluctuation_sd and
  correlation fluctuation_corr ** (days apart); x(0) is part of the screening score, so
  the inclusion threshold selects upward fluctuations (regression to the mean).

The screening (baseline) score is B + x(0), redrawn until it meets the cohort's inclusion
threshold. HAMD-17 is the MADRS through the linking line of the mood module.

The rated change from the screening score S = round(B + x(0)) is split into four parts that
add up to it exactly (`trial.decomposition` averages them over an arm):
- drug mechanism: B (severity(t) ** r - 1), the change the mechanism alone would make;
- placebo: B (((1 - P(t)) severity(t)) ** r - severity(t) ** r), what the placebo response
  adds to it;
- regression to the mean: -(S - B) (1 - fluctuation_corr ** t), the screening
  fluctuation (selected upwards by the inclusion threshold) decaying away;
- day-to-day fluctuation: the rest, x(t) - (S - B) fluctuation_corr ** t plus rounding
  and clipping to the scale (mean zero apart from them).

Dropouts: two competing exponential clocks, a cohort hazard and a side-effect hazard
side_effect_hazard x side_effect_burden(t) (the slow model's burden, piecewise constant
between visits). Scores after the dropout day are missing (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..calibration_notes import CLINICAL_JOINT, clinical_joint_note, clinical_set_text
from ..parameters import p
from .cohorts import Cohort

PARAMETERS = {q.name: q for q in (
    p("fluctuation_sd", 3.0, "1", "assumed", "SD of day-to-day MADRS fluctuation (rating noise and true change)",
      note="between two sourced bounds, 3 points assumed: blind rescoring of the same recorded interview differs by "
           "1.77 points on average (Sapko 2025, sapko2025: 1.6 points per rating, scoring error alone), and a second "
           "interview a few days later by telephone and another rater gives an SEM of 6.4 points (Hermens 2006, "
           "hermens2006: ICC 0.65, SDs 10-11; mode, rater and true change included). No source gives the "
           "occasion-to-occasion SD itself. A joint clinical run that "
           "fitted it (6.1) was not kept: the mood weight was left unidentified there, and the choice was made "
           "with the relapse median of Murrough 2013b (murrough2013b) in view, which that value broke; that "
           "finding is therefore calibration"),
    p("fluctuation_corr", 0.8, "1", "assumed", "correlation of the fluctuation between ratings one day apart",
      lower=0.0, upper=1.0, note="mood fluctuations last days; decorrelated over a week or two"),
    p("responder_share", 0.58, "1", "obrien2021", "share of patients in the responsive latent class",
      lower=0.0, upper=1.0,
      note="growth mixture model of 328 outpatients given three ketamine infusions (O'Brien 2021): of the two "
           "severely depressed classes, 135 patients improved robustly and 97 less (135/232 = 0.58); the "
           "replication in 298 patients (O'Brien 2024 abstract) found 103 rapid and 78 modest improvers (0.57)"),
    p("nonresponder_relief_ratio", 0.25, "1", "obrien2021",
      "log relief of the less responsive class as a share of the responsive class's", lower=0.0, upper=1.0,
      note="O'Brien 2021 class means, QIDS-SR baseline to final: 19.8 -> 15.6 (less responsive) and 18.8 -> 7.3 "
           "(robust); ln(15.6/19.8) / ln(7.3/18.8) = 0.25. Taken from the whole change (open label, placebo "
           "included) and applied to the whole relief, mechanism and placebo together, as it was measured. That "
           "form was adopted (2026-12-07) after its results on TRANSFORM-2 (popova2019: esketamine response 73%, "
           "SDs of the change 9.6 and 10.2, before the refit) had been seen, so that finding is calibration"),
    p("responsiveness_cv", 0.8388, "1", "fitted", "within-class between-patient CV of responsiveness to treatment (mechanism and placebo)",
      note="fitted in an earlier joint run over the clinical calibration set (data/calibration/clinical.toml, with "
           "clinical-murrough2013-midazolam, Murrough 2013, murrough2013, whose SDs of the 24-h change set how widely "
           "patients differ; 100 runs, loss 1.17 -> 0.606), when the classes scaled the mechanism only; not "
           "identified there on its own (one standard error a factor of 2.07), so held in the later runs; was "
           "0.3, assumed"),
    p("expectancy_cv", 1.497, "1", "fitted", "between-patient CV of expectancy (placebo responsiveness)",
      note=clinical_joint_note("trial.expectancy_cv",
                               "the SD of the midazolam arm's 24-h change sets it; was 0.5, assumed")),
    p("unblinding_gain", 1.936, "1", "fitted", "extra expectancy when the patient is sure to have had an active drug",
      note=clinical_joint_note("trial.unblinding_gain",
                               "the saline and midazolam arms at 24 h separate it from the placebo size")),
    p("unblinding_fade", 7.638, "d", "fitted",
      "time constant with which the extra expectancy of a guessed active drug wanes after the last treatment",
      lower=0.1,
      note=clinical_set_text(CLINICAL_JOINT) + " in the run after the "
           "latent classes came to scale the whole relief (95 runs, loss 0.508 -> 0.401; "
           "docs/calibration/clinical_identifiability_fade_run.md), where one standard error was a factor of 2.11 "
           "(not identified); held at that value in the final run, which refits the other four (7.35 d in the run "
           "before, identified within a factor of 1.67). Coyle & Laws's ketamine-saline difference at 1, 7 and 13 "
           "days informs it against the placebo's own 75-day fade: the guess of an active drug is renewed by each "
           "dose and wanes within about a week; no study measured it"),
    p("default_visit_interval", 7.0, "d", "assumed",
      "days between the rating visits of a protocol that declares none (its follow-up contacts)",
      lower=1.0,
      note="weekly, the usual schedule of antidepressant trials (the trials Posternak & Zimmerman 2007 pooled, "
           "posternak2007, rated at four to six of six weekly visits), and a visit on the trial's last day; a file "
           "that knows its trial's schedule declares it (protocol.endpoints.visits). Read by trial/spec.py, not by "
           "the observation model itself"),
    p("open_label_gain", 0.15, "1", "assumed", "extra expectancy of open-label treatment over a blinded one",
      note="open-label antidepressant trials show larger responses than blinded ones; 15% more expectancy assumed"),
    p("assessment_relief", 0.765, "1", "posternak2007",
      "further HAM-D-17 improvement per follow-up contact (a rating visit or a clinic session)",
      lower=0.0,
      note="Posternak & Zimmerman 2007 (41 placebo-controlled 6-week trials with four, five or six follow-up "
           "assessments): an extra visit at week 3 went with a further 0.86 HAM-D points of improvement, one at "
           "week 5 with 0.67; two extra visits with twice as much (cumulative), and a comparable effect in drug "
           "arms; the mean, 0.765, is used. Taken as the same for a clinic treatment session (an infusion, a "
           "spray under observation, an ECT session) as for a rating visit: an assumption, the meta-analysis "
           "counted rating visits only"),
    p("placebo_fade", 75.38, "d", "fitted", "time constant with which the placebo response fades without treatment",
      note="fitted in the first joint run over the clinical calibration set (data/calibration/clinical.toml: "
           "clinical-han2016-response-24h, clinical-han2016-course, clinical-cochrane2021-saline-midazolam-24h and "
           "clinical-coyle2015-loss-of-effect, from Han 2016 (han2016), Cochrane 2021 (cochrane2021) and Coyle & "
           "Laws 2015 (coyle2015)), six parameters, 150 runs, "
           "identified there within a factor of 1.9 (docs/calibration/clinical_identifiability_first_run.md); "
           "refitted "
           "with three others it drifted to 401 d with a standard error of a factor of 11 "
           "(docs/calibration/clinical_identifiability_second_run.md): trials that end by day 13 bound the fade from "
           "below only, so the first run's value is kept and the final run leaves it fixed; was 10 d, assumed"),
    p("cadss_unblinding", 5.0, "1", "assumed", "peak CADSS (points) at which guessing an active drug is 63% likely",
      note="dissociation above a few CADSS points is noticed; most ketamine patients guess their arm"),
    p("sedation_unblinding", 0.02, "1", "assumed", "peak sedation (0-1) at which guessing an active drug is 63% likely",
      note="midazolam 0.045 mg/kg (peak sedation about 0.02 on the model's 0-1 scale) is chosen as an active placebo "
           "because patients notice it; most are taken to read it as an active drug"),
    p("side_effect_hazard", 0.00409, "1/d", "fitted", "daily hazard of a side-effect dropout per unit side-effect burden",
      note="fitted so that citalopram gives 8% side-effect dropouts over 6 weeks (Anderson 2000, anderson2000: "
           "about 8% SSRI vs 11% TCA, worked back from RR 0.73 and NNT 33): ketasim fit --parameter "
           "trial.side_effect_hazard --experiment clinical-anderson2000-ssri-vs-tca:1 (Nelder-Mead, 300 patients, "
           "15 steps, standard error a factor of 1.67); the TCA's rate is the check. Was 0.0012, set by hand when "
           "the side-effect burden was larger: it gave 2.3% by 2026-12-07, no longer what this note said"),
)}


def value(name: str) -> float:
    """A parameter's declared value in its unit (days for times)."""
    return PARAMETERS[name].value


def declared_values() -> dict[str, float]:
    """Every parameter's declared value by plain name (what `observe_patient` uses unless given others)."""
    return {name: q.value for name, q in PARAMETERS.items()}


def responsiveness(rng: np.random.Generator, values: Mapping[str, float]) -> float:
    """One patient's responsiveness to treatment: the latent class, then the spread within it
    (mean over the classes' levels 1)."""
    share, ratio = values["responder_share"], values["nonresponder_relief_ratio"]
    high = 1.0 / (share + (1.0 - share) * ratio)
    level = high if rng.random() < share else ratio * high
    return level * _lognormal(rng, values["responsiveness_cv"])


@dataclass(frozen=True)
class Observed:
    """One patient's rated course."""

    baseline: float
    madrs: np.ndarray            # (V,) NaN after dropout
    hamd: np.ndarray
    dropout_day: float           # inf = completed
    dropout_side_effect: bool
    parts: tuple[np.ndarray, np.ndarray, np.ndarray] = ()  # (drug, placebo, regression) (V,), NaN after dropout


def ar1(rng: np.random.Generator, days: np.ndarray, sd: float, corr: float) -> np.ndarray:
    """A stationary AR(1) path at the visit days (SD `sd`, correlation corr**(days apart))."""
    x = np.empty(len(days))
    x[0] = sd * rng.standard_normal()
    for k in range(1, len(days)):
        rho = corr ** max(days[k] - days[k - 1], 0.0)
        x[k] = rho * x[k - 1] + sd * np.sqrt(1.0 - rho * rho) * rng.standard_normal()
    return x


def observe_patient(rng: np.random.Generator, cohort: Cohort, days: np.ndarray, severity: np.ndarray,
                    burden: np.ndarray, cadss_peak: float, sedation_peak: float, blinded: bool,
                    hamd_per_madrs: float, hamd_at_zero: float,
                    treatments: np.ndarray | None = None, values: Mapping[str, float] | None = None,
                    contacts: np.ndarray | None = None) -> Observed:
    """Rated MADRS/HAMD at `days` (days[0] = 0, the baseline) for one patient.

    treatments: days of the arm's treatment events (doses, sessions); default one at day 0.
    contacts: days of the follow-up contacts (rating visits after the baseline, clinic
    sessions; `trial.chunk.contact_days`); default none.
    values: this module's parameter values by plain name (default the declared ones; a
    trial's overrides, `trial.statistics.observation_values`)."""
    v = values if values is not None else declared_values()
    sd, corr = v["fluctuation_sd"], v["fluctuation_corr"]
    for _ in range(1000):
        true_b = float(np.clip(cohort.baseline_mean.value + cohort.baseline_sd.value * rng.standard_normal(), 0, 60))
        x = ar1(rng, days, sd, corr)
        screen = float(np.clip(np.rint(true_b + x[0]), 0, 60))
        if screen >= cohort.inclusion_min.value:
            break
    r = responsiveness(rng, v)
    e = _lognormal(rng, v["expectancy_cv"])
    since = since_treatment(days, treatments)
    if blinded:
        q = 1.0 - np.exp(-cadss_peak / v["cadss_unblinding"] - sedation_peak / v["sedation_unblinding"])
        b = 1.0 + v["unblinding_gain"] * q * np.exp(-since / v["unblinding_fade"])
    else:
        b = 1.0 + v["open_label_gain"]
    fade = np.exp(-since / v["placebo_fade"])
    # a cohort without a placebo response (healthy volunteers: nothing to improve) gains nothing from contacts
    seen = (contact_relief(days, contacts, v["assessment_relief"] / hamd_per_madrs, v["placebo_fade"])
            if cohort.placebo_max.value > 0 else np.zeros_like(days))
    placebo = np.minimum(cohort.placebo_max.value * e * b * (1 - np.exp(-days / cohort.placebo_tau.value)) * fade
                         + e * seen / max(true_b, 1.0), 0.9)
    mechanism = np.clip(severity, 0.0, None)
    relief = mechanism ** r
    mean = true_b * ((1 - placebo) * mechanism) ** r
    madrs = np.clip(np.rint(mean + x), 0, 60)
    madrs[0] = screen
    hamd = np.clip(np.rint(hamd_per_madrs * (mean + x) + hamd_at_zero), 0, 52)
    hamd[0] = np.clip(np.rint(hamd_per_madrs * screen + hamd_at_zero), 0, 52)
    drop, side = _dropout(rng, days, burden, cohort.dropout_hazard.value, v["side_effect_hazard"])
    gone = days > drop
    madrs[gone] = np.nan
    hamd[gone] = np.nan
    parts = (true_b * (relief - 1.0), mean - true_b * relief, -(screen - true_b) * (1.0 - corr ** days))
    for part in parts:
        part[gone] = np.nan
    return Observed(screen, madrs, hamd, drop, side, parts)


def since_treatment(days: np.ndarray, treatments: np.ndarray | None) -> np.ndarray:
    """Days since the last treatment event, counted from one day after it (0 within a day of one);
    before the first event, since day 0."""
    ev = np.asarray([0.0] if treatments is None or len(treatments) == 0 else treatments, dtype=float)
    n, last = events_before(days, ev, same_day=True)
    return np.maximum(days - np.where(n > 0, last, 0.0) - 1.0, 0.0)


def contact_relief(days: np.ndarray, contacts: np.ndarray | None, per_contact: float, fade: float) -> np.ndarray:
    """MADRS points of improvement the trial's follow-up contacts have given by each of `days`.

    Each contact on a day before t counts (its effect shows from the next rating on):
    per_contact (MADRS points) x N(t), fading with time constant `fade` (d) from one day
    after the last of them, as the expectancy part of the placebo response does."""
    days = np.asarray(days, dtype=float)
    if contacts is None or len(contacts) == 0:
        return np.zeros_like(days)
    n, last = events_before(days, np.asarray(contacts, dtype=float), same_day=False)
    since = np.where(n > 0, np.maximum(days - last - 1.0, 0.0), 0.0)
    return per_contact * n * np.exp(-since / fade)


def events_before(days: np.ndarray, events: np.ndarray, same_day: bool) -> tuple[np.ndarray, np.ndarray]:
    """For each of `days` (d): how many of `events` (d) came before it (same_day: at or before)
    and the day of the last of them (NaN where none)."""
    ev = np.sort(np.asarray(events, dtype=float))
    n = np.searchsorted(ev, days, side="right" if same_day else "left")
    last = np.where(n > 0, ev[np.clip(n - 1, 0, None)], np.nan)
    return n, last


def _lognormal(rng: np.random.Generator, cv: float) -> float:
    sigma = np.sqrt(np.log1p(cv * cv))
    return float(np.exp(sigma * rng.standard_normal()))


def _dropout(rng: np.random.Generator, days: np.ndarray, burden: np.ndarray, base: float,
             side_hazard: float) -> tuple[float, bool]:
    """Day of dropout (inf if none) and whether side effects caused it (competing clocks)."""
    e_base, e_side = rng.exponential(), rng.exponential()
    t_base = e_base / base if base > 0 else np.inf
    t_side = np.inf
    cum = 0.0
    for k in range(1, len(days)):
        dt = days[k] - days[k - 1]
        rate = side_hazard * max(float(burden[k - 1]), 0.0)
        if rate > 0 and cum + rate * dt >= e_side:
            t_side = days[k - 1] + (e_side - cum) / rate
            break
        cum += rate * dt
    horizon = days[-1]
    t = min(t_base, t_side)
    if t >= horizon:
        return np.inf, False
    return float(t), bool(t_side < t_base)
