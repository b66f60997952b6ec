"""The depressive state driven by the mechanistic layers, and its rating scales.

`mood` is the severity of depression relative to the patient's untreated state (1 =
untreated, 0 = no symptoms). Its target falls as the mechanisms that the sources tie to
recovery move: PFC excitatory synaptic strength (Duman; Moda-Sava 2019: the restored
spines maintain the effect), lateral habenula bursting (Yang 2018), prefrontal 5-HT (the
SSRI route) and inflammation (IL-6 and the kynurenine pathway). The drive is a weighted
sum of log relative changes and the target its exponential:

    drive = w_syn log(synaptic_strength) - w_lhb log(lhb_burst_rate)
            + w_5ht log(serotonin_pfc) - w_inf log(inflammation)
    dmood/dt = (exp(-drive) - mood) / tau_mood

The opioid gate, Val66Met, rapamycin and ECT act through the synaptic-strength term (the
plasticity layer), so each arm of a trial is driven by mechanism. The scales:
`madrs` = madrs_baseline x mood (0-60), and `hamd` (HAMD-17, 0-52) from MADRS by the
linear fit to the equipercentile linking of Leucht et al. 2018.

This is the drug's mechanistic effect in one patient of the stated baseline, without
placebo response or day-to-day fluctuation; the trial engine adds those (ketasim.trial).
"""

from __future__ import annotations

from ...calibration_notes import clinical_joint_note
from ...engine.module import Module
from ...parameters import p

MADRS_BASELINE = p("madrs_baseline", 32.0, "1", "murrough2013",
                   "MADRS total of the untreated patient (the treatment-resistant cohort's typical baseline)",
                   lower=0.0, upper=60.0,
                   note="about 32 points at baseline in the midazolam-controlled ketamine trial; trials draw each "
                        "patient's baseline from its cohort (ketasim.trial.cohorts)")

MOOD = Module(
    name="mood",
    doc=__doc__.split("\n\n")[0],
    equations="""
    antidepressant_drive = mood_synaptic_weight * log(synaptic_strength) - mood_lhb_weight * log(lhb_burst_rate) + mood_serotonin_weight * log(serotonin_pfc) - mood_inflammation_weight * log(inflammation) : 1
    dmood/dt = (exp(-antidepressant_drive) - mood) / tau_mood : 1
    depression_severity = mood : 1
    madrs = Min(madrs_baseline * mood, 60) : 1
    hamd = Min(Max(hamd_per_madrs * madrs + hamd_at_madrs_zero, 0), 52) : 1
    """,
    parameters=(
        p("mood_synaptic_weight", 10.07, "1", "fitted",
          "fall of log depressive severity per unit rise of log PFC synaptic strength",
          note=clinical_joint_note("mood.mood_synaptic_weight",
                                   "the drug's size and the share that lasts come from the whole week, not the 24-h "
                                   "response alone, which had set 4.5 and left day 7 at 9% response against 40%")),
        p("mood_lhb_weight", 0.3, "1", "assumed",
          "rise of log depressive severity per unit rise of log lateral habenula burst rate",
          note="LHb bursting drives depressive-like behaviour and its block by ketamine is antidepressant in "
               "rodents (Yang 2018); no human-scale weight exists, a modest one keeps the LHb a minor route "
               "(the LHb hypothesis switch lhb_sustained still changes the 24-h effect); fitted in the first joint "
               "run over "
               "data/calibration/clinical.toml no measure moved with it "
               "(docs/calibration/clinical_identifiability_first_run.md), so it stays assumed"),
        p("mood_serotonin_weight", 0.4426, "1", "fitted",
          "fall of log depressive severity per unit rise of log prefrontal 5-HT",
          note="fitted to the STAR*D level-1 response (Trivedi 2006, trivedi2006: 47% on the QIDS-SR) of open-label "
               "citalopram over 12 weeks in the primary-care cohort, placebo included: ketasim fit --parameter "
               "mood.mood_serotonin_weight --experiment clinical-trivedi2006-stard-citalopram:0 (Nelder-Mead, 200 "
               "patients, 14 steps, standard error a factor of 1.34), after trial.mdd_placebo_max was fitted to "
               "Furukawa 2016's placebo arms and trial.side_effect_hazard to Anderson 2000's SSRI dropouts, with "
               "STAR*D's five follow-up clinic visits (weeks 2, 4, 6, 9, 12) as its contacts and the latent classes "
               "scaling the whole relief; 0.5287 when the file's one measure day was its only contact, 0.1 (by hand) "
               "before the design's contacts and the between-patient spread. Kept after the effect site came to "
               "follow arterial plasma (2026-12-08): STAR*D's response moved to 49% against 47% +/- 7.2, and a "
               "refit (0.289, 15 steps) reached 47% with a standard error of a factor of 2.08, not identified "
               "by this one rate, so the value that the finding had pinned is kept"),
        p("mood_inflammation_weight", 0.2, "1", "assumed",
          "rise of log depressive severity per unit rise of log IL-6 (inflammation)",
          note="higher IL-6 and kynurenine-pathway shifts accompany depression and fall after ketamine "
               "(Kadriu 2020); a small weight keeps inflammation a minor route, no quantitative value exists; "
               "fitted in "
               "the first joint run over data/calibration/clinical.toml it was known only within a factor of 6.4 "
               "(docs/calibration/clinical_identifiability_first_run.md), so it stays assumed"),
        p("tau_mood", 2.0, "h", "assumed",
          "time constant with which the depressive state follows its mechanistic target",
          note="ketamine's antidepressant effect is already large at 4 h (Coyle & Laws 2015, coyle2015); a 2-h lag "
               "lets the mood follow the synaptic changes within hours"),
        MADRS_BASELINE,
        p("hamd_per_madrs", 0.77, "1", "leucht2018", "HAMD-17 points per MADRS point",
          note="a straight line through the equipercentile linking table of Leucht 2018"),
        p("hamd_at_madrs_zero", 0.0, "1", "leucht2018", "HAMD-17 at MADRS 0",
          note="the linking passes near the origin"),
    ),
    inputs={"synaptic_strength": "1", "lhb_burst_rate": "1", "serotonin_pfc": "1", "inflammation": "1"},
    outputs=("antidepressant_drive", "depression_severity", "madrs", "hamd"),
    initial={"mood": 1.0},
    descriptions={
        "antidepressant_drive": "mechanistic antidepressant drive (log units; 0 untreated)",
        "depression_severity": "depressive severity relative to the untreated state (mechanistic, no placebo)",
        "madrs": "MADRS total (0-60) of a patient with baseline madrs_baseline (mechanism only, no placebo)",
        "hamd": "HAMD-17 total (0-52) from the MADRS by the Leucht 2018 linking",
    },
)
