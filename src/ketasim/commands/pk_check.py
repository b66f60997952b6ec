"""`ketasim pk-check`: the model against the published human PK data (`data/pk/`), as
population-PK fit metrics (median PE, MdAPE, GMR, within two-fold) per group and per row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..files import atomic_group, check_output
from .common import console, err_console, guard, parse_hypotheses
from .status import working
from .tables import print_table

PK_CHECK_OPTIONS = {"hypotheses.": "--hypothesis "}   # the model's hypothesis checks, as the option typed
GROUP_COLUMNS = ("group", "n", "median PE %", "MdAPE %", "GMR obs/pred", "within 2-fold %")
ROW_COLUMNS = ("id", "source", "set", "analyte", "metric", "observed", "predicted", "ratio", "within 2-fold",
               "in range")
PERCENT = 100.0


def _yes_no(x: bool | None) -> str | None:
    return None if x is None else ("yes" if x else "no")


def group_rows(check) -> list[dict]:
    """The per-group table as rows (dicts: 'by' and `GROUP_COLUMNS`)."""
    return [{"by": g.by, **dict(zip(GROUP_COLUMNS, (g.name, g.n, g.median_pe, g.mdape, g.gmr,
                                                    g.within_two_fold * PERCENT)))}
            for g in check.groups]


def row_rows(check) -> list[dict]:
    """The per-row table as rows (dicts with `ROW_COLUMNS`): summary values, then series points;
    observed with its unit (the prediction is in the same unit), ratio = predicted/observed."""
    from ..pkdata.result import observed_text

    return [dict(zip(ROW_COLUMNS, (c.id, c.source, c.set, c.analyte, c.metric, f"{observed_text(c)} {c.unit}",
                                   c.predicted, c.ratio, _yes_no(c.within_two_fold), _yes_no(c.in_range))))
            for c in check.prediction.comparisons]


def pk_check(
    which: str = typer.Option("all", "--set", help="calibration, validation or all"),
    hypothesis: list[str] = typer.Option([], "--hypothesis",
                                         help="NAME=VALUE (repeatable), e.g. ketamine_pk=domino1982"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write every comparison, group and refusal here"),
    html_out: Optional[Path] = typer.Option(None, "--html",
                                            help="write an HTML page (tables, observed-vs-predicted plot) here"),
) -> None:
    """Compare the model with the published human PK data (summaries and series of data/pk)."""

    def go():
        from ..errors import InputError
        from ..mechanisms.registry import resolve_hypotheses
        from ..pkdata.result import SET_CHOICES, run_check
        from ..choices import check_name

        check_name(which, SET_CHOICES, "--set", "set")
        hyp = parse_hypotheses(hypothesis)
        resolve_hypotheses(hyp)          # an unknown switch or value: one line, before any work
        for path, flag in ((json_out, "--json"), (html_out, "--html")):
            if path is not None:
                check_output(path, flag)
        if json_out is not None and html_out is not None and json_out.resolve() == html_out.resolve():
            raise InputError("--html: the same file as --json")
        with working("simulating the published regimens (the first solve compiles the model)..."):
            return run_check(which, hyp)

    check = guard(go, PK_CHECK_OPTIONS)
    groups, rows = group_rows(check), row_rows(check)
    by_order = list(dict.fromkeys(r["by"] for r in groups))
    for by in by_order:
        title = "Fit metrics: " + ("overall" if by == "all" else f"per {by}")
        print_table(title, GROUP_COLUMNS, [[r[c] for c in GROUP_COLUMNS] for r in groups if r["by"] == by])
    print_table("Published values and predictions", ROW_COLUMNS, [list(r.values()) for r in rows], names=1)
    refused = check.prediction.refused
    if refused:
        print_table("Not computable", ("id", "metric", "reason"), [(r.id, r.metric, r.reason) for r in refused])
    writers = {}
    if json_out is not None:
        from ..pkdata.result import check_json

        text = json.dumps(check_json(check), indent=1)
        writers[json_out] = lambda p: p.write_text(text, encoding="utf-8")
    if html_out is not None:
        from ..pkdata.page import render_page

        page = render_page(check, groups, rows)
        writers[html_out] = lambda p: p.write_text(page, encoding="utf-8")
    if writers:
        atomic_group(writers)
        console.print("wrote " + " and ".join(str(p) for p in writers))
    if not check.prediction.comparisons:
        err_console.print("note: nothing in the selection could be computed", markup=False, highlight=False)
