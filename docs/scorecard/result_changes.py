"""Write a Markdown list of the library experiments whose results changed between two
scorecard JSON files: class, pass/miss and every measure whose simulated value moved by
more than 1%. Run from the repository root, e.g. after a model change:

    python docs/scorecard/result_changes.py OLD.json docs/scorecard/scorecard.json > docs/scorecard/result_changes.md
"""

from __future__ import annotations

import json
import sys

MOVED = 0.01   # relative change in a simulated value that is listed


def _load(path: str) -> dict[str, dict]:
    return {e["id"]: e for e in json.load(open(path, encoding="utf-8"))["experiments"]}


def _mark(e: dict) -> str:
    return f"{e['class']}, {'pass' if e['passed'] else 'miss'}"


def _moved(a: dict, b: dict) -> list[str]:
    old = {m["name"]: m for m in a["measures"]}
    lines = []
    for m in b["measures"]:
        x = old.get(m["name"])
        if x is None or not all(isinstance(v, (int, float)) for v in (x["simulated"], m["simulated"])):
            continue
        if abs(m["simulated"] - x["simulated"]) > MOVED * max(abs(x["simulated"]), 1e-12):
            lines.append(f"  - {m['name']}: {x['simulated']:.4g} -> {m['simulated']:.4g} "
                         f"({'pass' if x['passed'] else 'miss'} -> {'pass' if m['passed'] else 'miss'})")
    return lines


def main(old_path: str, new_path: str) -> str:
    old, new = _load(old_path), _load(new_path)
    out = [f"# Library results that changed\n", f"From `{old_path}` to `{new_path}`; a simulated value is listed "
           f"when it moved by more than {MOVED:.0%}.\n"]
    for k in sorted(new):
        if k not in old:
            out.append(f"- **{k}**: new ({_mark(new[k])})")
            continue
        moved = _moved(old[k], new[k])
        if moved or _mark(old[k]) != _mark(new[k]):
            out.append(f"- **{k}**: {_mark(old[k])} -> {_mark(new[k])}")
            out.extend(moved)
    out += [f"- **{k}**: removed" for k in sorted(set(old) - set(new))]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(main(sys.argv[1], sys.argv[2]))
