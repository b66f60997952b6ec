"""`ketasim hypotheses`: the experiment library under each value of each hypothesis switch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..choices import check_name
from ..files import atomic_write
from .common import console, err_console, guard
from .tables import print_table

DEFAULT_PATIENTS = 100  # per trial arm: every clinical trial runs once per value of every relevant switch


def hypotheses(
    switch: list[str] = typer.Option([], "--switch", help="only these switches (default: all)"),
    tags: list[str] = typer.Option([], "--tags", help="only experiments whose layer tag is one of these"),
    ids: list[str] = typer.Option([], "--id", help="only these experiment ids (repeatable)"),
    patients: int = typer.Option(DEFAULT_PATIENTS, "--patients",
                                 help="patients per trial arm (capped; trials run once per switch value)"),
    jobs: int = typer.Option(1, "--jobs", help="experiments run in this many processes"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the table as JSON here"),
) -> None:
    """Run the library under each value of each hypothesis switch: which findings each explains."""
    from rich.progress import Progress
    from rich.text import Text

    def go():
        from ..errors import InputError
        from ..files import check_output

        if json_out is not None:
            check_output(json_out, "--json")  # before the library runs
        from ..experiments.loader import library
        from ..mechanisms.registry import HYPOTHESES
        from ..validation.hypotheses import distinct_runs, table_of, variants
        from ..validation.library_run import checked_selection, require_at_least, run_library

        for s in switch:
            check_name(s, HYPOTHESES, "--switch", "hypothesis")
        require_at_least(patients, 1, "--patients")
        require_at_least(jobs, 1, "--jobs")
        selected = checked_selection(library(), tags, ids)
        switches = {s: HYPOTHESES[s] for s in (switch or HYPOTHESES) if len(HYPOTHESES[s]) > 1}
        runs = variants(selected, switches)
        if not runs:
            raise InputError("--switch/--tags/--id: no selected experiment depends on the selected switches")
        todo, index = distinct_runs(runs)
        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task("experiments", total=len(todo))
            entries = run_library(todo, patients, None, jobs,
                                  on_done=lambda e: bar.update(task, advance=1, description=e.experiment.id))
        return table_of(runs, [entries[i] for i in index], switches)

    table = guard(go)
    from ..validation.hypotheses import conflicts, table_json

    for s, values in table.switches.items():
        rows = []
        for eid in table.experiments(s):
            fv = table.file_values[(eid, s)]
            cells = []
            for v in values:
                ok = table.passed.get((eid, s, v), False)
                ms = table.measures.get((eid, s, v), ())
                own = " *" if v == fv else ""
                if (eid, s, v) in table.errors:
                    cells.append(Text("error", style="yellow") + own)
                    continue
                mark = Text("pass", style="green") if ok else Text("miss", style="red")
                cells.append(mark + f" {sum(p for _, _, p in ms)}/{len(ms)}" + own)
            rows.append((eid, *cells))
        print_table(f"hypothesis {s}", ("experiment", *values), rows)
        console.print("  " + "; ".join(f"{v}: explains {len(table.explained(s, v))} of {len(table.experiments(s))}"
                                       for v in values) + "   (* the file's own choice)")
        for (eid, sw, v), why in table.errors.items():
            if sw == s:
                console.print(f"  error: {eid} under {s}={v}: {why}", markup=False, highlight=False)
    found = conflicts(table)
    if found:
        console.print("Conflicting findings (no single value explains both):")
        for c in found:
            console.print(f"  {c.switch}: {c.first} needs {c.first_value}, {c.second} needs {c.second_value}")
    if json_out:
        atomic_write(json_out, lambda p: p.write_text(json.dumps(table_json(table), indent=1)))
        console.print(f"wrote {json_out}")
