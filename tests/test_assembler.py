"""The assembler refuses missing, duplicate, unit-inconsistent and looping wiring."""

import pytest

from ketasim.engine.assembler import AssemblyError, assemble
from ketasim.engine.module import Module
from ketasim.parameters import p

K = p("k", 1.0, "1/min", "assumed", note="test")
V = p("V", 1.0, "L", "assumed", note="test")


def src(name="a", out="x", unit="mg/L"):
    return Module(name=name, equations=f"dA/dt = -k*A : mg\n{out} = A / V : {unit}", parameters=(K, V), outputs=(out,))


def sink(name="b", inp="x", unit="mg/L"):
    return Module(name=name, equations=f"dB/dt = k * {inp} * V - k * B : mg", parameters=(K, V), inputs={inp: unit})


def test_wired_model_assembles():
    m = assemble([src(), sink()])
    assert [s.symbol for s in m.states] == ["a__A", "b__B"]
    assert m.observable_names == ("x",)


def test_missing_input_is_refused():
    with pytest.raises(AssemblyError, match="needs input 'x' but no module provides it"):
        assemble([sink()])


def test_duplicate_provider_is_refused():
    with pytest.raises(AssemblyError, match="provided by both a and c"):
        assemble([src("a"), src("c"), sink()])


def test_unit_mismatch_between_modules_is_refused():
    with pytest.raises(AssemblyError, match="different dimensions"):
        assemble([src(), sink(unit="mg")])


def test_dimensionally_inconsistent_equation_is_refused():
    bad = Module(name="bad", equations="dA/dt = -k*A + V : mg", parameters=(K, V))
    with pytest.raises(AssemblyError, match="terms of a sum differ in dimension"):
        assemble([bad])


def test_wrong_derivative_unit_is_refused():
    bad = Module(name="bad", equations="dA/dt = A : mg", parameters=(K, V))
    with pytest.raises(AssemblyError, match="expected"):
        assemble([bad])


def test_algebraic_loop_is_refused():
    m1 = Module(name="m1", equations="y1 = y2 : 1", inputs={"y2": "1"}, outputs=("y1",))
    m2 = Module(name="m2", equations="y2 = y1 : 1", inputs={"y1": "1"}, outputs=("y2",))
    with pytest.raises(AssemblyError, match="algebraic loop"):
        assemble([m1, m2])


def test_undeclared_symbol_is_refused():
    bad = Module(name="bad", equations="dA/dt = -q*A : mg", parameters=(K,))
    with pytest.raises(AssemblyError, match="symbol 'q'"):
        assemble([bad])


def test_assumed_parameter_needs_a_reason():
    with pytest.raises(ValueError, match="needs a note"):
        p("z", 1.0, "1", "assumed")


def test_every_parameter_source_is_registered():
    from ketasim.mechanisms.registry import core_modules, optional_modules
    from ketasim.references import registry

    reg = registry()
    mods = list(core_modules()) + list(optional_modules().values())
    missing = {prm.source for m in mods for prm in m.parameters} - set(reg)
    assert not missing
