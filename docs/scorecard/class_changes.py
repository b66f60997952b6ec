"""Write class_changes.md: experiments whose class changed when classes became derived.

Compares the classes a scorecard JSON written before the derivation recorded (the
`calibration` flag each file declared; everything else counted as validation) with the
classes `ketasim.validation.classification` derives now, and gives the derivation's
reasons for each change. Run from the repository root:

    python docs/scorecard/class_changes.py OLD_SCORECARD_JSON > docs/scorecard/class_changes.md
"""

from __future__ import annotations

import json
import sys


def old_classes(path: str) -> dict[str, str]:
    """id -> class recorded in an old scorecard JSON (declared calibration, else validation)."""
    data = json.load(open(path, encoding="utf-8"))
    return {e["id"]: e.get("class") or ("calibration" if e.get("calibration") else "validation")
            for e in data["experiments"]}


def main(argv: list[str]) -> int:
    from ketasim.experiments.loader import library
    from ketasim.validation.classification import classify_library

    before = old_classes(argv[0])
    now = classify_library(library())
    rows = []
    for eid in sorted(set(before) | set(now)):
        old = before.get(eid, "(not in the library)")
        new = now.get(eid)
        kind = new.kind if new else "(not in the library)"
        if old != kind:
            reasons = "; ".join(new.reasons) if new else "removed (a duplicate of a number tested elsewhere)"
            rows.append(f"| `{eid}` | {old} | {kind} | {reasons} |")
    print("# Experiments whose class changed when classes became derived\n")
    print(f"Old: the declared `calibration` flags of `{argv[0]}`; new: `ketasim.validation.classification`. "
          f"{len(rows)} of {len(before)} experiments changed.\n")
    print("| experiment | before | now | why (the derivation's reasons) |\n|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
