"""Check the human PK dataset in src/ketasim/data/pk (issue 20).

Run: python scripts/check_pk_data.py   (no ketasim import needed; stdlib only)

Checks: index.toml parses; every [series.*] names an existing CSV with columns
time_h,value,sd,n, numeric non-negative times in increasing order and positive values;
every series and summaries.csv row has a set of calibration/validation, a source key
present in data/references.toml, a known quality flag; summary ids are unique.
Prints a one-line count per set and exits 1 on the first problem list.
"""

from __future__ import annotations

import csv
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "ketasim" / "data"
PK = ROOT / "pk"
SETS = {"calibration", "validation"}
QUALITY = {"primary", "secondary-review", "secondary-transcribed", "secondary-digitized", "secondary-reproduction"}


def main() -> int:
    problems: list[str] = []
    refs = tomllib.loads((ROOT / "references.toml").read_text(encoding="utf-8"))
    index = tomllib.loads((PK / "index.toml").read_text(encoding="utf-8"))
    counts: dict[str, int] = {}

    for sid, meta in index.get("series", {}).items():
        for field in ("path", "source", "analyte", "unit", "sampling", "drug", "route", "dose", "set", "quality", "where"):
            if field not in meta:
                problems.append(f"series {sid}: missing {field}")
        if meta.get("set") not in SETS:
            problems.append(f"series {sid}: set {meta.get('set')!r}")
        if meta.get("source") not in refs:
            problems.append(f"series {sid}: source {meta.get('source')!r} not in references.toml")
        if meta.get("quality") not in QUALITY:
            problems.append(f"series {sid}: quality {meta.get('quality')!r}")
        path = PK / meta.get("path", "")
        if not path.is_file():
            problems.append(f"series {sid}: no file {path.name}")
            continue
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames != ["time_h", "value", "sd", "n"]:
                problems.append(f"series {sid}: columns {reader.fieldnames}")
            rows = list(reader)
        times = [float(r["time_h"]) for r in rows]
        if not rows or any(t < 0 for t in times) or times != sorted(times):
            problems.append(f"series {sid}: times missing, negative or unordered")
        if any(float(r["value"]) <= 0 for r in rows):
            problems.append(f"series {sid}: non-positive value")
        counts[f"series/{meta.get('set')}"] = counts.get(f"series/{meta.get('set')}", 0) + 1

    with (PK / index["summaries"]["path"]).open(newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != index["summaries"]["columns"]:
            problems.append("summaries.csv: columns differ from index.toml [summaries].columns")
        rows = list(reader)
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        problems.append("summaries.csv: duplicate ids")
    for r in rows:
        if r["set"] not in SETS:
            problems.append(f"summary {r['id']}: set {r['set']!r}")
        if r["source"] not in refs:
            problems.append(f"summary {r['id']}: source {r['source']!r} not in references.toml")
        if r["quality"] not in QUALITY:
            problems.append(f"summary {r['id']}: quality {r['quality']!r}")
        if not r["value"] or not r["unit"] or not r["where"]:
            problems.append(f"summary {r['id']}: empty value, unit or where")
        counts[f"summary/{r['set']}"] = counts.get(f"summary/{r['set']}", 0) + 1

    split = index.get("split", {})
    used = {r["source"] for r in rows} | {m["source"] for m in index.get("series", {}).values()}
    listed = set(split.get("calibration", [])) | set(split.get("validation", []))
    if used - listed:
        problems.append(f"[split] does not list sources {sorted(used - listed)}")

    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
