"""A published row's dose as a ketasim regimen: drug, route, amount, infusion time.

The data write drugs and routes as the sources did ('racemic ketamine', 'oral
(prolonged-release tablet)'); here they become ketasim's names, and what ketasim cannot
represent (a dose range over cohorts, a route it has no model of) is a reason, never a
guess. Conventions (definitions, documented in docs/guide.md):

- an IV dose without an infusion time is simulated as a `BOLUS_INFUSION_MIN` infusion;
- a route's qualifier in parentheses (formulation, device) is not modelled: the plain
  route is simulated and the qualifier kept as a caveat;
- a row without a dose, for a metric that does not depend on the dose in the model's
  linear PK (clearance, volume, half-life, bioavailability, Tmax), is simulated at
  `PROBE_DOSE_MG`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.dosing import DoseEvent
from ..mechanisms.drugs import DRUGS, ESKETAMINE_DEVICE, ROUTES, expand

BOLUS_INFUSION_MIN = 1.0   # definition: an IV bolus without a stated injection time is a 1-min infusion
PROBE_DOSE_MG = ESKETAMINE_DEVICE.value  # definition: the dose of a row that gives none (28 mg, one nasal
                                         # device, spravato_label: a dose every route can take)
DRUG_NAMES = {"racemic ketamine": "ketamine", "ketamine": "ketamine", "esketamine": "esketamine",
              "arketamine": "arketamine"}   # the data's drug names -> ketasim's drugs


class NotComputable(Exception):
    """A row ketasim cannot predict; the message is the reason (one line)."""


@dataclass(frozen=True)
class Regimen:
    """One simulated regimen: ketasim drug and route, amount (mg, or mg/kg when per_kg),
    IV infusion time in minutes (None for other routes). Hashable: rows with the same
    regimen share one simulation."""

    drug: str
    route: str
    amount: float
    per_kg: bool
    infusion_min: float | None

    def events(self) -> tuple[DoseEvent, ...]:
        """The regimen as ketasim dose events (one dose at t = 0)."""
        return (DoseEvent(self.drug, self.route, self.amount, per_kg=self.per_kg, duration=self.infusion_min,
                          field="pk-check"),)

    def dose_mg(self, weight_kg: float) -> float:
        """The dose in mg for a subject of `weight_kg`."""
        return self.amount * weight_kg if self.per_kg else self.amount

    def last_dose_start(self) -> float:
        """Minutes from the first to the last administration (nasal devices are given 5 min apart)."""
        return max(e.start for ev in self.events() for e in expand(ev))

    def label(self) -> str:
        """'ketamine iv 10 mg over 1 min' for tables and the page."""
        over = f" over {self.infusion_min:g} min" if self.infusion_min is not None else ""
        return f"{self.drug} {self.route} {self.amount:g} {'mg/kg' if self.per_kg else 'mg'}{over}"

    def as_iv(self) -> "Regimen":
        """The same drug and dose given IV over `BOLUS_INFUSION_MIN` (a bioavailability's reference)."""
        return Regimen(self.drug, "iv", self.amount, self.per_kg, BOLUS_INFUSION_MIN)


def drug_name(text: str) -> str:
    """ketasim's drug for the data's drug text; NotComputable otherwise."""
    name = DRUG_NAMES.get(text.strip().lower())
    if name is None or name not in DRUGS:
        raise NotComputable(f"drug {text!r} is not one ketasim doses")
    return name


def route_name(text: str) -> tuple[str, tuple[str, ...]]:
    """(ketasim route, caveats) for the data's route text: the words before a parenthesis;
    'a/b' is read as a; NotComputable when that is not a ketasim route."""
    base, _, qualifier = text.partition("(")
    base = base.strip().lower()
    caveats: list[str] = []
    if base not in ROUTES and "/" in base:
        first = base.split("/")[0].strip()
        if first in ROUTES:
            caveats.append(f"route {base!r} simulated as {first}")
            base = first
    if base not in ROUTES:
        raise NotComputable(f"route {text!r} is not one ketasim models")
    if qualifier.strip(" )"):
        caveats.append(f"route written {text!r}: the qualifier is not modelled, plain {base} simulated")
    return base, tuple(caveats)


def regimen_of(drug: str, route: str, dose: str, dose_unit: str, infusion_min: float | None,
               allow_probe: bool) -> tuple[Regimen, tuple[str, ...]]:
    """The regimen of a row (its drug, route, dose text, dose unit and infusion minutes) and
    its caveats; NotComputable with the reason when it cannot be simulated. allow_probe:
    whether a missing dose may be replaced by `PROBE_DOSE_MG` (dose-independent metrics)."""
    name = drug_name(drug)
    rte, caveats = route_name(route)
    if not dose.strip():
        if not allow_probe:
            raise NotComputable("no dose in the source, and this metric depends on the dose")
        amount, per_kg = PROBE_DOSE_MG, False
        caveats += (f"no dose in the source: {PROBE_DOSE_MG:g} mg simulated (the metric does not depend "
                    "on the dose in linear PK)",)
    else:
        try:
            amount = float(dose)
        except ValueError:
            raise NotComputable(f"dose {dose!r} is not one number (a range over cohorts?)") from None
        unit = dose_unit.strip()
        if unit not in ("mg", "mg/kg"):
            raise NotComputable(f"dose unit {dose_unit!r} is not mg or mg/kg")
        per_kg = unit == "mg/kg"
    infusion = None
    if rte == "iv":
        if infusion_min is None:
            infusion = BOLUS_INFUSION_MIN
            caveats += (f"no infusion time in the source: a {BOLUS_INFUSION_MIN:g}-min infusion simulated",)
        else:
            infusion = float(infusion_min)
    elif infusion_min is not None:
        raise NotComputable(f"an infusion time ({infusion_min:g} min) for route {rte!r}")
    return Regimen(name, rte, amount, per_kg, infusion), caveats
