"""The checked-in scorecard is a generated artefact of the whole library, and the README's
pass-rate table is the one generated from it (no hand-written numbers)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ketasim.experiments.loader import library

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "scorecard"


def _table_module():
    spec = importlib.util.spec_from_file_location("scorecard_table", ROOT / "docs" / "scorecard_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_scorecard_covers_the_whole_library():
    data = json.loads((DOCS / "scorecard.json").read_text(encoding="utf-8"))
    assert {e["id"] for e in data["experiments"]} == {e.id for e in library()}
    s = data["summary"]
    assert s["total"] == len(data["experiments"]) == sum(v[0] for v in s["by_tag"].values())
    # every experiment is of one class (a scorecard written before the consistency class has none)
    assert s["calibration"][0] + s.get("consistency", [0, 0])[0] + s["validation"][0] == s["total"]
    html = (DOCS / "scorecard.html").read_text(encoding="utf-8")
    assert all(f'id="{e["id"]}"' in html for e in data["experiments"])


def test_readme_table_is_generated_from_the_scorecard():
    mod = _table_module()
    data = json.loads((DOCS / "scorecard.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert mod.table(data) in readme
    total = data["summary"]["by_layer"]["total"]["all"]
    assert f"{total[1]} / {total[0]}" in mod.table(data)
