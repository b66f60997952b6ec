"""docs/python_api.md cannot rot: its python blocks run, in order, in one namespace.

Blocks after a `<!-- docs-test: slow -->` line (a virtual trial) run only in the slow
test; the fast test runs the rest, in order. Each runs in a fresh temporary folder (the
page writes results.nc, report.html and a trial folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "python_api.md"
BLOCK = re.compile(r"(<!-- docs-test: slow -->\n)?```python\n(.*?)```", re.S)


def blocks(include_slow: bool) -> list[str]:
    """The page's python blocks in order (the slow ones only when `include_slow`)."""
    found = [(bool(slow), code) for slow, code in BLOCK.findall(PAGE.read_text(encoding="utf-8"))]
    return [code for slow, code in found if include_slow or not slow]


def run_page(include_slow: bool) -> dict:
    namespace: dict = {"__name__": "python_api_md"}
    for i, code in enumerate(blocks(include_slow)):
        exec(compile(code, f"{PAGE.name}, python block {i + 1}", "exec"), namespace)
    return namespace


def test_the_page_has_the_walkthrough():
    fast, every = blocks(False), blocks(True)
    assert len(fast) >= 9 and len(every) == len(fast) + 1
    text = "\n".join(every)
    for call in ("k.DoseEvent(", "k.simulate(", 'sel(time="2 h")', "k.simulate_population(", "k.nca(",
                 "k.write_report(", "k.run_experiment(", "k.run_trial(", "k.with_time_units("):
        assert call in text, call


def test_the_page_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ns = run_page(include_slow=False)
    out = capsys.readouterr().out
    assert "DoseEvent.dose: '0.5 mg/h' is not a dose in mg or mg/kg" in out
    assert ns["peak"] > ns["at_2h"] > 0 and ns["r"] < -0.3
    assert (tmp_path / "report.html").stat().st_size > 10_000 and (tmp_path / "results.nc").exists()
    assert ns["result"].id == "pk-end-of-infusion-cmax"


@pytest.mark.slow
def test_the_whole_page_runs_with_the_trial(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns = run_page(include_slow=True)
    assert ns["trial"].summary["trial"]["n"] == 20 and (tmp_path / "trial" / "summary.json").exists()
