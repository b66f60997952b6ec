"""The engine against analytic one-compartment solutions (bolus and infusion), every solver."""

import numpy as np
import pytest

from ketasim.engine.assembler import assemble
from ketasim.engine.dosing import Deposit, DoseEvent, Schedule, compile_schedule
from ketasim.engine.module import Module
from ketasim.engine.solve import solve
from ketasim.parameters import p

ONE_CMT = Module(
    name="one",
    equations="""
    dA/dt = -k * A : mg
    conc = A / V : mg/L
    """,
    parameters=(p("k", 0.1, "1/min", "assumed", note="test value"), p("V", 10.0, "L", "assumed", note="test value")),
    outputs=("conc",),
    dose_targets=("A",),
)
MODEL = assemble([ONE_CMT])
K, V = 0.1, 10.0


def route(event, species):
    return (Deposit("one.A", 1.0),)


def conc(ts, regimen, solver):
    sched = compile_schedule(MODEL, regimen, 70.0, float(ts[-1]), route)
    ys = solve(MODEL, MODEL.param_vector, sched, ts, solver=solver,
               rtol=1e-10, atol=1e-13)
    _, observe, _ = MODEL.functions("numpy")
    return observe(ts, ys, MODEL.param_vector)[:, 0]


@pytest.mark.parametrize("solver", ["exact", "tsit5", "kvaerno5", "scipy"])
def test_bolus_matches_exponential(solver):
    ts = np.linspace(0, 60, 121)
    got = conc(ts, [DoseEvent("x", "iv", 100.0, start=0.0)], solver)
    want = 100.0 / V * np.exp(-K * ts)
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("solver", ["exact", "tsit5", "kvaerno5", "scipy"])
def test_infusion_matches_analytic(solver):
    ts = np.linspace(0, 90, 181)
    T, rate = 30.0, 2.0  # mg/min for 30 min
    got = conc(ts, [DoseEvent("x", "iv", rate * T, start=0.0, duration=T)], solver)
    during = rate / (K * V) * (1 - np.exp(-K * ts))
    after = rate / (K * V) * (1 - np.exp(-K * T)) * np.exp(-K * (ts - T))
    want = np.where(ts <= T, during, after)
    np.testing.assert_allclose(got[1:], want[1:], rtol=1e-6)


def test_repeated_bolus_superposes():
    ts = np.linspace(0, 120, 241)
    got = conc(ts, [DoseEvent("x", "iv", 10.0, start=10.0, every=30.0, count=3)], "exact")
    want = sum(np.where(ts >= s, 10.0 / V * np.exp(-K * (ts - s)), 0.0) for s in (10.0, 40.0, 70.0))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)


def test_unit_conversion_of_outputs():
    """An output declared in ng/mL is 1000 x the same quantity in mg/L."""
    m = assemble([Module(name="u", equations="dA/dt = -k*A : mg\nc = A / V : ng/mL",
                         parameters=ONE_CMT.parameters, outputs=("c",), initial={"A": 5.0})])
    ys = solve(m, m.param_vector, Schedule(np.array([0.0, 1.0]), np.zeros((1, 1)), np.zeros((1, 0))), np.array([0.0]),
               solver="scipy")
    _, observe, _ = m.functions("numpy")
    assert observe(np.array([0.0]), ys, m.param_vector)[0, 0] / m.observables[0].factor == pytest.approx(500.0)
