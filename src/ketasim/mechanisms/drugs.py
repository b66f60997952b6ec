"""The drug and route vocabulary: where each dose goes in the model.

Each drug maps routes to `Deposit`s (dose-target states and fractions). A racemate is
split into its enantiomers (the 0.5 is the definition of a racemate, not a parameter).
Intranasal esketamine is expanded into 28 mg devices given 5 min apart (Spravato label).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from ..choices import check_name
from ..engine.dosing import Deposit, DoseEvent, DosingError
from ..parameters import SPECIES, p
from .pk_simple import SIMPLE_DRUGS

RACEMATE_HALF = 0.5  # each enantiomer of a racemate

ESKETAMINE_DEVICE = p("esketamine_device_dose", 28.0, "mg", "spravato_label", "esketamine per nasal device")
ESKETAMINE_DEVICE_INTERVAL = p("esketamine_device_interval", 5.0, "min", "spravato_label",
                               "time between nasal devices")

RODENT_ONLY = {"ip", "icv", "intracerebral"}  # routes of rodent experiments, never given to humans
RODENTS = tuple(s for s in SPECIES if s != "human")


@dataclass(frozen=True)
class Drug:
    name: str
    routes: Mapping[str, tuple[Deposit, ...]]
    modules: tuple[str, ...] = ()   # extra modules needed beyond the ketamine core


def _ket(route_state: str, s: float, r: float) -> tuple[Deposit, ...]:
    out = []
    if s:
        out.append(Deposit(f"ketamine_s.{route_state}", s))
    if r:
        out.append(Deposit(f"ketamine_r.{route_state}", r))
    return tuple(out)


_KET_ROUTES = {"iv": "A_mixing", "oral": "A_gut", "intranasal": "A_nasal", "sublingual": "A_sublingual",
               "im": "A_im", "ip": "A_ip"}


def _ketamine_like(name: str, s: float, r: float) -> Drug:
    return Drug(name, {route: _ket(state, s, r) for route, state in _KET_ROUTES.items()})


DRUGS: dict[str, Drug] = {
    "ketamine": _ketamine_like("ketamine", RACEMATE_HALF, RACEMATE_HALF),
    "esketamine": _ketamine_like("esketamine", 1.0, 0.0),
    "arketamine": _ketamine_like("arketamine", 0.0, 1.0),
    "norketamine": Drug("norketamine", {
        "iv": (Deposit("norketamine_s.A_central", RACEMATE_HALF), Deposit("norketamine_r.A_central", RACEMATE_HALF)),
    }),
    "hnk": Drug("hnk", {"iv": (Deposit("hnk.A_central", 1.0),), "ip": (Deposit("hnk.A_ip", 1.0),)}),
    "saline": Drug("saline", {"iv": (), "intranasal": (), "oral": (), "ip": ()}),
}
for _name, _mod in SIMPLE_DRUGS.items():
    DRUGS[_name] = Drug(_name, {"iv": (Deposit(f"pk_{_name}.A_central", 1.0),),
                                "oral": (Deposit(f"pk_{_name}.A_gut", 1.0),)}, modules=(_mod.name,))
# Plasticity-layer interventions (modules added by mechanisms.plasticity): rapamycin i.c.v.
# in rodents goes straight to the brain; a function-blocking anti-BDNF antibody is infused
# into mPFC (route `intracerebral`, the modelled PFC).
DRUGS["rapamycin"] = Drug("rapamycin", {**DRUGS["rapamycin"].routes,
                                        "icv": (Deposit("plasticity_rapamycin.A_icv", 1.0),)},
                          modules=DRUGS["rapamycin"].modules)
DRUGS["anti_bdnf"] = Drug("anti_bdnf", {"intracerebral": (Deposit("plasticity_anti_bdnf.A_mpfc", 1.0),)})

ROUTES = ("iv", "intranasal", "oral", "sublingual", "im", "ip", "icv", "intracerebral")
# Procedures are dose events without a drug: one session puts one unit into a state of
# the module that models it (ECT: a seizure, mechanisms.clinical.ect). Their events carry
# drug = the procedure's name and route "procedure", so the registry adds that module.
PROCEDURE_ROUTE = "procedure"
PROCEDURES: dict[str, tuple[Deposit, ...]] = {"ect": (Deposit("ect.seizure", 1.0),)}


def routes_for(drug: str, species: str) -> tuple[str, ...]:
    """The routes by which `drug` can be given to `species`, in the drug table's order: the
    drug's routes, less the rodent-only ones (`RODENT_ONLY`) for humans. Empty for an unknown
    drug. Why: the one answer the dose check, `ketasim list` and the explorer's menus share."""
    d = DRUGS.get(drug)
    if d is None:
        return ()
    return tuple(r for r in d.routes if species != "human" or r not in RODENT_ONLY)


def route_refusal(drug: str, route_name: str, species: str, field: str) -> str:
    """Why `drug` cannot be given by `route_name` to `species`, in one line naming `field`
    and the routes that can be chosen instead (a known drug and route are assumed)."""
    allowed = routes_for(drug, species)
    if route_name in RODENT_ONLY and species == "human":
        why = f"{route_name!r} is a rodent-only route ({', '.join(RODENTS)})"
        instead = f"for {drug} in a human choose one of {', '.join(allowed)}"
    else:
        why = f"{drug} cannot be given by {route_name!r} to a {species}"
        instead = f"choose one of {', '.join(allowed)}"
    return f"{field}: {why}; {instead if allowed else f'{drug} has no route for a {species}'}"


def route(event: DoseEvent, species: str) -> tuple[Deposit, ...]:
    """Deposits of one (expanded) dose event; DosingError naming the field otherwise."""
    if event.procedure is not None:
        check_name(event.procedure, PROCEDURES, f"{event.field}.procedure", "procedure", DosingError)
        if species != "human":
            raise DosingError(f"{event.field}.procedure: {event.procedure!r} is modelled for humans only")
        return PROCEDURES[event.procedure]
    check_name(event.drug, sorted(DRUGS), f"{event.field}.drug", "drug", DosingError)
    check_name(event.route, ROUTES, f"{event.field}.route", "route", DosingError)
    if event.route not in routes_for(event.drug, species):
        raise DosingError(route_refusal(event.drug, event.route, species, f"{event.field}.route"))
    if event.duration is not None and event.route != "iv":
        raise DosingError(f"{event.field}.duration: only IV doses can be infusions, not {event.route!r}")
    return DRUGS[event.drug].routes[event.route]


def check_regimen(regimen: Sequence[DoseEvent], species: str) -> None:
    """Every event of `regimen` given to `species` has its deposits (`route`) and its device
    expansion (`expand`): the dosing refusals, raised before any model is built or solved."""
    for event in regimen:
        route(event, species)
        expand(event)


def expand(event: DoseEvent) -> list[DoseEvent]:
    """Expand device schemes: intranasal esketamine -> 28 mg devices 5 min apart."""
    if event.drug == "esketamine" and event.route == "intranasal" and not event.per_kg:
        n = event.amount / ESKETAMINE_DEVICE.value
        if abs(n - round(n)) > 1e-9 or n < 1:
            raise DosingError(f"{event.field}.dose: intranasal esketamine comes in 28 mg devices "
                              f"(got {event.amount:g} mg)")
        return [replace(event, amount=ESKETAMINE_DEVICE.value,
                        start=event.start + i * ESKETAMINE_DEVICE_INTERVAL.value) for i in range(int(round(n)))]
    return [event]


def procedure_event(name: str, start: float, every: float | None = None, count: int = 1,
                    field: str = "doses") -> DoseEvent:
    """A procedure session (or a series of them) as a dose event of one unit per session."""
    return DoseEvent(name, PROCEDURE_ROUTE, 1.0, False, start, None, every, count, name, field)


def modules_for(drugs: set[str]) -> tuple[str, ...]:
    """Names of the extra modules a set of drugs needs."""
    out: list[str] = []
    for d in sorted(drugs):
        if d in DRUGS:
            out.extend(DRUGS[d].modules)
    return tuple(dict.fromkeys(out))
