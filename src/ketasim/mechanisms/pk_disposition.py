"""Ketamine disposition models: the values behind the `ketamine_pk` hypothesis switch.

Every variant is written in one parameterisation, clearances and volumes at a 70 kg
reference (cl, q2, q3 in L/h scaled by (W/70)^0.75; v1, v2, v3 in L scaled by W/70), so
one set of equations (`pk_ketamine.py`) serves them all and a variant is only numbers with
their sources. Each variant states the site its concentrations stand for (`site`): a
population model fitted to venous samples predicts venous plasma, a model fitted to
arterial samples arterial plasma. `plasma_*` observables are the variant's site; an
experiment that names another site is refused (`check_sampling`). Every variant also gives
`arterial_*` plasma, the level the brain sees (an experiment whose `sampling` is
"arterial" reads it: `sampled_observable`): for a venous model its central level plus
the unmixed front end of whatever enters the blood (`arterial_mixing` = 1, see
`pk_ketamine.py`), for an arterial model its central level itself (`arterial_mixing` = 0).

- `population` (default, humans): venous. S-ketamine clearance of Fanta 2015 (95 L/h/70 kg,
  venous samples to 23.5 h); R-ketamine clearance from S by the R/S ratio measured in
  both enantiomers (Persson 2002, arterial and venous sampling: 0.020 vs 0.024 L/min/kg);
  the two peripheral compartments of the esketamine registration model (Perez-Ruixo 2021:
  shallow 143 L, 84.3 L/h; deep 417 L, 37.6 L/h), whose deep compartment gives the long
  terminal phase seen with long sampling (label 7-12 h; Hasan 2021 5-6 h after IV). The
  central volume is the one value fitted: no venous central volume for racemic ketamine
  infusions was read at a source, and Perez-Ruixo's (192 L, from nasal and oral data)
  gives 132 ng/mL at the end of the standard infusion; it is set so that the end-of-
  infusion mean is the venous 185 ng/mL of Zarate 2006, which makes that finding
  calibration.
- `domino1982`: the three-compartment micro-constants of Domino 1982 (V1 0.063 L/kg),
  converted to clearances and volumes (cl = k10 V1, q2 = k12 V1, v2 = V1 k12/k21, ...).
  Its small central volume behaves like an arterial early-mixing space; the site was not
  confirmed at the source and is declared `arterial` as the closest reading.
- `herd2007`: the two-compartment paediatric model of Herd 2007 (children 1-14 y, scaled
  to 70 kg by the authors' allometry), third compartment absent.

Rodents: these are human models. In rats and mice ketasim uses the Domino constants
scaled allometrically (rate constants as W^-0.25), which reproduce the rodent half-life
(`pk-mouse-half-life`); `disposition_for(species, name)` applies that rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..choices import check_name
from ..errors import InputError
from ..parameters import Parameter, p

SITES = ("venous", "arterial")

# Domino 1982 micro-constants (70 kg), per min, and V1 per kg: the published numbers that
# the `domino1982` clearances and volumes are computed from (see the module docstring).
_DOMINO = {"v1_per_kg": 0.063, "k10": 0.4381, "k12": 0.5921, "k21": 0.2470, "k13": 0.5900, "k31": 0.0146}
_REF_KG = 70.0


@dataclass(frozen=True)
class Disposition:
    """One ketamine disposition model: its name, the sampling site its plasma stands for and
    the source that says so, a one-line description, and its parameters per enantiomer
    ('s', 'r'); `arterial_mixing` is derived from the site."""

    name: str
    site: str
    site_source: str
    description: str
    s: tuple[Parameter, ...]
    r: tuple[Parameter, ...]

    def parameters(self, enantiomer: str) -> tuple[Parameter, ...]:
        """The parameters of one enantiomer ('s' or 'r'), with `arterial_mixing` of the site."""
        own = self.s if enantiomer == "s" else self.r
        return own + (_arterial_mixing(self.site, self.site_source),)


def _arterial_mixing(site: str, source: str) -> Parameter:
    """1 when the model's central compartment stands for venous blood (arterial = central plus
    the unmixed front end), 0 when it stands for arterial blood already."""
    return p("arterial_mixing", 1.0 if site == "venous" else 0.0, "1", source,
             f"front-end share added to the central level in arterial blood ({site} central compartment)",
             note="a model fitted to venous samples: arterial blood carries the central (mixed) level plus "
                  "the unmixed front end (henthorn2018's structure); a model fitted to arterial samples: its "
                  "central compartment is arterial blood, which already contains the front end. The "
                  "structure was adopted (2026-12-08) because the acute findings of bolus and short doses "
                  "(analgesia at 5 min, zanos2018; hong1993; idvall1979) lagged under a venous-driven effect site, "
                  "so those findings were in view and count as calibration; its two numbers come from "
                  "henthorn2018 and niemann2002, no value was chosen from those findings and no other "
                  "structure was tried")


def _population(e: str) -> tuple[Parameter, ...]:
    pr = "perezruixo2021"
    cl_s = 95.0
    r_over_s = 0.020 / 0.024
    cl = p("cl", cl_s, "L/h", "fanta2015", "S-ketamine clearance at 70 kg (venous population model)",
           cv=0.13, lower=30.0, upper=300.0) if e == "s" else \
        p("cl", round(cl_s * r_over_s, 2), "L/h", "persson2002",
          "R-ketamine clearance at 70 kg: S clearance (Fanta 2015) x the R/S ratio 0.020/0.024",
          cv=0.13, lower=30.0, upper=300.0,
          note="Persson 2002: mean clearance 0.020 (R) vs 0.024 L/min/kg (S), 10 healthy men, 7 mg of "
               "each enantiomer over 30 min; the ratio, not the absolute value, is taken (Wang 2019 "
               "found 15.8 vs 18.4 mL/min/kg within racemate: ratio 0.86). In view when the ratio source was "
               "chosen: the racemic clearance it gives with Fanta's S value, 86 L/h, against Kamp 2020's "
               "79 L/h (CI 69-90, kamp2020), so pk-kamp-clearance is calibration")
    return (
        cl,
        p("v1", 110.0, "L", "fitted", "central (venous) volume at 70 kg", cv=0.275, lower=4.0, upper=400.0,
          note="fitted to the venous end-of-infusion mean 185 ng/mL after 0.5 mg/kg over 40 min "
               "(Zarate 2006, zarate2006; pk-end-of-infusion-cmax is therefore calibration): no venous "
               "central volume for racemic ketamine was read at a source; Perez-Ruixo's 192 L (nasal/oral "
               "esketamine data) gives 132 ng/mL. IIV 27.5% is Perez-Ruixo's on Vc"),
        p("q2", 84.3, "L/h", pr, "central to shallow peripheral clearance at 70 kg"),
        p("v2", 143.0, "L", pr, "shallow peripheral volume at 70 kg", cv=0.493),
        p("q3", 37.6, "L/h", pr, "central to deep peripheral clearance at 70 kg (long terminal phase)"),
        p("v3", 417.0, "L", pr, "deep peripheral volume at 70 kg"),
    )


def _domino() -> tuple[Parameter, ...]:
    d = "domino1982"
    v1 = _DOMINO["v1_per_kg"] * _REF_KG
    per_h = 60.0
    how = "computed from the Domino 1982 micro-constants (V1 0.063 L/kg; k10, k12, k13, k21, k31 per min)"
    return (
        p("cl", round(_DOMINO["k10"] * v1 * per_h, 3), "L/h", d, "clearance at 70 kg (= k10 V1)",
          cv=0.25, lower=30.0, upper=300.0, note=how),
        p("v1", round(v1, 4), "L", d, "central volume at 70 kg (0.063 L/kg)", lower=1.0, upper=400.0, note=how),
        p("q2", round(_DOMINO["k12"] * v1 * per_h, 3), "L/h", d, "fast inter-compartmental clearance (= k12 V1)",
          note=how),
        p("v2", round(v1 * _DOMINO["k12"] / _DOMINO["k21"], 4), "L", d, "fast peripheral volume (= V1 k12/k21)",
          note=how),
        p("q3", round(_DOMINO["k13"] * v1 * per_h, 3), "L/h", d, "slow inter-compartmental clearance (= k13 V1)",
          note=how),
        p("v3", round(v1 * _DOMINO["k13"] / _DOMINO["k31"], 3), "L", d, "slow peripheral volume (= V1 k13/k31)",
          note=how),
    )


def _herd() -> tuple[Parameter, ...]:
    h = "herd2007"
    return (
        p("cl", 90.0, "L/h", h, "clearance at 70 kg (children 1-14 y, allometric)", lower=30.0, upper=300.0),
        p("v1", 38.7, "L", h, "central volume at 70 kg", lower=1.0, upper=400.0),
        p("q2", 215.0, "L/h", h, "inter-compartmental clearance at 70 kg"),
        p("v2", 102.0, "L", h, "peripheral volume at 70 kg"),
        p("q3", 0.0, "L/h", h, "no third compartment in this two-compartment model"),
        p("v3", 1.0, "L", h, "placeholder volume of the absent third compartment",
          note="q3 = 0, so nothing enters it; 1 L keeps the equations defined"),
    )


DISPOSITIONS: dict[str, Disposition] = {
    "population": Disposition("population", "venous", "otto2021",
                              "venous population model (Fanta 2015, Persson 2002, Perez-Ruixo 2021)",
                              _population("s"), _population("r")),
    "domino1982": Disposition("domino1982", "arterial", "domino1982", "Domino 1982 three-compartment micro-constants",
                              _domino(), _domino()),
    "herd2007": Disposition("herd2007", "venous", "herd2007", "Herd 2007 paediatric two-compartment model",
                            _herd(), _herd()),
}
HYPOTHESIS_VALUES: tuple[str, ...] = tuple(DISPOSITIONS)
RODENT_DISPOSITION = "domino1982"


def disposition_for(species: str, name: str) -> Disposition:
    """The disposition used for `species` under the `ketamine_pk` value `name`: the named
    human model in humans, the allometrically scaled Domino constants in rodents."""
    return DISPOSITIONS[name if species == "human" else RODENT_DISPOSITION]


def check_sampling(site: str, species: str, name: str, field: str = "protocol.sampling") -> str:
    """`site` if the disposition in use predicts it; otherwise one line naming `field`.

    Arterial plasma ketamine is predicted under every disposition (`arterial_*`); venous
    plasma only by a model fitted to venous samples."""
    check_name(site, SITES, field, "sampling site")
    have = disposition_for(species, name).site
    if site == "venous" and have != "venous":
        raise InputError(f"{field}: ketamine_pk '{name}' predicts {have} plasma in {species}s, not {site} "
                         f"(choose a ketamine_pk whose site is {site}: "
                         f"{', '.join(k for k, d in DISPOSITIONS.items() if d.site == site) or 'none'})")
    return site


ARTERIAL_OBSERVABLES = {f"plasma_{e}ketamine": f"arterial_{e}ketamine" for e in ("", "s_", "r_")}
"""Plasma observable -> its arterial counterpart (`pk_ketamine`: central level plus front end)."""


def sampled_observable(name: str, site: str | None, field: str) -> str:
    """The observable that stands for `name` measured at `site`: plasma ketamine sampled from
    an artery is `arterial_*` (equal to `plasma_*` under a model fitted to arterial samples);
    every other observable, and every venous or unstated sample, is itself. A plasma
    observable without an arterial prediction (a metabolite) sampled arterially is refused
    with one line naming `field`."""
    if site != "arterial" or not name.startswith("plasma_"):
        return name
    if name not in ARTERIAL_OBSERVABLES:
        raise InputError(f"{field}: {name!r} has no arterial prediction (arterial plasma is modelled for "
                         f"{', '.join(ARTERIAL_OBSERVABLES)})")
    return ARTERIAL_OBSERVABLES[name]
