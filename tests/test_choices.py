"""Names chosen from a known list: the one check and its 'did you mean' (ketasim.choices)."""

import pytest

from ketasim.choices import check_name, did_you_mean, one_of, suggestion, unknown_name
from ketasim.errors import InputError
from ketasim.mechanisms.drugs import DRUGS, ROUTES
from ketasim.mechanisms.registry import HYPOTHESES


@pytest.mark.parametrize("typed, choices, meant", [
    ("ketamin", DRUGS, "ketamine"),
    ("Esketamine", DRUGS, "esketamine"),      # case is ignored
    ("intranasel", ROUTES, "intranasal"),
    ("opioid_gat", HYPOTHESES, "opioid_gate"),
    ("humna", ("human", "rat", "mouse"), "human"),
    ("val", ("val/val", "val/met", "met/met"), "val/val"),
])
def test_a_typo_suggests_the_name_meant(typed, choices, meant):
    assert suggestion(typed, choices) == meant
    assert did_you_mean(typed, choices) == f"; did you mean {meant!r}?"


@pytest.mark.parametrize("typed", ["unobtainium", "xyz", ""])
def test_nothing_close_suggests_nothing(typed):
    assert suggestion(typed, DRUGS) is None and did_you_mean(typed, DRUGS) == ""


def test_the_refusal_names_field_name_suggestion_and_list_in_one_line():
    msg = unknown_name("--drug", "drug", "ketamin", ("ketamine", "esketamine"))
    assert msg == "--drug: unknown drug 'ketamin'; did you mean 'ketamine'? (one of ketamine, esketamine)"
    with pytest.raises(InputError, match=r"^--route: unknown route 'nasal' \(one of iv, oral\)$"):
        check_name("nasal", ("iv", "oral"), "--route", "route")
    assert check_name("iv", ("iv", "oral"), "--route", "route") == "iv"


def test_a_long_list_is_left_out_and_a_long_name_is_cut():
    many = [f"name_{i}" for i in range(100)]
    assert one_of(many) == "" and one_of(many[:3]) == " (one of name_0, name_1, name_2)"
    msg = unknown_name("f", "name", "x" * 500, ("a",))
    assert len(msg) < 100 and "\n" not in msg and "(500 characters)" in msg
