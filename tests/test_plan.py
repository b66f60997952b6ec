"""Protocol -> plan: every unit string of a protocol parsed once, into canonical numbers."""

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.experiments.loader import parse_experiment
from ketasim.experiments.plan import experiment_plan, one_dose_regimen


def _experiment(**protocol):
    base = {"duration": "3 h", "patient": {"weight": "80 kg", "age": "30 year"},
            "doses": [{"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "duration": "40 min",
                       "start": "1 h", "repeat": {"every": "1 d", "count": 2}}],
            "reference_doses": [{"drug": "ketamine", "route": "iv", "dose": "20 mg"}]}
    base.update(protocol)
    return parse_experiment({"id": "x", "title": "x", "source": "test", "tags": ["pk"], "protocol": base,
                             "measure": [{"observable": "plasma_ketamine", "statistic": "ratio_to_baseline", "at": "2 h",
                                          "baseline_at": "30 min", "unit": "1", "expected": 1.0, "rel_tol": 0.1},
                                         {"observable": "plasma_ketamine", "statistic": "auc",
                                          "window": ["0.5 h", "90 min"], "unit": "ng*h/mL", "expected": 1.0,
                                          "rel_tol": 0.1}]})


def test_an_experiment_plan_holds_minutes_mg_and_kg():
    plan = experiment_plan(_experiment())
    assert plan.duration == 180.0 and plan.times[0] == 0.0 and plan.times[-1] == 180.0
    assert np.all(np.diff(plan.times) == 1.0)            # scored on a 1-min grid up to a day
    (ev,) = plan.regimen
    assert (ev.amount, ev.per_kg, ev.start, ev.duration, ev.every, ev.count) == (0.5, True, 60.0, 40.0, 1440.0, 2)
    (ref,) = plan.reference_regimen
    assert (ref.amount, ref.per_kg, ref.duration) == (20.0, False, None)
    assert plan.patient.weight == 80.0 and plan.patient.age_years == 30.0
    first, second = plan.measures
    assert (first.at, first.baseline_at, first.window) == (120.0, 30.0, None)
    assert (second.at, second.window) == (None, (30.0, 90.0))
    # with a reference regimen every measure carries both totals (mg): 0.5 mg/kg x 80 kg x 2 doses, 20 mg
    assert (first.dose, first.reference_dose) == (80.0, 20.0)


def test_a_bad_unit_is_refused_once_naming_its_field():
    # refused at load (the schema reads every quantity string with the one parser), the file's field named
    with pytest.raises(InputError, match=r"^<data>: protocol\.doses\[0\]\.duration: '5 mg' is not in a unit of min"):
        experiment_plan(_experiment(doses=[{"drug": "ketamine", "route": "iv", "dose": "1 mg", "duration": "5 mg"}]))
    with pytest.raises(InputError, match=r"^protocol\.duration: must be positive"):
        experiment_plan(_experiment(duration="0 min"))


def test_the_command_line_regimen_goes_through_the_same_parsing():
    (ev,) = one_dose_regimen("ketamine", "iv", "0.5 mg/kg", "40 min", "12 h", 3)
    assert (ev.amount, ev.per_kg, ev.start, ev.duration, ev.every, ev.count) == (0.5, True, 0.0, 40.0, 720.0, 3)
    (bolus,) = one_dose_regimen("ketamine", "im", "50 mg", "40 min")   # infusion ignored for IM
    assert bolus.duration is None and bolus.amount == 50.0 and not bolus.per_kg
    with pytest.raises(InputError, match=r"^--infusion"):
        one_dose_regimen("ketamine", "iv", "50 mg", "forty")
