"""Every library experiment's class (calibration, consistency, validation), without simulating.

The class is derived from the experiment files and the parameter records
(ketasim.validation.classification): models are assembled, never compiled or solved, so
the whole library takes seconds.

    python docs/classify_library.py                      the table: id, layer, class, reasons
    python docs/classify_library.py --json classes.json  also write it as JSON
    python docs/classify_library.py --compare docs/scorecard/scorecard.json
                                                         experiments whose class differs there
    python docs/classify_library.py --rescore docs/scorecard/scorecard.json
                                                         rewrite that scorecard's classes and
                                                         per-class tallies (pass/miss kept)
    python docs/classify_library.py --catalogue pk-terminal-half-life
                                                         the parameters that experiment's
                                                         measures depend on, with their sources

`--compare` and `--rescore` read the fitted parameter file's experiments from the
scorecard's settings (a run with `--parameters`), so they stay calibration.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _fitted_ids(scorecard: dict) -> frozenset[str]:
    prov = scorecard.get("settings", {}).get("parameter_file_provenance")
    if not prov:
        return frozenset()
    data = json.loads(prov) if isinstance(prov, str) else prov
    return frozenset((data or {}).get("experiments", ()))


def main(argv: list[str] | None = None) -> int:
    from ketasim.experiments.loader import library
    from ketasim.validation.catalogue import parameter_catalogue
    from ketasim.validation.classification import classify_library
    from ketasim.validation.reclassify import class_changes, reclassified

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="write the table as JSON here")
    ap.add_argument("--compare", type=Path, help="a scorecard JSON: list experiments whose class differs")
    ap.add_argument("--rescore", type=Path, help="a scorecard JSON to rewrite with the classes derived now")
    ap.add_argument("--catalogue", metavar="ID", help="print the parameter catalogue of experiment ID")
    args = ap.parse_args(argv)

    if args.catalogue:
        by_id = {e.id: e for e in library()}
        if args.catalogue not in by_id:
            print(f"--catalogue: no library experiment {args.catalogue!r}", file=sys.stderr)
            return 2
        for e in parameter_catalogue(by_id[args.catalogue]):
            q = e.parameter
            print(f"{e.qualified}\t{q.species}\t{q.source}\t{q.note}")
        return 0

    source = args.rescore or args.compare
    scorecard = json.loads(source.read_text()) if source else {}
    exps = library()
    classes = classify_library(exps, _fitted_ids(scorecard))
    if args.compare or args.rescore:
        changes = class_changes(scorecard, classes)
        for eid, old, new in changes:
            print(f"{eid}\t{old} -> {new}")
        print(f"{len(changes)} of {len(scorecard['experiments'])} experiments change class", file=sys.stderr)
        if args.rescore:
            args.rescore.write_text(json.dumps(reclassified(scorecard, classes), indent=1))
            print(f"rewrote {args.rescore}", file=sys.stderr)
        return 0
    rows = [{"id": e.id, "layer": e.tags[0], **classes[e.id].to_json()} for e in exps]
    for r in rows:
        print(f"{r['id']}\t{r['layer']}\t{r['class']}\t{'; '.join(r['class_reasons'])}")
    counts = {k: sum(r["class"] == k for r in rows) for k in ("calibration", "consistency", "validation")}
    print(", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
