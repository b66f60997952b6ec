"""The whole exported model in two independent engines, libRoadRunner and COPASI, matches ketasim.

Every observable of the full model (every layer, circuit surrogate included) is compared
with ketasim's SciPy reference to `agreement.TOLERANCE` (1e-4) relative, outside values
below `agreement.FLOOR` (1e-6) of the observable's largest magnitude (see
`ketasim.export.agreement` for why), in both forms of the export in COPASI and in the
staged form in libRoadRunner (the rules form takes it more than 20 minutes to load). The
staged form loads in about 3 s in libRoadRunner and either form in under a second in
COPASI (`benchmarks/sbml_engines.py`), so these round trips are in the default suite.
"""

from __future__ import annotations

import numpy as np
import pytest

import ketasim
from ketasim import DoseEvent, Patient
from ketasim.export.agreement import TOLERANCE, worst_differences
from ketasim.export.engines import ENGINES, run_engine
from ketasim.export.sbml import to_sbml
from ketasim.mechanisms.registry import HYPOTHESES
from ketasim.simulate import model_for, schedule_for

STANDARD = (DoseEvent("ketamine", "iv", 0.5, per_kg=True, start=0, duration=40),)
COURSE = (DoseEvent("ketamine", "iv", 0.5, per_kg=True, duration=40, every="2 d", count=6),)
MIXED = STANDARD + (DoseEvent("ketamine", "oral", 50.0, start=60), DoseEvent("ketamine", "iv", 10.0, start=200))
CASES = {  # regimen, duration (min), output times (min; the bolus and oral dose times among them)
    "standard-infusion": (STANDARD, 360.0, np.arange(0.0, 361.0)),
    "repeated-course": (COURSE, 14 * 1440.0, np.arange(0.0, 14 * 1440.0 + 1, 10.0)),
    "infusion-oral-bolus": (MIXED, 360.0, np.arange(0.0, 361.0)),
}
ALTERNATIVES = {name: values[1] for name, values in HYPOTHESES.items()}  # every switch off its default


def round_trip(engine: str, case: str, form: str = "staged", hypotheses: dict | None = None,
               weight: float = 70.0) -> dict[str, tuple[float, int]]:
    """Export the full model with the case's schedule, run it in `engine`, and return the
    worst relative difference per observable against ketasim (SciPy backend)."""
    regimen, duration, ts = CASES[case]
    patient = Patient(weight_kg=weight)
    model = model_for(regimen, patient.species, hypotheses)
    model = model.with_parameters(model.parameters.with_mapping(patient.overrides()))
    text = to_sbml(model, schedule_for(model, regimen, patient.weight, duration), form)
    names = list(model.observable_names)
    got = run_engine(engine, text, ts, names)
    ref = ketasim.simulate(regimen, patient=patient, duration=f"{duration} min", times=ts,
                           hypotheses=hypotheses, backend="scipy").sel(time=ts)
    assert set(names) <= set(ref.data_vars)
    assert np.abs(ref["plasma_ketamine"].values).max() > 0
    return worst_differences(got, np.stack([ref[n].values for n in names], axis=1), names)


def far(worst: dict[str, tuple[float, int]], tolerance: float = TOLERANCE) -> dict[str, float]:
    """The observables whose worst difference exceeds the tolerance."""
    return {name: err for name, (err, _) in worst.items() if err > tolerance}


@pytest.mark.parametrize("case", ["standard-infusion", "repeated-course"])
@pytest.mark.parametrize("engine", ENGINES)
def test_full_model_matches_ketasim(engine, case):
    worst = round_trip(engine, case)
    assert len(worst) == len(model_for(CASES[case][0], "human", None).observables) >= 90
    assert not far(worst), f"{engine}, {case}: observables differ from ketasim: {far(worst)}"


@pytest.mark.parametrize("engine", ENGINES)
def test_bolus_events_at_another_weight_match_ketasim(engine):
    """Events that jump states (an oral dose, an IV bolus) while stage states are relaxing."""
    worst = round_trip(engine, "infusion-oral-bolus", weight=80.0)
    assert not far(worst), f"{engine}: observables differ from ketasim: {far(worst)}"


@pytest.mark.parametrize("engine", ENGINES)
def test_every_hypothesis_alternative_matches_ketasim(engine):
    worst = round_trip(engine, "standard-infusion", hypotheses=ALTERNATIVES, weight=80.0)
    assert not far(worst), f"{engine}, {ALTERNATIVES}: observables differ from ketasim: {far(worst)}"


@pytest.mark.parametrize("case", list(CASES))
def test_rules_form_matches_ketasim_in_copasi(case):
    """The rules form (every assignment a rule, no stage states: no relaxation lag) in COPASI,
    which evaluates rules in order and so loads it as fast as the staged form."""
    worst = round_trip("copasi", case, form="rules", weight=80.0 if case == "infusion-oral-bolus" else 70.0)
    assert not far(worst), f"copasi, rules, {case}: observables differ from ketasim: {far(worst)}"
