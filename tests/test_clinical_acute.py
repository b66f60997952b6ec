"""Acute (CADSS, sedation, analgesia) and adverse (bladder, dependence) effects of the clinical layer."""

import numpy as np
import pytest

import ketasim
from ketasim import DoseEvent
from ketasim.mechanisms.clinical.acute import CADSS, KETAMINE_EQUIVALENT, acute_modules
from ketasim.mechanisms.clinical.adverse import adverse_modules
from ketasim.mechanisms.pk_ketamine import ketamine_module
from ketasim.parameters import UNSOURCED
from ketasim.references import lookup

DAY = 1440.0
OBSERVABLES = ("cadss", "sedation", "analgesia", "bladder_risk", "abuse_liability")


def infusion(drug="ketamine", mg_per_kg=0.5, minutes=40.0, start=0.0):
    return DoseEvent(drug, "iv", mg_per_kg, per_kg=True, start=start, duration=minutes)


@pytest.fixture(scope="module")
def standard():
    """The standard antidepressant infusion, 0.5 mg/kg over 40 min, 3 h on a 1-min grid."""
    return ketasim.simulate([infusion()], duration="3 h")


def test_observables_exist_with_units_and_bounds(standard):
    for name in OBSERVABLES:
        assert name in standard, name
        assert standard[name].attrs["units"] == "1", name
        assert standard[name].attrs["long_name"], name
        y = standard[name].values
        assert np.all(np.isfinite(y)) and y.min() >= 0.0, name
        assert y.max() <= (92.0 if name == "cadss" else 1.0), name
    # nothing before the dose: all five are zero at baseline
    assert all(float(standard[n][0]) == 0.0 for n in OBSERVABLES)


def test_module_parameters_are_sourced_or_explained():
    mods = acute_modules(frozenset({"midazolam"})) + adverse_modules(frozenset())
    names = {m.name for m in mods}
    assert names == {"ketamine_equivalent", "dissociation", "sedation", "analgesia", "bladder", "abuse"}
    for m in mods:
        for p in m.parameters:
            if p.source in UNSOURCED:
                assert len(p.note) > 40, (m.name, p.name)
            else:
                lookup(p.source)  # raises on an unknown reference key
    # midazolam enters sedation only when it is dosed
    plain = {m.name: m for m in acute_modules(frozenset())}
    assert "plasma_midazolam" not in plain["sedation"].inputs
    with_mdz = {m.name: m for m in acute_modules(frozenset({"midazolam"}))}
    assert with_mdz["sedation"].inputs["plasma_midazolam"] == "ng/mL"


def test_cadss_peaks_at_end_of_infusion_and_resolves_by_two_hours(standard):
    t = standard["time"].values
    cadss = standard["cadss"].values
    peak = cadss.max()
    assert 35.0 <= t[np.argmax(cadss)] <= 45.0
    assert 5.0 < peak < 15.0   # mean CADSS after the infusion is about 8 (van Schalkwyk 2018)
    # resolved by 2 h: at most 4 points (the library's clinical-acute-cadss-standard-infusion:
    # dissociation resolves 1.5-2 h after dosing, Spravato label)
    assert float(standard["cadss"].sel(time=120.0)) < 4.0
    # patients stay responsive at the antidepressant dose, and analgesia follows the block
    assert standard["sedation"].values.max() < 0.1
    assert 0.5 < standard["analgesia"].values.max() < 0.95
    assert t[np.argmax(standard["analgesia"].values)] == pytest.approx(40.0, abs=5.0)


def steady_state(module, inputs):
    """Evaluate a module's assignments in order at the given inputs (declared units, no dynamics)."""
    values = {p.name: p.value for p in module.parameters} | dict(inputs)
    for eq in module.assignments:
        values[eq.name] = float(eq.expr.subs(values))
    return values


def test_cadss_is_nearly_linear_in_plasma_ketamine_over_50_to_200_ng_per_ml():
    # Bowdle 1998: at steady state the effect site equals plasma; racemic, so S = R = C/2
    molar_mass = next(p.value for p in ketamine_module("s").parameters if p.name == "molar_mass")
    c = np.array([50.0, 100.0, 150.0, 200.0])                     # ng/mL racemic
    y = np.array([steady_state(CADSS, steady_state(KETAMINE_EQUIVALENT, {"brain_s_ketamine": x / 2 / molar_mass,
                                                                        "brain_r_ketamine": x / 2 / molar_mass}))["cadss"]
                  for x in c])
    assert np.corrcoef(c, y)[0, 1] > 0.99                          # Bowdle: R 0.93-0.99
    slopes = np.diff(y) / np.diff(c)
    assert slopes.max() / slopes.min() < 1.3                       # straight, not quadratic (x^2 gives 2.3)
    assert y[0] < 0.2 * y[-1]                                      # small effects at 50 ng/mL
    # below the range the curve flattens: 30 ng/mL (2 h after the infusion) gives under 5% of 200 ng/mL
    low = steady_state(CADSS, steady_state(KETAMINE_EQUIVALENT, {"brain_s_ketamine": 15 / molar_mass,
                                                                 "brain_r_ketamine": 15 / molar_mass}))["cadss"]
    assert low < 0.05 * y[-1]


def test_esketamine_is_about_twice_as_potent_as_the_racemate(standard):
    esk = ketasim.simulate([infusion("esketamine", 0.25)], duration="3 h")
    ratio = esk["cadss"].values.max() / standard["cadss"].values.max()
    # half the dose of the S-enantiomer: 1.65-fold potency (Ebert 1997 affinities) gives about 0.8
    assert 0.7 < ratio < 1.0


@pytest.mark.xfail(strict=True, reason=(
    "issue 20: since the effect site follows arterial plasma (the front end of the 1-min dose) the induction "
    "works (sedation 0.95-0.97 at 2-6 min, analgesia 0.98 at 5 min), but recovery misses: sedation 0.117 at "
    "60 min against < 0.1, because the venous population model's 110 L central volume and deep compartment "
    "bring the level down more slowly after a bolus than Domino's. Passes with ketamine_pk = domino1982."))
def test_anaesthetic_dose_sedates_and_relieves_pain():
    check_anaesthesia(ketasim.simulate([infusion(mg_per_kg=2.0, minutes=1.0)], duration="3 h"))


def test_anaesthetic_dose_sedates_and_relieves_pain_with_the_domino_plasma():
    """The sedation and analgesia modules themselves induce and recover at 2 mg/kg when the effect
    site follows Domino's fast-mixing plasma (the xfail above is the venous PK's slower fall after
    a bolus, not these modules)."""
    check_anaesthesia(ketasim.simulate([infusion(mg_per_kg=2.0, minutes=1.0)], duration="3 h",
                                       hypotheses={"ketamine_pk": "domino1982"}))


def check_anaesthesia(ds):
    assert ds["sedation"].sel(time=slice(2.0, 6.0)).values.min() > 0.9
    assert ds["analgesia"].sel(time=5.0) > 0.95
    # recovery: responsive again within the hour as ketamine redistributes
    assert float(ds["sedation"].sel(time=60.0)) < 0.1


def test_midazolam_active_placebo_sedates_more_than_saline_and_adds_to_ketamine(standard):
    mdz = ketasim.simulate([infusion("midazolam", 0.045)], duration="3 h")
    sal = ketasim.simulate([infusion("saline", 0.045)], duration="3 h")
    assert 0.005 < mdz["sedation"].values.max() < 0.1   # mild, responsive
    assert sal["sedation"].values.max() == 0.0
    assert mdz["cadss"].values.max() == 0.0              # no dissociation from midazolam
    assert mdz["bladder_risk"].values.max() == 0.0 and mdz["abuse_liability"].values.max() == 0.0
    both = ketasim.simulate([infusion(), infusion("midazolam", 0.045)], duration="3 h")
    alone = standard
    at = dict(time=40.0)
    assert float(both["sedation"].sel(**at)) > float(alone["sedation"].sel(**at)) + float(mdz["sedation"].sel(**at))
    assert float(both["cadss"].sel(**at)) == pytest.approx(float(alone["cadss"].sel(**at)), rel=1e-9)


def test_repeated_use_bladder_and_dependence_rise_with_frequency_and_fall_after_stopping():
    # 250 mg intranasal sessions: weekly for 4 weeks, twice weekly for 4 weeks, then 4 weeks off
    regimen = [DoseEvent("ketamine", "intranasal", 250.0, per_kg=False, start=0.0, every=7 * DAY, count=4),
               DoseEvent("ketamine", "intranasal", 250.0, per_kg=False, start=28 * DAY, every=3.5 * DAY, count=8)]
    ts = np.arange(0.0, 84 * DAY + 1.0, DAY / 4)
    ds = ketasim.simulate(regimen, duration=84 * DAY, times=ts)
    at = lambda name, d: float(ds[name].sel(time=d * DAY))  # noqa: E731

    # bladder: damage integrates exposure (linear) and is repaired with a one-year time constant
    tau = 365.0
    d0, d28, d56 = (at("bladder_damage", d) for d in (0, 28, 56))
    assert abs(d0) <= 1e-12 * d28 and d28 > 0.0  # 0 up to the modal transform's rounding
    gain_weekly = d28
    gain_twice = d56 - d28 * np.exp(-28 / tau)
    assert 1.8 < gain_twice / gain_weekly < 2.2                    # twice the sessions, twice the damage
    assert at("bladder_risk", 56) > at("bladder_risk", 28) > 0.0
    peak = ds["bladder_damage"].values.max()
    t_peak = float(ds["time"][np.argmax(ds["bladder_damage"].values)]) / DAY
    assert 52.5 < t_peak < 56                                      # rises until the last dose (day 52.5) has cleared
    assert at("bladder_damage", 84) / peak == pytest.approx(np.exp(-(84 - t_peak) / tau), rel=0.01)
    assert at("bladder_risk", 84) < at("bladder_risk", 56)         # falls after stopping

    # dependence: each session reinforces, blunted by dopamine tolerance; extinction when use stops
    w0, w28, w56 = (at("reinforcement_history", d) for d in (0, 28, 56))
    assert w0 == 0.0 and w28 > 0.0
    ratio = (w56 - w28 * np.exp(-28 / 180.0)) / w28
    assert 1.2 < ratio < 2.0                                       # more than weekly, less than twofold
    tol = ds["dopamine_tolerance"]
    assert float(tol.sel(time=slice(28 * DAY, 56 * DAY)).max()) > float(tol.sel(time=slice(0, 28 * DAY)).max())
    assert at("abuse_liability", 56) > at("abuse_liability", 28)
    assert at("abuse_liability", 84) < float(ds["abuse_liability"].max())
