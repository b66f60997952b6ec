"""The split solve (engine.partition, engine.solver_split) against the SciPy reference."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.engine.dosing import DoseEvent
from ketasim.engine.partition import partition
from ketasim.engine.solve import solve
from ketasim.mechanisms.registry import build_model
from ketasim.simulate import schedule_for

DRUGS = frozenset({"ketamine", "saline", "citalopram", "esketamine"})


@pytest.fixture(scope="module")
def model():
    return build_model("human", {}, DRUGS)


def test_partition_puts_pharmacokinetics_upstream_and_mood_downstream(model):
    part = partition(model)
    names = {model.states[i].symbol for i in part.linear}
    rest = {model.states[i].symbol for i in part.rest}
    assert {"ketamine_s__A_central", "ketamine_r__C_effect", "pk_citalopram__A_gut"} <= names
    assert {"mood__mood", "plasticity_spines__spines", "habenula__lhb_burst"} <= rest
    assert set(part.feed) <= set(part.linear)
    # the rest reads the brain: effect sites, not depots
    feed = {model.states[i].symbol for i in part.feed}
    assert "ketamine_s__C_effect" in feed and "ketamine_s__A_gut" not in feed
    assert sorted(part.linear + part.rest) == list(range(len(model.states)))


@pytest.mark.parametrize("regimen, days", [
    pytest.param((DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min"),), 7, marks=pytest.mark.slow),
    ((DoseEvent("esketamine", "intranasal", "56 mg", every="3.5 d", count=2),), 7),
    pytest.param((DoseEvent("citalopram", "oral", "20 mg", every="1 d", count=5),), 5, marks=pytest.mark.slow),
])
def test_split_solve_matches_the_scipy_reference(model, regimen, days):
    p = model.param_vector
    schedule = schedule_for(model, regimen, 70.0, days * 1440.0)
    ts = np.unique(np.concatenate([np.arange(0.0, 360.0, 5.0), np.arange(days + 1) * 1440.0]))
    ref = solve(model, p, schedule, ts, solver="scipy")
    ys = solve(model, p, schedule, ts, solver="split", rtol=1e-8, atol=1e-11)
    scale = np.maximum(np.abs(ref), 1e-6)
    assert np.max(np.abs(ys - ref) / scale) < 1e-4
    mood = model.state_index["mood__mood"]
    assert np.max(np.abs(ys[:, mood] - ref[:, mood])) < 1e-6


def test_modal_form_refuses_a_defective_matrix():
    from ketasim.engine.solver_split import modal_form

    jordan = np.array([[-1.0, 0.0], [1.0, -1.0]])   # two chained compartments with one rate constant
    *_, ok = modal_form(jordan)
    assert not bool(ok)
    lam, V, Vi, ok = modal_form(np.array([[-1.0, 0.0], [1.0, -2.0]]))
    assert bool(ok)
    assert np.allclose(np.real((np.asarray(V) * np.asarray(lam)) @ np.asarray(Vi)), [[-1.0, 0.0], [1.0, -2.0]])


def test_phi1_is_accurate_near_zero():
    from ketasim.engine.solver_split import phi1

    x = np.array([0.0, 1e-9, 1e-4, 0.5, -3.0], dtype=complex)
    expected = np.array([1.0, 1.0 + 5e-10, np.expm1(1e-4) / 1e-4, np.expm1(0.5) / 0.5, np.expm1(-3.0) / -3.0])
    assert np.allclose(np.real(np.asarray(phi1(x))), expected, rtol=1e-13)


def test_partition_disk_cache_round_trip(tmp_path, monkeypatch, model):
    """A cached partition equals the derived one; a corrupt entry is derived again."""
    from ketasim.engine import derived_cache, partition as part_mod

    monkeypatch.setenv("KETASIM_JAX_CACHE", str(tmp_path))
    derived = part_mod.derive_partition(model)
    monkeypatch.setattr(derived_cache, "MEMO", {})
    assert part_mod.partition(model) == derived            # derives and writes the entry
    entries = list((tmp_path / "partition").glob("*.json"))
    assert len(entries) == 1
    monkeypatch.setattr(derived_cache, "MEMO", {})
    assert part_mod.partition(model) == derived            # reads it
    entries[0].write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(derived_cache, "MEMO", {})
    assert part_mod.partition(model) == derived


@pytest.mark.slow  # a compilation of its own (25 s); tests/test_trial_clinical.py's chunking test checks
# the same on the trial's compiled solve (a patient equal whatever the chunk it is solved in)
def test_a_patients_solution_does_not_depend_on_the_batch_it_is_solved_in(model):
    """The batch steps in lockstep and shares its Jacobian refreshes (engine.rosenbrock), yet a
    patient solved among others equals the same patient solved among copies of itself (one
    batch shape, one compilation): the refresh schedule is each system's own step count, so
    chunking a trial changes no patient."""
    from ketasim.population import weight_scaled_schedule

    regimen = (DoseEvent("esketamine", "intranasal", "56 mg", every="3.5 d", count=2),)
    weights = np.array([52.0, 71.0, 96.0])
    p = np.tile(model.param_vector, (3, 1))
    p[:, model.param_index["patient.weight"]] = weights
    p[:, model.param_index["patient.cyp2b6_relative_activity"]] = [1.6, 1.0, 0.45]
    schedule = weight_scaled_schedule(model, regimen, weights, 7 * 1440.0)
    ts = np.unique(np.concatenate([np.arange(0.0, 360.0, 5.0), np.arange(8) * 1440.0]))
    mixed = solve(model, p, schedule, ts, solver="split", rtol=5e-5, atol=5e-8)
    same = np.array([1, 1, 1])
    copies = solve(model, p[same], schedule.rows(same), ts, solver="split", rtol=5e-5, atol=5e-8)
    assert np.allclose(mixed[1], copies[0], rtol=1e-12, atol=1e-15)
    assert not np.allclose(mixed[0], mixed[2], rtol=1e-3)   # the three patients differ


def test_a_model_without_a_linear_block_goes_to_kvaerno5_once(monkeypatch):
    """solve_stiff: no useful partition -> the whole-model Kvaerno5, called once even when it
    fails (the split path no longer runs it a second time)."""
    import ketasim.engine.solve as solve_mod
    from ketasim.engine.assembler import assemble
    from ketasim.engine.dosing import Schedule
    from ketasim.engine.module import Module
    from ketasim.parameters import p

    m = assemble([Module(name="mm", equations="dA/dt = -vmax * A / (km + A) : mg",
                         parameters=(p("vmax", 1.0, "mg/min", "assumed", note="t"),
                                     p("km", 1.0, "mg", "assumed", note="t")))])
    s = Schedule(np.array([0.0, 60.0]), np.array([[10.0]]), np.zeros((1, 0)))
    calls = []

    def failing(model, params, schedule, ts, method, rtol, atol):
        calls.append(method)
        return np.zeros((len(ts), 1)), np.array(False)

    monkeypatch.setattr(solve_mod, "solve_diffrax", failing)
    method, _, ok = solve_mod.solve_stiff(m, m.param_vector, s, np.linspace(0, 60, 4), 1e-8, 1e-10)
    assert (method, bool(ok), calls) == ("kvaerno5", False, ["kvaerno5"])


def test_the_mouse_modal_form_is_found_block_by_block(model):
    """The mouse's effect compartments share one equilibration rate, and S and R one set of
    rates, so its block has repeated eigenvalues: block by block (the blocks that share a
    rate do not feed each other) the modal form rebuilds A to rounding. Whether one `eig`
    of the whole matrix is also accepted depends on how nearly parallel its eigenvectors
    come out (refused before the front-end mixing compartment was added, accepted since);
    `modal_method` picks a form that rebuilds A either way, and the human model keeps the
    smaller program of one eig."""
    from ketasim.engine.block_solve import structure_of
    from ketasim.engine.codegen import namespace
    from ketasim.engine.solver_split import modal_form, modal_method

    mouse = build_model("mouse", {}, frozenset({"ketamine"}))
    part = partition(mouse)
    A = np.asarray(namespace(part.source, "numpy")["linear_parts"](mouse.param_vector)[0], dtype=float)
    lam, V, Vi, ok = modal_form(A, np, structure_of(part.linear_reads))
    assert bool(ok) and np.max(np.abs((V * lam) @ Vi - A)) < 1e-12 * np.max(np.abs(A))
    assert len(set(np.round(lam, 12))) < len(lam)             # a repeated eigenvalue, and still exact
    method = modal_method(part, mouse.param_vector)
    chosen = modal_form(A, np, structure_of(part.linear_reads) if method == "blocks" else None)
    assert bool(chosen[3]) and np.max(np.abs((chosen[1] * chosen[0]) @ chosen[2] - A)) < 1e-10 * np.max(np.abs(A))
    assert modal_method(part, np.stack([mouse.param_vector] * 2)) == method   # a batch: its first row decides
    assert modal_method(partition(model), np.stack([model.param_vector] * 3)) == "eig"


def test_block_eigenvectors_refuse_a_rate_shared_along_a_chain():
    """Two chained compartments with one rate constant are defective whatever the method:
    the block form's solve for the downstream block is singular, and `ok` says so."""
    from ketasim.engine.block_solve import structure_of
    from ketasim.engine.solver_split import modal_form

    jordan = np.array([[-1.0, 0.0], [1.0, -1.0]])
    chain = structure_of([(), (0,)])
    assert not bool(modal_form(jordan, structure=chain)[3])
    with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(np.linalg.LinAlgError):
        modal_form(jordan, np, chain)      # NumPy's inverse refuses what JAX's flags (modal_method catches it)
    lam, V, Vi, ok = modal_form(np.array([[-1.0, 0.0], [1.0, -2.0]]), structure=chain)
    assert bool(ok) and sorted(np.asarray(lam)) == [-2.0, -1.0]


@pytest.mark.slow  # a compile of its own (about 30 s); the fast suite takes the mouse through this path in the README's mouse command
def test_the_mouse_split_solve_matches_the_scipy_reference():
    mouse = build_model("mouse", {}, frozenset({"ketamine"}))
    s = schedule_for(mouse, (DoseEvent("ketamine", "ip", "10 mg/kg"),), 0.025, 1440.0)
    ts = np.unique(np.concatenate([np.arange(0.0, 360.0, 5.0), [1440.0]]))
    ref = solve(mouse, mouse.param_vector, s, ts, solver="scipy")
    ys = solve(mouse, mouse.param_vector, s, ts, solver="split", rtol=1e-8, atol=1e-11)   # modal_by "blocks"
    assert np.max(np.abs(ys - ref) / np.maximum(np.abs(ref), 1e-6)) < 1e-4


def test_a_refused_modal_form_skips_the_split(model, monkeypatch):
    """When the host refuses L's modal form, solve_stiff goes to Kvaerno5 without tracing a
    split solve whose `ok` flag would be False."""
    import ketasim.engine.solve as solve_mod
    import ketasim.engine.solver_split as split_mod

    def no_split(*args, **kwargs):
        raise AssertionError("the split solve was called")

    calls = []

    def kvaerno(model_, params, schedule, ts, method, rtol, atol):
        calls.append(method)
        return np.zeros((len(ts), len(model_.states))), np.array(True)

    monkeypatch.setattr(split_mod, "modal_method", lambda part, p: None)
    monkeypatch.setattr(solve_mod, "solve_split", no_split)
    monkeypatch.setattr(solve_mod, "solve_diffrax", kvaerno)
    s = schedule_for(model, (DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min"),), 70.0, 1440.0)
    method, _, ok = solve_mod.solve_stiff(model, model.param_vector, s, np.linspace(0, 1440, 4), 1e-8, 1e-10)
    assert (method, bool(ok), calls) == ("kvaerno5", True, ["kvaerno5"])
