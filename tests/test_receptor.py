"""The NMDA receptor layer: one scheme, two uses, and why interneurons are blocked more."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.engine.evaluate import evaluate_module
from ketasim.mechanisms.nmda import nmda_module
from ketasim.receptor.clamp import Step, blockers_of, composition, steady_block, steady_conductance, time_course
from ketasim.receptor.parameters import BLOCKERS, CELLS, SUBTYPES
from ketasim.receptor.scheme import Bath, blocked_fraction_closed_form, generator, steady_state
from ketasim.receptor.values import DEFAULT, ReceptorValues


def slow_model_values(module, brain_um: dict[str, float], overrides: dict[str, float] | None = None) -> dict:
    """The slow-model module's assignments (canonical units) at given brain levels (uM)."""
    return {k: float(v) for k, v in evaluate_module(module, brain_um, overrides).items()}


QSS = nmda_module("quasi_steady")


@pytest.mark.parametrize("conc", [0.03, 0.3, 1.0, 3.0, 30.0])
@pytest.mark.parametrize("voltage", [-90.0, -66.0, -40.0, 0.0, 30.0])
def test_slow_model_block_equals_the_kinetic_schemes_steady_state(conc, voltage):
    """Per subtype: Markov stationary distribution == slow-model expression, Mg2+ 1 mM."""
    brain = {"brain_s_ketamine": conc / 2, "brain_r_ketamine": conc / 2, "brain_s_norketamine": conc / 5,
             "brain_hnk": conc}
    env = slow_model_values(QSS, brain, {"membrane_potential_pyramidal": voltage})
    for s in SUBTYPES:
        bath = Bath(100.0, 10.0, DEFAULT.get("magnesium", "mM"), voltage,
                    {"s_ketamine": conc / 2, "r_ketamine": conc / 2, "s_norketamine": conc / 5, "hnk": conc})
        markov = steady_block(DEFAULT, {s: 1.0}, bath)
        assert markov == pytest.approx(env[f"block_pyramidal_{s}"], rel=1e-6, abs=1e-9)
        assert markov == pytest.approx(blocked_fraction_closed_form(DEFAULT, s, bath), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("subtype", SUBTYPES)
def test_kinetic_simulation_run_long_reaches_the_steady_state(subtype):
    bath = Bath(100.0, 10.0, 1.0, -50.0, blockers_of("ketamine", 1.0))
    g_end = time_course(DEFAULT, {subtype: 1.0}, [Step(0.0, bath)], np.array([3_600_000.0]))[0]  # 1 h (2C/2D open rarely)
    p = steady_state(generator(DEFAULT, subtype, bath))
    from ketasim.receptor.scheme import conducting
    assert g_end == pytest.approx(conducting(DEFAULT, subtype, bath, p), rel=1e-5)


def test_mg_competition_raises_ic50_more_at_2a_2b_than_at_2c_2d():
    """Kotermanski & Johnson: in 1 mM Mg2+ ketamine becomes 2C/2D-preferring."""
    def block(s, mg):
        return steady_block(DEFAULT, {s: 1.0}, Bath(100, 10, mg, -66, blockers_of("ketamine", 1.0)))
    assert block("glun2a", 0) > block("glun2c", 0)  # without Mg2+ 2A is the more sensitive
    assert block("glun2c", 1.0) > 2 * block("glun2a", 1.0)
    assert block("glun2d", 1.0) > 1.5 * block("glun2b", 1.0)


@pytest.mark.parametrize("conc", [0.5, 1.0])
def test_interneurons_are_blocked_more_than_pyramidal_cells(conc):
    env = slow_model_values(QSS, {"brain_s_ketamine": conc / 2, "brain_r_ketamine": conc / 2})
    assert env["nmda_block_interneuron"] > 1.3 * env["nmda_block_pyramidal"]
    assert env["nmda_block_pv"] > env["nmda_block_pyramidal"]
    assert env["nmda_block_sst"] > env["nmda_block_pyramidal"]


def _as_pyramidal(cell: str) -> dict[str, float]:
    """Overrides that give `cell` the pyramidal cell's subunits, voltage and input."""
    vals = {x.name: x.value for x in QSS.parameters}
    out = {f"membrane_potential_{cell}": vals["membrane_potential_pyramidal"],
           f"input_rate_{cell}": vals["input_rate_pyramidal"]}
    out.update({f"fraction_{cell}_{s}": vals[f"fraction_pyramidal_{s}"] for s in SUBTYPES})
    return out


def test_the_difference_comes_from_subunits_and_voltage_not_a_hand_set_factor():
    brain = {"brain_s_ketamine": 0.4, "brain_r_ketamine": 0.4}
    same = slow_model_values(QSS, brain, {**_as_pyramidal("pv"), **_as_pyramidal("sst")})
    assert same["nmda_block_pv"] == pytest.approx(same["nmda_block_pyramidal"], rel=1e-12)
    assert same["nmda_block_sst"] == pytest.approx(same["nmda_block_pyramidal"], rel=1e-12)
    # each mechanism alone raises interneuron block
    vals = {x.name: x.value for x in QSS.parameters}
    subunits_only = {k: v for k, v in _as_pyramidal("pv").items() if not k.startswith("fraction_")}
    voltage_only = {k: v for k, v in _as_pyramidal("pv").items() if not k.startswith("membrane_potential_")}
    base = slow_model_values(QSS, brain)["nmda_block_pyramidal"]
    assert slow_model_values(QSS, brain, subunits_only)["nmda_block_pv"] > 1.2 * base
    assert slow_model_values(QSS, brain, voltage_only)["nmda_block_pv"] > 1.05 * base
    assert vals["membrane_potential_pv"] > vals["membrane_potential_pyramidal"]


def test_standard_infusion_blocks_interneurons_more_and_block_follows_brain_levels():
    import ketasim
    from ketasim.engine.dosing import DoseEvent

    ds = ketasim.simulate([DoseEvent("ketamine", "iv", 0.5, True, 0.0, 40.0, None, 1, None, "d")], duration=240)
    brain = ds["brain_ketamine"].values
    assert 0.5 <= brain.max() <= 1.2  # uM, the antidepressant range of the receptor layer
    pyr, inter = ds["nmda_block_pyramidal"].values, ds["nmda_block_interneuron"].values
    assert inter.max() > 1.3 * pyr.max()
    assert 0.05 < pyr.max() < 0.5
    # the block reads S and R weighted by their NMDA affinities, brain_ketamine their plain sum;
    # with S cleared faster than R (issue 20) the two peaks may fall one output minute apart
    assert abs(int(np.argmax(inter)) - int(np.argmax(brain))) <= 1
    for name in ("nmda_block_glun2a", "nmda_block_glun2d", "mor_occupancy", "kor_occupancy"):
        assert ds[name].attrs["units"] == "1"
        assert 0.0 <= float(ds[name].min()) and float(ds[name].max()) < 1.0
    assert float(ds["mor_occupancy"].max()) < 0.05  # Ki 42 uM against about 1 uM


def test_trapped_block_does_not_recover_without_agonist():
    bath = Bath(100.0, 10.0, 0.0, -60.0)
    shares = composition(DEFAULT, "pyramidal")
    steps = [Step(0.0, bath), Step(5_000.0, Bath(100.0, 10.0, 0.0, -60.0, blockers_of("ketamine", 10.0))),
             Step(35_000.0, Bath(0.0, 10.0, 0.0, -60.0))]
    ref = steady_conductance(DEFAULT, shares, bath)
    # reapply agonist after 10 s or after 300 s of agonist-free wash: same trapped block
    t_short = time_course(DEFAULT, shares, steps + [Step(45_000.0, bath)], np.array([45_200.0]))[0]
    t_long = time_course(DEFAULT, shares, steps + [Step(335_000.0, bath)], np.array([335_200.0]))[0]
    assert t_short / ref < 0.25
    assert t_long == pytest.approx(t_short, rel=1e-6)


def test_kinetic_hypothesis_lags_when_channels_rarely_open():
    """The trapping ODE relaxes at the open probability: silent cells equilibrate slowly."""
    from ketasim.engine.dosing import DoseEvent
    from ketasim.simulate import simulate

    dose = [DoseEvent("ketamine", "iv", 0.5, True, 0.0, 40.0, None, 1, None, "d")]
    quiet = {"nmda.input_rate_pyramidal": 0.001, "nmda.glutamate_ambient": 0.001}
    qss = simulate(dose, duration=120, parameters=quiet)
    kin = simulate(dose, duration=120, hypotheses={"nmda_block": "kinetic"}, parameters=quiet)
    at40 = int(np.argmin(abs(qss.time.values - 40)))
    assert kin["nmda_block_pyramidal"].values[at40] < 0.5 * qss["nmda_block_pyramidal"].values[at40]
    # with the default activity the two agree (time-scale separation holds)
    kin_d = simulate(dose, duration=120, hypotheses={"nmda_block": "kinetic"})
    qss_d = simulate(dose, duration=120)
    assert float(kin_d["nmda_block_pv"].max()) == pytest.approx(float(qss_d["nmda_block_pv"].max()), rel=0.05)


def test_naltrexone_competes_at_mu_receptors():
    from ketasim.engine.dosing import DoseEvent
    from ketasim.simulate import simulate

    ket = DoseEvent("ketamine", "iv", 0.5, True, 60.0, 40.0, None, 1, None, "d")
    ntx = DoseEvent("naltrexone", "oral", 50.0, False, 0.0, None, None, 1, None, "n")
    alone = simulate([ket], duration=180)
    both = simulate([ntx, ket], duration=180)
    assert float(both["naltrexone_mor_occupancy"].max()) > 0.9
    assert float(both["mor_occupancy"].max()) < 0.1 * float(alone["mor_occupancy"].max())
    assert float(both["kor_occupancy"].max()) < float(alone["kor_occupancy"].max())


def test_d2_hypothesis_switches_d2_occupancy():
    from ketasim.engine.dosing import DoseEvent
    from ketasim.simulate import simulate

    dose = [DoseEvent("ketamine", "iv", 0.5, True, 0.0, 40.0, None, 1, None, "d")]
    assert float(simulate(dose, duration=60)["d2_occupancy"].max()) == 0.0
    high = float(simulate(dose, duration=60, hypotheses={"ketamine_d2": "high_affinity"})["d2_occupancy"].max())
    assert 0.4 < high < 0.8  # about 0.9 uM against Ki 0.5 uM


def test_potency_order_s_r_norketamine_hnk():
    def ic50(drug):
        from ketasim.receptor.clamp import ic50 as fit
        c = np.logspace(-3, 4, 141)
        b = [steady_block(DEFAULT, {"glun2a": 1.0}, Bath(100, 10, 0, -66, blockers_of(drug, x))) for x in c]
        return fit(c, np.array(b))
    s, r, snk, rnk, hnk = (ic50(d) for d in ("esketamine", "arketamine", "s_norketamine", "r_norketamine", "hnk"))
    assert s < r < rnk and s < snk < rnk < hnk
    assert r / s == pytest.approx(1.4 / 0.3, rel=1e-3)
    assert hnk / ic50("ketamine") == pytest.approx(100.0, rel=1e-3)


def test_receptor_values_refuse_unknown_names():
    from ketasim.errors import InputError
    with pytest.raises(InputError, match="parameters.nonsense"):
        ReceptorValues().with_values({"nonsense": 1.0})
    assert set(BLOCKERS) >= {"s_ketamine", "hnk"} and set(CELLS) == {"pyramidal", "pv", "sst"}


@pytest.mark.parametrize("glutamate", [0.05, 1.0, 30.0])
def test_slow_model_open_probability_is_the_schemes(glutamate):
    """The activity term of the kinetic hypothesis is the scheme's drug-free open probability."""
    from ketasim.receptor.scheme import state_index

    env = slow_model_values(QSS, {}, {"input_rate_pyramidal": 0.0, "glutamate_ambient": glutamate})
    gly = DEFAULT.get("glycine_ambient", "uM")
    for s in SUBTYPES:
        p = steady_state(generator(DEFAULT, s, Bath(glutamate, gly, 0.0, -66.0)))
        assert env[f"po_pyramidal_{s}"] == pytest.approx(p[state_index(0, "O")], rel=1e-8)
