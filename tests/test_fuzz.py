"""Fuzzing the experiment files: mutated library documents through load, validation and plan.

A fixed seed mutates the shipped experiment files the way an attacker or a careless user
would: a value swapped for NaN, inf, a decimal comma, a huge or negative number, a long
string, a wrong unit, None or a value of the wrong type; a key dropped or added; and, in
the TOML text itself, a line duplicated or a decimal point turned into a comma. Each
document goes through `load_experiment`/`parse_experiment` and `experiment_plan` (no
simulation). The contract: the only exception is `InputError` (the loader turns pydantic's
`ValidationError` into `ExperimentFileError`, an `InputError`), and nothing accepted holds
a NaN, an inf or a comma quantity; every refusal is one line of at most a few hundred
characters (a long text is never echoed whole). The fast test tries a few hundred documents, the slow
one thousands; `fuzz` returns the outcomes by class for the record.
"""

from __future__ import annotations

import copy
import math
import random
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.experiments.loader import library_paths, load_experiment, parse_experiment
from ketasim.experiments.plan import experiment_plan

SEED = 20261204
# Keys whose values are quantity strings ('0.5 mg/kg', '40 min', '-66 mV'): a NaN, inf or
# comma put there must be refused.
QUANTITY_KEYS = {"dose", "start", "duration", "every", "weight", "age", "at", "baseline_at", "window",
                 "reference_window", "glutamate", "glycine", "magnesium", "voltage", "concentration",
                 "concentrations", "voltages", "sample"}
NUMBER_KEYS = {"expected", "rel_tol", "abs_tol", "range"}
QUANTITY = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*[A-Za-z]")
POISON = ("nan", "inf", "comma")   # what must never be accepted in a quantity or number field


def _comma(text: str) -> str:
    """A decimal comma in place of the first point, or a comma inserted after the first digit."""
    if "." in text:
        return text.replace(".", ",", 1)
    m = re.search(r"\d", text)
    return text[:m.end()] + ",5" + text[m.end():] if m else text + ",5"


def _wrong_unit(text: str, rng: random.Random) -> str:
    number = re.match(r"\s*[+-]?[\d.eE+-]*", text).group(0).strip() or "1"
    return f"{number} {rng.choice(['percent', 'rad', 'deg', 'mV', 'kg', 'uM', 'mg', 'min', '1/min', 'pct', 'rel', ''])}"


# Each mutation: (name, poison class or None, function(old value, rng) -> new value).
MUTATIONS = [
    ("nan_number", "nan", lambda v, r: float("nan")),
    ("inf_number", "inf", lambda v, r: r.choice([float("inf"), -float("inf")])),
    ("nan_quantity", "nan", lambda v, r: r.choice(["nan h", "NaN min", "nan mg/kg", " nan d", "-nan s"])),
    ("inf_quantity", "inf", lambda v, r: r.choice(["inf h", "-inf min", "infinity d", "1e400 h", "1e308 d",
                                                   "1e999 mg/kg"])),
    ("comma_decimal", "comma", lambda v, r: _comma(v) if isinstance(v, str) else f"{v},5".replace(".", ",")),
    ("huge_number", None, lambda v, r: r.choice([10**9, 10**18, 10**30, 1e308, -10**18])),
    ("huge_quantity", None, lambda v, r: r.choice(["1e9 d", "100000 d", "1e12 mg", "99999999 h", "1e300 min"])),
    ("long_string", None, lambda v, r: r.choice(["1" * 100_000 + " h", "x" * 10_000, "0." + "0" * 5000 + "1 mg",
                                                 "(" * 500 + "h" + ")" * 500])),
    ("wrong_unit", None, lambda v, r: _wrong_unit(v, r) if isinstance(v, str) else f"{v} percent"),
    ("negative", None, lambda v, r: (-v if isinstance(v, (int, float)) and not isinstance(v, bool)
                                     else "-" + v if isinstance(v, str) else -1)),
    ("none", None, lambda v, r: None),
    ("wrong_type", None, lambda v, r: r.choice([[], {}, True, "text", 3, 2.5, ["1 h", "2 h", "3 h"], {"a": 1}])),
    ("expression", None, lambda v, r: r.choice(["2 * 3 mg", "1 d + 1 h", "1 h / 0", "0x10 mg", "1_000 mg",
                                                "(1 mg)**2/mg", "1e3 s**2", "1 h*rad"])),
]


@dataclass
class Record:
    """What a fuzz run saw: documents tried, outcomes by class, and any contract breach."""

    tried: int = 0
    outcomes: Counter = field(default_factory=Counter)
    breaches: list[str] = field(default_factory=list)


def _leaves(node, path=()):
    """Every (path, value) of a document; a path is a tuple of keys and indices."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list) and node and all(isinstance(x, (dict, list)) for x in node):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path, node


def _set(doc, path, value):
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _containers(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _containers(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _containers(v, path + (i,))


def _key_of(path) -> str:
    """The nearest named key of a path (a list element's key is its list's)."""
    return next((str(p) for p in reversed(path) if isinstance(p, str)), "")


def _finite_everywhere(obj, seen=None) -> bool:
    """Whether every float in an accepted plan (or experiment record) is finite."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return True
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind not in "fc" or bool(np.all(np.isfinite(obj)))
    if isinstance(obj, dict):
        return all(_finite_everywhere(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_finite_everywhere(v) for v in obj)
    if is_dataclass(obj):
        return all(_finite_everywhere(getattr(obj, f.name)) for f in fields(obj))
    if hasattr(obj, "model_dump"):
        return _finite_everywhere(obj.model_dump())
    return True


def _mutate_document(doc: dict, rng: random.Random) -> tuple[dict, str, str | None, bool]:
    """One structural or value mutation: (document, mutation name, poison class, whether the
    poison landed in a quantity or number field, where it must be refused)."""
    doc = copy.deepcopy(doc)
    roll = rng.random()
    if roll < 0.08:                                           # drop a key
        path, node = rng.choice([(p, n) for p, n in _containers(doc) if isinstance(n, dict) and n])
        del node[rng.choice(list(node))]
        return doc, "drop_key", None, False
    if roll < 0.14:                                           # add a key: unknown, or a known one's near-duplicate
        path, node = rng.choice([(p, n) for p, n in _containers(doc) if isinstance(n, dict) and n])
        key = rng.choice(list(node))
        node[rng.choice([key + "_", key.upper(), "extra", key + "s"])] = copy.deepcopy(node[key])
        return doc, "add_key", None, False
    path, old = rng.choice(list(_leaves(doc)))
    if isinstance(old, list) and old and rng.random() < 0.5:   # one element of a list of scalars
        path, old = path + (rng.randrange(len(old)),), old[rng.randrange(len(old))]
    name, poison, make = rng.choice(MUTATIONS)
    new = make(old, rng)
    _set(doc, path, new)
    key = _key_of(path)
    in_field = poison is not None and (
        (key in QUANTITY_KEYS and isinstance(old, str) and QUANTITY.match(old) is not None)
        or (key in NUMBER_KEYS and isinstance(old, (int, float)) and not isinstance(old, bool)))
    if poison == "comma" and isinstance(new, str) and "," not in new:
        in_field = False
    return doc, name, poison, in_field


def _mutate_text(text: str, rng: random.Random) -> tuple[str, str]:
    """A mutation of the TOML text: a line duplicated (a duplicate key), dropped, or a decimal point made a comma."""
    lines = text.splitlines()
    roll = rng.random()
    if roll < 0.4:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "\n".join(lines), "duplicate_line"
    if roll < 0.6:
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines), "drop_line"
    quoted = [(i, m) for i, ln in enumerate(lines) for m in re.finditer(r'"[+-]?\d+\.\d+ ?[A-Za-z/]+"', ln)]
    if not quoted:
        return text, "unchanged"
    i, m = rng.choice(quoted)
    lines[i] = lines[i][:m.start()] + m.group(0).replace(".", ",", 1) + lines[i][m.end():]
    return "\n".join(lines), "comma_in_text"


MAX_MESSAGE_CHARS = 400   # the file's path, the field path, the problem and a short echo of the text


def _one_short_line(exc: InputError, record: Record, label: str) -> None:
    msg = str(exc)
    if "\n" in msg or len(msg) > MAX_MESSAGE_CHARS:
        record.breaches.append(f"{label}: a refusal of {len(msg)} characters or several lines: {msg[:200]!r}")


def _check(load, record: Record, label: str, poison_in_field: bool):
    """Load and plan one document; record its outcome class; note any breach of the contract."""
    record.tried += 1
    if poison_in_field:
        record.outcomes["poison (NaN, inf, comma) in a quantity or number field"] += 1
    try:
        exp = load()
    except InputError as exc:
        record.outcomes["refused at load"] += 1
        _one_short_line(exc, record, label)
        return
    except Exception as exc:  # noqa: BLE001 - the fuzz's finding
        record.outcomes[f"other exception at load: {type(exc).__name__}"] += 1
        record.breaches.append(f"{label}: load raised {type(exc).__name__}: {str(exc)[:200]}")
        return
    plan = None
    if exp.protocol.in_vitro is None:
        try:
            plan = experiment_plan(exp)
        except InputError as exc:
            record.outcomes["refused at plan"] += 1
            _one_short_line(exc, record, label)
            return
        except Exception as exc:  # noqa: BLE001
            record.outcomes[f"other exception at plan: {type(exc).__name__}"] += 1
            record.breaches.append(f"{label}: plan raised {type(exc).__name__}: {str(exc)[:200]}")
            return
    record.outcomes["accepted"] += 1
    if poison_in_field:
        record.breaches.append(f"{label}: a NaN, inf or comma in a quantity or number field was accepted")
    if not _finite_everywhere(exp) or (plan is not None and not _finite_everywhere(plan)):
        record.breaches.append(f"{label}: accepted with a non-finite number")


def fuzz(n: int, seed: int = SEED, tmp: Path | None = None) -> Record:
    """Mutate `n` library documents (a fifth as TOML text when `tmp` is given) and record the outcomes."""
    rng = random.Random(seed)
    paths = library_paths()
    texts = {p: p.read_text(encoding="utf-8") for p in paths}
    docs = {p: tomllib.loads(t) for p, t in texts.items()}
    record = Record()
    for k in range(n):
        p = rng.choice(paths)
        if tmp is not None and rng.random() < 0.2:
            text, name = _mutate_text(texts[p], rng)
            target = tmp / f"fuzz{k % 8}.toml"
            target.write_text(text, encoding="utf-8")
            comma = name == "comma_in_text"
            record.outcomes[f"mutation {name}"] += 1
            _check(lambda: load_experiment(target), record, f"#{k} {p.name} {name}", comma)
            continue
        doc, name, poison, in_field = _mutate_document(docs[p], rng)
        record.outcomes[f"mutation {name}"] += 1
        _check(lambda: parse_experiment(doc, p.name), record, f"#{k} {p.name} {name}", in_field)
    return record


def _report(record: Record) -> str:
    lines = [f"documents tried: {record.tried}"]
    lines += [f"  {k}: {v}" for k, v in sorted(record.outcomes.items())]
    return "\n".join(lines + record.breaches[:20])


def test_the_unmutated_library_loads_and_plans():
    record = Record()
    for p in library_paths():
        _check(lambda: load_experiment(p), record, p.name, False)
    assert record.breaches == [] and record.outcomes == Counter({"accepted": len(library_paths())})


def test_a_few_hundred_mutated_documents_raise_only_input_errors_and_accept_no_poison(tmp_path):
    record = fuzz(400, tmp=tmp_path)
    print(_report(record))
    assert record.tried == 400
    assert record.breaches == [], _report(record)
    # the mutations exercise both sides of the contract
    assert record.outcomes["refused at load"] > 100 and record.outcomes["accepted"] > 20
    assert record.outcomes["poison (NaN, inf, comma) in a quantity or number field"] > 20


@pytest.mark.slow
def test_thousands_of_mutated_documents_raise_only_input_errors_and_accept_no_poison(tmp_path):
    record = fuzz(6000, seed=SEED + 1, tmp=tmp_path)
    print(_report(record))
    assert record.tried == 6000
    assert record.breaches == [], _report(record)
