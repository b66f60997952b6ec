"""Issue 17: the Python API takes quantities wherever a unit applies (numbers in the
documented unit, quantity strings, pint Quantities of any registry), reads them once by the
one parser when a `DoseEvent` or `Patient` is built, and refuses bad ones there, in one
`InputError` line naming the field, instead of a TypeError inside `simulate`."""

import numpy as np
import pint
import pytest

import ketasim as k
from ketasim.errors import InputError
from ketasim.units import ureg

OTHER = pint.UnitRegistry()   # a user's own registry


# ------------------------------------------------------------------------------ DoseEvent
@pytest.mark.parametrize("given, want", [
    (dict(amount="0.5 mg/kg", duration="40 min"), dict(amount=0.5, per_kg=True, duration=40.0)),
    (dict(amount="35 mg", start="2 h"), dict(amount=35.0, per_kg=False, start=120.0)),
    (dict(amount="500 ug/kg", duration="0.5 h"), dict(amount=0.5, per_kg=True, duration=30.0)),
    (dict(amount=ureg.Quantity(0.5, "mg/kg"), duration=ureg.Quantity(40, "min")), dict(amount=0.5, per_kg=True)),
    (dict(amount=OTHER.Quantity(0.035, "g"), start=OTHER.Quantity(1.5, "day")), dict(amount=35.0, start=2160.0)),
    (dict(amount=20, every="3.5 d", count=3), dict(amount=20.0, per_kg=False, every=5040.0, count=3)),
    (dict(amount=0.5, per_kg=True, start=10), dict(amount=0.5, per_kg=True, start=10.0)),
])
def test_dose_event_reads_quantities_into_mg_and_minutes(given, want):
    ev = k.DoseEvent("ketamine", "iv", **given)
    for name, value in want.items():
        assert getattr(ev, name) == pytest.approx(value, rel=1e-12), name
    assert isinstance(ev.amount, float) and isinstance(ev.start, float)


@pytest.mark.parametrize("given, words", [
    (dict(amount="0.5 mg/h"), "DoseEvent.dose: '0.5 mg/h' is not a dose in mg or mg/kg"),
    (dict(amount="50"), "DoseEvent.dose: '50' has no unit"),
    (dict(amount="1,5 mg/kg"), "DoseEvent.dose: '1,5 mg/kg': write decimals with a point"),
    (dict(amount=-1.0), "DoseEvent.dose: must not be negative"),
    (dict(amount=float("nan")), "DoseEvent.dose: must be a finite number"),
    (dict(amount="inf mg"), "DoseEvent.dose: 'inf mg': must be a finite number"),
    (dict(amount=OTHER.Quantity(1.0, "mg/h")), "DoseEvent.dose: '1.0 milligram / hour' is not a dose"),
    (dict(amount="0.5 mg/kg", per_kg=False), "DoseEvent.per_kg: False disagrees with the dose '0.5 mg/kg'"),
    (dict(amount=0.5, start="10 kg"), "DoseEvent.start: '10 kg' is not in a unit of min"),
    (dict(amount=0.5, start="-5 min"), "DoseEvent.start: must not be negative"),
    (dict(amount=0.5, duration=0), "DoseEvent.duration: an infusion lasts a positive time"),
    (dict(amount=0.5, duration=ureg.Quantity(40, "mg")), "DoseEvent.duration: '40 milligram' is not in a unit of min"),
    (dict(amount=0.5, count=3), "DoseEvent.every: a repeat interval is needed when the count is 3"),
    (dict(amount=0.5, count=0, every="1 d"), "DoseEvent.count: must be a whole number of doses, at least 1"),
    (dict(amount=0.5, every="0 h", count=2), "DoseEvent.every: must be a positive time"),
])
def test_dose_event_refuses_bad_quantities_when_built(given, words):
    with pytest.raises(InputError) as info:
        k.DoseEvent("ketamine", "iv", **given)
    assert str(info.value).startswith(words) and "\n" not in str(info.value)


def test_dose_event_errors_name_the_field_it_came_from_and_names_must_be_text():
    with pytest.raises(InputError, match=r"^regimen\[2\]\.dose: "):
        k.DoseEvent("ketamine", "iv", "2 h", field="regimen[2]")
    with pytest.raises(InputError, match=r"^DoseEvent\.drug: expected a name \(str\), got float"):
        k.DoseEvent(0.5, "iv", 0.5)


@pytest.mark.parametrize("drug, route, words", [
    ("ketamin", "iv", "DoseEvent.drug: unknown drug 'ketamin'"),
    ("ketamine", "nasal", "DoseEvent.route: unknown route 'nasal'"),
    ("ketamine", "ip", "DoseEvent.route: 'ip' is a rodent-only route (rat, mouse)"),
])
def test_unknown_drugs_and_routes_are_refused_by_simulate_before_any_solve(drug, route, words):
    """The engine's regimen is drug-agnostic (a router names the targets), so the drug
    vocabulary is checked when the regimen meets a model and species: in `simulate`,
    before anything is solved, naming the event's field."""
    with pytest.raises(InputError) as info:
        k.simulate([k.DoseEvent(drug, route, "0.5 mg/kg")], duration="1 h")
    assert str(info.value).startswith(words) and "\n" not in str(info.value)


def test_the_old_late_type_error_is_now_refused_or_read():
    """`DoseEvent("ketamine", "iv", "0.5 mg/kg")` used to be accepted and then fail inside
    `simulate` with a bare TypeError: it now means 0.5 mg/kg."""
    ev = k.DoseEvent("ketamine", "iv", "0.5 mg/kg")
    assert (ev.amount, ev.per_kg) == (0.5, True)


# ------------------------------------------------------------------------------ Patient
@pytest.mark.parametrize("weight", [80, 80.0, "80 kg", "80000 g", ureg.Quantity(80, "kg"), OTHER.Quantity(0.08, "t")])
def test_patient_weight_in_kg_from_numbers_strings_and_quantities(weight):
    assert k.Patient(weight_kg=weight).weight_kg == pytest.approx(80.0, rel=1e-12)


@pytest.mark.parametrize("given, words", [
    (dict(weight_kg="80 mg"), "patient.weight: a human weighs 30 to 200 kg (got 8e-05 kg)"),
    (dict(weight_kg="80 cm"), "patient.weight: '80 cm' is not in a unit of kg"),
    (dict(weight_kg="80"), "patient.weight: '80' is not in a unit of kg"),
    (dict(weight_kg=float("inf")), "patient.weight: must be a finite number"),
    (dict(weight_kg=-70), "patient.weight: a human weighs 30 to 200 kg"),
    (dict(species="rat", weight_kg="70 kg"), "patient.weight: a rat weighs"),
    (dict(age_years="45 kg"), "patient.age_years: '45 kg' is not in a unit of year"),
    (dict(age_years=-1), "patient.age_years: must not be negative"),
    (dict(bdnf="met"), "patient.bdnf: unknown value 'met'"),
    (dict(species=3), "patient.species: expected a name (str), got int"),
])
def test_patient_refuses_bad_fields_when_built(given, words):
    with pytest.raises(InputError) as info:
        k.Patient(**given)
    assert str(info.value).startswith(words) and "\n" not in str(info.value)


def test_patient_age_in_years():
    assert k.Patient(age_years="45 yr").age_years == pytest.approx(45.0, rel=1e-12)
    assert k.Patient(age_years=ureg.Quantity(6, "month")).age_years == pytest.approx(0.5, rel=1e-12)


# ------------------------------------------------------------------------------ simulate
def test_strings_and_quantities_simulate_exactly_like_numbers():
    numbers = k.simulate([k.DoseEvent("ketamine", "iv", 0.5, per_kg=True, duration=40.0)],
                         k.Patient(weight_kg=80.0), duration=180)
    strings = k.simulate([k.DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min")],
                         k.Patient(weight_kg="80 kg"), duration="3 h")
    pint_q = k.simulate([k.DoseEvent("ketamine", "iv", OTHER.Quantity(500, "ug/kg"), duration=OTHER.Quantity(40, "min"))],
                        k.Patient(weight_kg=ureg.Quantity(80, "kg")), duration=ureg.Quantity(3, "h"))
    assert numbers.attrs["regimen"] == strings.attrs["regimen"] == pint_q.attrs["regimen"]
    assert numbers.attrs["patient"] == strings.attrs["patient"] == pint_q.attrs["patient"]
    for ds in (strings, pint_q):
        assert ds.equals(numbers)   # every value and the grid, bit for bit
    assert float(numbers.plasma_ketamine.max()) > 100   # a real course, not zeros


def test_simulate_reads_the_duration_and_output_times_with_units():
    reg = [k.DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min")]
    hours = k.simulate(reg, duration="2 h", times=ureg.Quantity([0.0, 0.5, 1.0, 2.0], "h"))
    mixed = k.simulate(reg, duration=ureg.Quantity(120, "min"), times=[0, "30 min", "1 h", 120.0])
    # the infusion's end (40 min) is always added to the times asked for
    assert list(hours.time.values) == list(mixed.time.values) == [0.0, 30.0, 40.0, 60.0, 120.0]
    assert hours.equals(mixed)
    with pytest.raises(InputError, match=r"^duration: '2 kg' is not in a unit of min"):
        k.simulate(reg, duration="2 kg")
    with pytest.raises(InputError, match=r"^times\[1\]: '1 mg' is not in a unit of min"):
        k.simulate(reg, duration="2 h", times=[0, "1 mg"])
    with pytest.raises(InputError, match=r"^times: unit: "):
        k.simulate(reg, duration="2 h", times=ureg.Quantity([0.0, 1.0], "kg"))


def test_parameter_overrides_take_quantities_in_any_unit_of_their_dimension():
    reg = [k.DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min")]
    per_h = k.simulate(reg, duration="2 h", parameters={"ketamine_s.cl": 60.0})             # the unit, L/h
    per_min = k.simulate(reg, duration="2 h", parameters={"ketamine_s.cl": "1 L/min"})
    ml_per_min = k.simulate(reg, duration="2 h", parameters={"ketamine_s.cl": OTHER.Quantity(1000, "mL/min")})
    default = k.simulate(reg, duration="2 h")
    for ds in (per_min, ml_per_min):
        np.testing.assert_allclose(ds.plasma_ketamine.values, per_h.plasma_ketamine.values, rtol=1e-12)
    assert not np.allclose(default.plasma_ketamine.values, per_h.plasma_ketamine.values, rtol=1e-3)
    with pytest.raises(InputError, match=r"^parameters\.ketamine_s\.cl: '2 kg' is not in a unit of L/h"):
        k.simulate(reg, duration="2 h", parameters={"ketamine_s.cl": "2 kg"})
    with pytest.raises(InputError, match=r"^parameters\.ketamine_s\.cl: 6 L/h is outside"):   # bounds 30-300 L/h
        k.simulate(reg, duration="2 h", parameters={"ketamine_s.cl": "0.1 L/min"})
