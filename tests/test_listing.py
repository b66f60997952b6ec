"""`ketasim list CATEGORY`: the names a user may type, from their one source, as a table or JSON."""

import json

import pytest

from ketasim.cli import main
from ketasim.commands.common import console
from ketasim.commands.listing import CATEGORIES
from ketasim.mechanisms.drugs import DRUGS, ROUTES
from ketasim.mechanisms.registry import HYPOTHESES, build_model
from ketasim.trial.cohorts import COHORTS
from ketasim.trial.endpoints import ENDPOINT_DEFS


def listed(capsys, category: str, *extra: str) -> tuple[int, str, str]:
    """`ketasim list CATEGORY ...` in process: (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(["list", category, *extra])
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def rows_of(capsys, category: str) -> list[dict]:
    code, out, err = listed(capsys, category, "--json")
    assert code == 0 and err == "", err
    doc = json.loads(out)
    assert list(doc) == [category]
    return doc[category]


def test_observables_are_the_models_with_unit_and_what_adds_them(capsys):
    rows = {r["observable"]: r for r in rows_of(capsys, "observables")}
    default = build_model("human").observables
    assert {o.name for o in default} <= set(rows)
    assert rows["plasma_ketamine"]["unit"] == "ng/mL" and rows["plasma_ketamine"]["only when"] == []
    assert rows["madrs"]["unit"] == next(o.unit for o in default if o.name == "madrs")
    assert rows["plasma_midazolam"]["only when"] == ["dosing midazolam"]
    assert rows["sert_occupancy"]["only when"] == ["dosing citalopram", "dosing amitriptyline"]
    assert rows["nmda_block_mean"]["only when"] == ["circuit_block=uniform"]


def test_hypotheses_drugs_routes_cohorts_endpoints_come_from_their_registries(capsys):
    hyp = rows_of(capsys, "hypotheses")
    assert [(r["hypothesis"], r["default"], r["alternatives"]) for r in hyp] == \
        [(k, v[0], list(v[1:])) for k, v in HYPOTHESES.items()]
    drugs = {r["drug"]: r for r in rows_of(capsys, "drugs")}
    assert list(drugs) == list(DRUGS)
    assert drugs["ketamine"]["human routes"] == ["iv", "oral", "intranasal", "sublingual", "im"]
    assert drugs["ketamine"]["rat and mouse routes"][-1] == "ip"
    assert drugs["anti_bdnf"]["human routes"] == [] and drugs["anti_bdnf"]["rat and mouse routes"] == ["intracerebral"]
    routes = {r["route"]: r for r in rows_of(capsys, "routes")}
    assert list(routes) == list(ROUTES)
    assert routes["icv"] == {"route": "icv", "species": ["rat", "mouse"], "drugs": ["rapamycin"]}
    assert routes["iv"]["species"] == ["human", "rat", "mouse"]
    cohorts = {r["cohort"]: r for r in rows_of(capsys, "cohorts")}
    assert list(cohorts) == list(COHORTS) and cohorts["trd"]["inclusion MADRS ≥"] == COHORTS["trd"].inclusion_min.value
    ends = {r["endpoint"]: r for r in rows_of(capsys, "endpoints")}
    assert list(ends) == list(ENDPOINT_DEFS)
    assert ends["mean_difference"]["arms"] == "arm and versus" and ends["response_rate"]["arms"] == "arm"


def test_every_category_prints_a_table_with_whole_names_at_80_columns(capsys, monkeypatch):
    monkeypatch.setattr(console, "width", 80)   # the stdout console every table prints on
    for category in ("hypotheses", "drugs", "routes", "cohorts", "endpoints", "experiments"):
        code, out, err = listed(capsys, category)
        names = [next(iter(r.values())) for r in rows_of(capsys, category)]
        assert code == 0 and "…" not in out
        lines = out.splitlines()
        for name in names:   # each name whole, at the start of a table cell or of a block
            assert any(ln.startswith(f"│ {name} ") or ln == name for ln in lines), (category, name)


@pytest.mark.parametrize("typed, words", [
    ("observable", ["CATEGORY: unknown category 'observable'", "did you mean 'observables'?"]),
    ("drug", ["did you mean 'drugs'?"]),
    ("xyz", ["CATEGORY: unknown category 'xyz' (one of observables, hypotheses"]),
])
def test_an_unknown_category_is_one_line_exit_2(capsys, typed, words):
    code, out, err = listed(capsys, typed)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and out == "" and len(lines) == 1
    for w in words:
        assert w in lines[0], lines[0]


def test_the_registry_lists_the_issue_categories():
    assert {"observables", "hypotheses", "drugs", "routes", "cohorts", "endpoints"} <= set(CATEGORIES)
