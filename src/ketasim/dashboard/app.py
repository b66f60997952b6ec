"""The ketasim explorer: a Streamlit page (`ketasim serve` runs it with `streamlit run`).

The user picks a schedule preset, drug, route, dose, patient and hypotheses for one
regimen, or two side by side; the page simulates each (cached by the validated request),
shows headline numbers as text and the cascade from plasma level to MADRS on one time
axis, and can run a small virtual trial of the regimens as arms with a progress bar.
Every input goes through `ketasim.dashboard.inputs` (the experiment-file schema plus the
explorer's limits); a refusal is one `st.error` line naming the field. Anything else that
goes wrong while simulating (a bug, a failed solve) is also one `st.error` line (`fault_line`),
with the traceback in the server's log, never a raw exception box on the page. Nothing
typed here reaches a file path or a shell.
"""

from __future__ import annotations

import logging

import streamlit as st

from ketasim.dashboard.cascade import Cascade, headline, simulate_request
from ketasim.dashboard.figure import cascade_figure
from ketasim.dashboard.inputs import (HUMAN_DRUGS, LIMITS, Request, RegimenForm, TrialForm, build_request,
                                      build_trial, human_routes)
from ketasim.dashboard.presets import DEFAULT_PRESET, PRESETS
from ketasim.dashboard.trial import run_small_trial
from ketasim.errors import InputError
from ketasim.mechanisms.plasticity import SUBJECT_SETTINGS
from ketasim.mechanisms.registry import HYPOTHESES
from ketasim.patient import CYP2B6_GENOTYPES
from ketasim.simulate import SimulationError
from ketasim.trial.cohorts import COHORTS

LOG = logging.getLogger("ketasim.explorer")
TITLE = "ketasim explorer"
DISCLAIMER = ("A research and teaching tool: model predictions from published mechanisms, "
              "not for clinical dosing or any decision about a patient.")


@st.cache_data(max_entries=32, show_spinner="Simulating the cascade (the first run compiles the model)...")
def cached_cascade(key: str, _request: Request) -> Cascade:
    """The cascade of a validated request; cached by its canonical key (the request itself is not hashed)."""
    return simulate_request(_request)


def fault_line(where: str, exc: BaseException) -> str:
    """One line for an error that is not a refusal of input: where, the error's type and its
    first line (the traceback goes to the server's log)."""
    LOG.error("%s failed", where, exc_info=exc)
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{where}: could not be computed ({type(exc).__name__}{': ' + first if first else ''})"


def _index(options, value) -> int:
    options = list(options)
    return options.index(value) if value in options else 0


def regimen_form(side: str) -> RegimenForm:
    """The widgets of one regimen; the form as typed. Widget keys include the preset, so that
    choosing a preset fills the form with its values."""
    preset = st.selectbox("Schedule", list(PRESETS), index=_index(PRESETS, DEFAULT_PRESET),
                          format_func=lambda k: PRESETS[k].label, key=f"{side}-preset")
    p = PRESETS[preset]
    k = f"{side}-{preset}"
    drug = route = dose = infusion = None
    if p.procedure is None:
        c1, c2 = st.columns(2)
        drug = c1.selectbox("Drug", HUMAN_DRUGS, index=_index(HUMAN_DRUGS, p.drug), key=f"{k}-drug")
        routes = human_routes(drug)
        route = c2.selectbox("Route", routes, index=_index(routes, p.route), key=f"{k}-{drug}-route")
        dose = c1.text_input("Dose", p.dose or "", key=f"{k}-dose",
                             help=f"mg/kg or mg, e.g. '0.5 mg/kg' or '56 mg'. {p.dose_hint}".strip())
        infusion = c2.text_input("Infusion duration", p.infusion or "", key=f"{k}-infusion",
                                 help="IV only, e.g. '40 min'; empty for a bolus (or a non-IV route)")
    else:
        st.caption(f"Procedure: {p.procedure.upper()} sessions (each a seizure that drives the plasticity chain).")
    c1, c2 = st.columns(2)
    count = c1.number_input("Number of doses", min_value=1, value=p.count, step=1, key=f"{k}-count",
                            help=f"at most {LIMITS.max_doses}")
    every = c2.text_input("Interval between doses", p.every or "", key=f"{k}-every",
                          help="e.g. '1 d', '3.5 d', '56 h' (used when there is more than one dose)")
    duration = st.text_input("Simulated time", p.duration, key=f"{k}-duration",
                             help=f"e.g. '24 h' or '28 d'; at most {LIMITS.max_duration_min / 1440 / 7:g} weeks")
    with st.expander("Patient"):
        weight = st.text_input("Weight", "70 kg", key=f"{side}-weight")
        cyp2b6 = st.selectbox("CYP2B6 genotype", CYP2B6_GENOTYPES, key=f"{side}-cyp2b6")
        bdnf = st.selectbox("BDNF Val66Met", list(SUBJECT_SETTINGS["bdnf"]), key=f"{side}-bdnf")
        trkb = st.selectbox("TrkB", list(SUBJECT_SETTINGS["trkb"]), key=f"{side}-trkb")
        stress = st.selectbox("Chronic stress (fewer prefrontal spines)", list(SUBJECT_SETTINGS["stress"]),
                              key=f"{side}-stress")
        madrs = st.number_input("Severity: untreated MADRS (0-60)", value=32.0, step=1.0, key=f"{side}-madrs")
    with st.expander("Hypotheses"):
        hyp = tuple((name, st.selectbox(name, values, key=f"{side}-hyp-{name}")) for name, values in HYPOTHESES.items())
    return RegimenForm(preset=preset, drug=drug, route=route, dose=dose, infusion=infusion, every=every,
                       count=int(count), duration=duration, weight=weight, cyp2b6=cyp2b6, bdnf=bdnf, trkb=trkb,
                       stress=stress, madrs_baseline=madrs, hypotheses=hyp)


def show_headline(c: Cascade) -> None:
    h = headline(c)
    left, right = st.columns(2)
    if h.peak_plasma is not None:
        left.metric("Peak plasma ketamine", f"{h.peak_plasma:.1f} ng/mL")
    if h.peak_block is not None:
        right.metric("Peak NMDA block (interneurons)", f"{100 * h.peak_block:.1f} %")
    if h.peak_spines is not None:
        left.metric("Peak spine density (x baseline)", f"{h.peak_spines:.3f}")
    if h.madrs_end is not None:
        right.metric("MADRS at the end", f"{h.madrs_end:.1f}", delta=f"{h.madrs_end - h.madrs_start:+.1f} points",
                     delta_color="inverse")


def trial_section(requests: dict[str, Request], complete: bool) -> None:
    st.header("Small virtual trial")
    st.caption(f"The regimens above as arms; patients drawn from a cohort (the patient fields above do not apply). "
               f"At most {LIMITS.max_trial_patients} patients per arm. The first trial compiles the model for "
               f"batches of patients (a minute or two).")
    c1, c2, c3, c4 = st.columns(4)
    cohort = c1.selectbox("Cohort", list(COHORTS), format_func=lambda n: f"{n}: {COHORTS[n].description}",
                          key="trial-cohort")
    patients = c2.number_input("Patients per arm", min_value=1, value=20, step=1, key="trial-patients")
    seed = c3.number_input("Seed", min_value=0, value=0, step=1, key="trial-seed")
    duration = c4.text_input("Trial duration", "7 d", key="trial-duration")
    if st.button("Run trial", key="trial-run"):
        try:
            if not complete:
                raise InputError("trial.arms: correct the regimens above first")
            req = build_trial(TrialForm(cohort, int(patients), int(seed), duration), requests)
            bar = st.progress(0.0, text="starting the trial...")
            view = run_small_trial(req, lambda done, total: bar.progress(
                done / max(total, 1), text=f"{done} of {total} patients"))
            st.session_state["trial"] = view
        except (InputError, SimulationError) as exc:
            st.error(f"Trial: {exc}")
        except Exception as exc:  # never a raw exception box: one line, the traceback in the log
            st.error(fault_line("Trial", exc))
    view = st.session_state.get("trial")
    if view is not None:
        st.subheader(view.title)
        st.caption(f"{view.patients} patients per arm, {view.wall_s:.1f} s. Endpoints at the end of the trial, "
                   "estimate [95% bootstrap interval].")
        st.dataframe(list(view.rows), hide_index=True)
        st.line_chart({"day": view.visits, **{f"mean MADRS ({a})": v for a, v in view.mean_madrs.items()}},
                      x="day", y_label="mean MADRS")


def main() -> None:
    st.set_page_config(page_title=TITLE, layout="wide")
    st.title(TITLE)
    st.caption(DISCLAIMER)
    compare = st.toggle("Compare two regimens side by side", value=False, key="compare")
    sides = ("A", "B") if compare else ("A",)
    left, right = st.columns([1, 2], gap="large")
    with left:
        tabs = st.tabs([f"Regimen {s}" for s in sides])
    slots = dict(zip(sides, right.columns(len(sides))))
    requests: dict[str, Request] = {}
    cascades: dict[str, Cascade] = {}
    for side, tab in zip(sides, tabs):
        with tab:
            form = regimen_form(side)
        with slots[side]:
            if compare:
                st.subheader(f"Regimen {side}")
            try:
                requests[side] = build_request(form)
                cascades[side] = cached_cascade(requests[side].key(), requests[side])
                show_headline(cascades[side])
            except (InputError, SimulationError) as exc:
                st.error(f"Regimen {side}: {exc}")
            except Exception as exc:  # never a raw exception box: one line, the traceback in the log
                st.error(fault_line(f"Regimen {side}", exc))
    if cascades:
        with right:
            st.subheader("The cascade, from dose to symptoms")
            st.pyplot(cascade_figure(cascades))
    trial_section({s: r for s, r in requests.items() if s in cascades}, complete=len(cascades) == len(sides))

main()
