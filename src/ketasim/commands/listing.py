"""`ketasim list CATEGORY`: the names a user may type, from the one place each is defined.

Observables come from the assembled model (`mechanisms.registry.build_model`), hypothesis
switches from `mechanisms.registry.HYPOTHESES`, drugs and routes from the drug table
(`mechanisms.drugs`), cohorts from `trial.cohorts.COHORTS`, endpoints from
`trial.endpoints.ENDPOINT_DEFS` and experiment ids from the library. Each category is a
function returning rows (dicts, the name first, values JSON-ready) registered in
`CATEGORIES`; the command prints them as a table or, with `--json`, as
`{CATEGORY: [row, ...]}`.
"""

from __future__ import annotations

import json
from typing import Callable

import typer

from ..choices import check_name
from .common import guard
from .status import working
from .tables import print_rows


def observable_rows() -> list[dict]:
    """Every observable of the slow model: name, unit, description, and what adds it when the
    default model lacks it (a drug dosed, a hypothesis value)."""
    from ..mechanisms.drugs import DRUGS
    from ..mechanisms.registry import HYPOTHESES, build_model

    base = build_model("human")
    variants = [(f"dosing {d}", build_model("human", drugs=frozenset({d}))) for d in DRUGS]
    variants += [(f"{k}={v}", build_model("human", {k: v})) for k, values in HYPOTHESES.items() for v in values[1:]]
    seen = {o.name: o for o in base.observables}
    needs: dict[str, list[str]] = {}
    for condition, model in variants:
        for o in model.observables:
            if o.name not in needs and o.name in seen:
                continue  # in the default model
            seen.setdefault(o.name, o)
            needs.setdefault(o.name, []).append(condition)
    return [{"observable": o.name, "unit": o.unit, "description": o.long_name, "only when": needs.get(o.name, [])}
            for o in seen.values()]


def hypothesis_rows() -> list[dict]:
    """Every hypothesis switch (`--hypothesis NAME=VALUE`): its default and the other values."""
    from ..mechanisms.registry import HYPOTHESES

    return [{"hypothesis": name, "default": values[0], "alternatives": list(values[1:])}
            for name, values in HYPOTHESES.items()]


def drug_rows() -> list[dict]:
    """Every drug (`--drug`) with the routes by which it can be given to humans and to rodents."""
    from ..mechanisms.drugs import DRUGS, RODENTS, routes_for

    return [{"drug": name, "human routes": list(routes_for(name, "human")),
             f"{' and '.join(RODENTS)} routes": list(routes_for(name, RODENTS[0]))} for name in DRUGS]


def route_rows() -> list[dict]:
    """Every route (`--route`): the species it may be used in and the drugs given by it."""
    from ..mechanisms.drugs import DRUGS, ROUTES, routes_for
    from ..parameters import SPECIES

    return [{"route": r, "species": [s for s in SPECIES if any(r in routes_for(d, s) for d in DRUGS)],
             "drugs": [d for d in DRUGS if r in DRUGS[d].routes]} for r in ROUTES]


def cohort_rows() -> list[dict]:
    """Every trial cohort (`[protocol.population] cohort`): who they are and their MADRS."""
    from ..trial.cohorts import COHORTS

    return [{"cohort": c.name, "description": c.description,
             "baseline MADRS": f"{c.baseline_mean.value:g} ± {c.baseline_sd.value:g}",
             "inclusion MADRS ≥": c.inclusion_min.value, "placebo (max fraction)": c.placebo_max.value}
            for c in COHORTS.values()]


def endpoint_rows() -> list[dict]:
    """Every trial endpoint (`[[measure]] endpoint`): unit, definition and whether it compares two arms."""
    from ..trial.endpoints import ENDPOINT_DEFS

    return [{"endpoint": e.name, "unit": e.unit, "description": e.description,
             "arms": "arm and versus" if e.two_arm else "arm"} for e in ENDPOINT_DEFS.values()]


def experiment_rows() -> list[dict]:
    """Every experiment of the library (`ketasim validate --id`): layer, species and title."""
    from ..experiments.loader import library

    return [{"id": e.id, "layer": e.tags[0], "species": e.species, "title": e.title} for e in library()]


# category -> (table title, rows)
CATEGORIES: dict[str, tuple[str, Callable[[], list[dict]]]] = {
    "observables": ("Observables (results variables, experiment measures)", observable_rows),
    "hypotheses": ("Hypothesis switches (--hypothesis NAME=VALUE)", hypothesis_rows),
    "drugs": ("Drugs (--drug) and their routes", drug_rows),
    "routes": ("Routes (--route)", route_rows),
    "cohorts": ("Trial cohorts ([protocol.population] cohort)", cohort_rows),
    "endpoints": ("Trial endpoints ([[measure]] endpoint)", endpoint_rows),
    "experiments": ("Library experiments (ketasim validate --id)", experiment_rows),
}


def list_names(
    category: str = typer.Argument(..., metavar="CATEGORY", help=f"one of {', '.join(CATEGORIES)}"),
    as_json: bool = typer.Option(False, "--json", help="print {CATEGORY: [row, ...]} as JSON"),
) -> None:
    """List the names you can type: observables, hypotheses, drugs, routes, cohorts, endpoints, experiments."""
    title, rows_of = guard(lambda: CATEGORIES[check_name(category, CATEGORIES, "CATEGORY", "category")])
    with working(f"collecting the {category}..."):
        rows = rows_of()
    if as_json:
        print(json.dumps({category: rows}))
        return
    print_rows(title, rows)
