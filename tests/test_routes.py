"""Every route for every species: it runs (the plan and schedule build, the command reaches
the solve) or it is refused in one line naming --route, exit 2; rodent-only routes never
reach a human. One real solve per rodent species (the human one: test_cli's run)."""

import importlib

import numpy as np
import pytest

from ketasim.cli import main
from ketasim.engine.dosing import DosingError
from ketasim.experiments.plan import one_dose_regimen
from ketasim.mechanisms.drugs import DRUGS, RODENT_ONLY, ROUTES, check_regimen, routes_for
from ketasim.parameters import SPECIES
from ketasim.patient import Patient
from ketasim.simulate import model_for, schedule_for

# each route with a drug that can be given by it (ketamine where it can)
DRUG_OF = {r: "ketamine" if r in DRUGS["ketamine"].routes else next(d for d in DRUGS if r in DRUGS[d].routes)
           for r in ROUTES}
DOSE = {"human": "0.5 mg/kg", "rat": "10 mg/kg", "mouse": "10 mg/kg"}
CASES = [(r, s) for r in ROUTES for s in SPECIES]
SIMULATE_MODULE = importlib.import_module("ketasim.simulate")  # the package re-exports the function


def test_the_route_table_is_as_documented():
    assert RODENT_ONLY == {"ip", "icv", "intracerebral"}
    assert routes_for("ketamine", "human") == ("iv", "oral", "intranasal", "sublingual", "im")
    assert routes_for("ketamine", "rat") == routes_for("ketamine", "human") + ("ip",)
    assert routes_for("anti_bdnf", "human") == () and routes_for("anti_bdnf", "mouse") == ("intracerebral",)
    assert routes_for("no_such_drug", "human") == ()


@pytest.mark.parametrize("route, species", CASES)
def test_each_route_and_species_builds_its_schedule_or_is_refused_in_one_line(route, species):
    drug = DRUG_OF[route]
    regimen = one_dose_regimen(drug, route, DOSE[species], "40 min")
    if route in RODENT_ONLY and species == "human":
        with pytest.raises(DosingError) as info:
            check_regimen(regimen, species)
        msg = str(info.value)
        assert msg.startswith(f"--dose.route: '{route}' is a rodent-only route (rat, mouse)") and "\n" not in msg
        assert msg.endswith(f"; {drug} has no route for a human") if not routes_for(drug, "human") else \
            msg.endswith(f"for {drug} in a human choose one of {', '.join(routes_for(drug, 'human'))}")
        return
    check_regimen(regimen, species)
    model = model_for(regimen, species, {})
    schedule = schedule_for(model, regimen, Patient(species=species).weight, 120.0)
    # the dose goes into the model: a bolus jump, or an infusion (iv over 40 min) rate
    assert np.abs(schedule.jumps).sum() + np.abs(schedule.rates).sum() > 0


class ReachedTheSolve(Exception):
    """Raised in place of the solve: the command got past every input check."""


@pytest.mark.parametrize("route, species", CASES)
def test_the_run_command_reaches_the_solve_or_refuses_naming_route(route, species, tmp_path, monkeypatch, capsys):
    def reached(*args, **kwargs):
        raise ReachedTheSolve

    monkeypatch.setattr(SIMULATE_MODULE, "simulate", reached)
    monkeypatch.chdir(tmp_path)
    args = ["run", "--drug", DRUG_OF[route], "--route", route, "--species", species, "--dose", DOSE[species]]
    refused = route in RODENT_ONLY and species == "human"
    with pytest.raises(SystemExit if refused else ReachedTheSolve) as info:
        main(args)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    if refused:
        assert info.value.code == 2 and len(lines) == 1, lines
        assert lines[0].startswith(f"error: --route: '{route}' is a rodent-only route (rat, mouse)")
    else:
        assert lines == []  # no refusal, and no status off a terminal
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_route_the_drug_lacks_is_refused_naming_the_routes_for_the_species(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--drug", "hnk", "--route", "oral", "--species", "rat", "--dose", "1 mg/kg"])
    (line,) = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert info.value.code == 2
    assert line == "error: --route: hnk cannot be given by 'oral' to a rat; choose one of iv, ip"


@pytest.mark.parametrize("species, route, tmax_min", [("rat", "ip", 30.0), ("mouse", "intranasal", 30.0)])
def test_a_real_rodent_solve(species, route, tmax_min):
    from ketasim.simulate import simulate

    ds = simulate(one_dose_regimen("ketamine", route, DOSE[species], None), Patient(species=species), "2 h", {})
    plasma, t = ds["plasma_ketamine"].values, ds["time"].values
    assert np.isfinite(plasma).all() and np.isfinite(ds["brain_ketamine"].values).all()
    assert plasma[0] == 0.0 and plasma.max() > 100.0       # ng/mL after 10 mg/kg
    assert t[plasma.argmax()] <= tmax_min                   # an extravascular dose peaks within minutes
    assert plasma[-1] < 0.1 * plasma.max()                  # and is largely cleared by 2 h
