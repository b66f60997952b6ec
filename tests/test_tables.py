"""Terminal output: tables with names whole at 80 columns (commands/tables.py), status on
stderr only on a terminal (commands/status.py), and errors naming the option typed
(commands/common.option_named)."""

from io import StringIO

import pytest
from rich.console import Console

from ketasim.commands.common import REGIMEN_OPTIONS, console, err_console, option_named
from ketasim.commands.status import working
from ketasim.commands.tables import (blocks, column_widths, is_empty, kept_columns, print_rows, print_table,
                                     wrapped_lines)
from ketasim.commands.validate import SCORECARD_COLUMNS
from ketasim.experiments.loader import library


def rendered(width: int, fn, *args, **kwargs) -> str:
    """What `fn(..., console=...)` prints on a console `width` characters wide."""
    buf = StringIO()
    fn(*args, **kwargs, console=Console(file=buf, width=width, color_system=None))
    return buf.getvalue()


def first_cells(text: str) -> list[str]:
    """The first cell of every table body line (between the box's first two bars)."""
    return [ln.split("│")[1].strip() for ln in text.splitlines() if ln.startswith("│")]


def test_every_library_id_is_whole_in_the_scorecard_table_at_80_columns():
    ids = [e.id for e in library()]
    longest = sorted(ids, key=len)[-12:]   # the 44-character ids among them
    rows = [(i, i.split("-")[0], "calibration", "pass", "3 of 3 passed") for i in longest]
    text = rendered(80, print_table, "Validation scorecard", SCORECARD_COLUMNS, rows)
    assert "…" not in text and all(len(ln) <= 80 for ln in text.splitlines())
    lines = [ln.strip() for ln in text.splitlines()]
    for i in longest:
        assert any(ln == i or ln.startswith(i + " ") or f"│ {i} " in ln for ln in lines), i


def test_the_run_summaries_keep_every_name_whole_at_80_columns():
    """The tables `ketasim run` prints, from a real 2-hour solve, on an 80-column console."""
    from ketasim.experiments.plan import one_dose_regimen
    from ketasim.patient import Patient
    from ketasim.report.sections import layer_sections
    from ketasim.report.summary import pk_summary, receptor_summary
    from ketasim.simulate import simulate

    ds = simulate(one_dose_regimen("ketamine", "iv", "0.5 mg/kg", "40 min"), Patient(), "2 h", {})
    tables = [("PK", pk_summary(ds)), ("Receptors", receptor_summary(ds))]
    tables += [(sec.title, sec.rows) for sec in layer_sections(ds) if sec.rows]
    text = "".join(rendered(80, print_rows, title, rows) for title, rows in tables)
    assert "…" not in text and max(len(ln) for ln in text.splitlines()) <= 80
    every_row = [next(iter(r.values())) for _, rows in tables for r in rows]
    lines = [ln.strip() for ln in text.splitlines()]
    for name in every_row:   # each row's name whole: a block's heading line or a table's first cell
        assert any(ln == name or ln.startswith(f"│ {name} ") for ln in lines), name
    names = set(every_row)
    assert len(names) >= 40 and names <= set(ds.data_vars)
    assert {"plasma_dehydronorketamine", "eef2_phosphorylation", "dmn_cen_anticorrelation",
            "kynurenine", "opioid_tone"} <= names
    assert "24 h" not in text and "7 d" not in text  # checkpoints past the 2-hour run: empty, left out


def test_names_stay_whole_and_other_columns_wrap_at_80_columns():
    rows = [{"observable": "plasma_dehydronorketamine", "unit": "ng/mL", "Cmax": 3.403, "Tmax (min)": 120.0,
             "AUC (unit·h)": 3.234, "t1/2 (h)": None, "note": "a long remark " * 6},
            {"observable": "dmn_cen_anticorrelation", "unit": "1", "Cmax": 0.28, "Tmax (min)": 40.0,
             "AUC (unit·h)": 0.5, "t1/2 (h)": 1.6, "note": "-"}]
    text = rendered(80, print_rows, "PK", rows)
    assert "…" not in text and all(len(ln) <= 80 for ln in text.splitlines())
    assert [c for c in first_cells(text) if c] == ["plasma_dehydronorketamine", "dmn_cen_anticorrelation"]
    assert "3.403" in text and "—" in text           # a missing value among others reads —


def test_a_column_empty_in_every_row_is_left_out():
    rows = [{"observable": "bdnf", "value": 1.2, "24 h": "-", "7 d": None},
            {"observable": "madrs", "value": 20.0, "24 h": "-", "7 d": None}]
    text = rendered(80, print_rows, "Plasticity", rows)
    assert "24 h" not in text and "7 d" not in text and "value" in text
    assert kept_columns(["a", "b", "c"], [[None, "", []], [None, "—", ()]]) == [0]  # the name column stays
    assert is_empty("-") and is_empty([]) and not is_empty(0.0) and not is_empty("0")


def test_a_terminal_too_narrow_for_the_names_gets_blocks():
    rows = [("clinical-acute-hong1993-combination-hypnosis", "clinical", "calibration", "pass", "3 of 3 passed")]
    text = rendered(40, print_table, "Validation scorecard", SCORECARD_COLUMNS, rows)
    assert "┃" not in text and "…" not in text
    lines = text.splitlines()
    assert "clinical-acute-hong1993-combination-hypnosis" in lines
    assert "layer: clinical" in text and "result: pass" in text
    assert [type(b).__name__ for b in blocks("t", ["a", "b"], [["x", None]])] == ["Text", "Text"]  # no details


def test_column_widths_narrow_the_column_that_costs_fewest_lines():
    rows = [["name", "short", "a long description of many words"], ["bdnf", "x", "another long description"]]
    widths = column_widths([4, 5, 32], [[4, 5, 32], [4, 1, 12]], 1, 30, rows)
    assert widths[0] == 4 and sum(widths) <= 30 and widths[1] == 5   # the long text wraps, not 'short'
    assert column_widths([40, 5], [[40, 5], [40, 1]], 1, 30, rows) is None    # names never narrow
    assert wrapped_lines("a long description", 6) == 3 and wrapped_lines("abcdefghij", 4) == 3


def test_status_is_a_spinner_on_a_terminal_and_silent_elsewhere():
    term, plain = StringIO(), StringIO()
    with working("solving 0-2 h...", console=Console(file=term, force_terminal=True, width=80)):
        pass
    with working("solving 0-2 h...", console=Console(file=plain, force_terminal=False, width=80)):
        pass
    assert "solving 0-2 h..." in term.getvalue() and plain.getvalue() == ""
    assert err_console.stderr and not console.stderr    # status on stderr; tables and --json on stdout


@pytest.mark.parametrize("message, expected", [
    ("--dose.drug: unknown drug 'ketamin'", "--drug: unknown drug 'ketamin'"),
    ("--dose.route: 'icv' is a rodent-only route", "--route: 'icv' is a rodent-only route"),
    ("--dose.dose: intranasal esketamine comes in 28 mg devices", "--dose: intranasal esketamine comes in 28 mg devices"),
    ("patient.species: unknown species 'dog'", "--species: unknown species 'dog'"),
    ("patient.bdnf: unknown value 'val'", "--bdnf: unknown value 'val'"),
    ("hypotheses.opioid_gate: unknown value 'x'", "--hypothesis opioid_gate: unknown value 'x'"),
    ("solver: unknown solver 'tsit'", "--solver: unknown solver 'tsit'"),
    ("--duration: must be positive", "--duration: must be positive"),     # already an option
    ("no field here", "no field here"),
])
def test_internal_fields_are_named_as_the_options_typed(message, expected):
    assert option_named(message, REGIMEN_OPTIONS) == expected
