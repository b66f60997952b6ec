"""Every parameter of ketasim whose value has no literature source (`assumed` or `fitted`).

The scorecard lists them so a user sees which numbers were chosen (with the stated
reason) and which were calibrated (with what they were fitted to). Parameters are
collected from every mechanism module under every hypothesis value and drug, from the
spiking circuit and from the statistical patient layer, each record once.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..parameters import UNSOURCED, Parameter


@dataclass(frozen=True)
class UnsourcedParameter:
    """One assumed or fitted value: where it lives, the value and why (the note)."""

    owner: str  # module name, "circuit" or "clinical (statistical)"
    name: str
    value: float
    unit: str
    source: str  # "assumed" or "fitted"
    note: str
    species: str = "all"

    def to_json(self) -> dict:
        return {"owner": self.owner, "name": self.name, "value": self.value, "unit": self.unit,
                "source": self.source, "note": self.note, "species": self.species}


def _modules():
    """Every mechanism module that any hypothesis value or drug can put in the model."""
    from ..mechanisms.drugs import DRUGS, PROCEDURES
    from ..mechanisms.registry import HYPOTHESES, core_modules, optional_modules

    drugs = frozenset(DRUGS) | frozenset(PROCEDURES)
    seen: dict[str, object] = {}
    choices = [{}] + [{k: v} for k, vals in HYPOTHESES.items() for v in vals[1:]]
    for hyp in choices:
        for m in core_modules(hyp, drugs):
            seen.setdefault((m.name, tuple(p for p in m.parameters)), m)
    for m in optional_modules().values():
        seen.setdefault((m.name, tuple(m.parameters)), m)
    return list(seen.values())


def _record(owner: str, q: Parameter) -> UnsourcedParameter:
    return UnsourcedParameter(owner, q.name, q.value, q.unit, q.source, q.note, q.species)


def unsourced_parameters() -> tuple[UnsourcedParameter, ...]:
    """All assumed/fitted parameters, sorted by source, owner and name, without repeats."""
    from ..circuit.parameters import CIRCUIT_PARAMETERS
    from ..trial import statistical_parameters

    out: dict[tuple, UnsourcedParameter] = {}
    groups = [(m.name, m.parameters) for m in _modules()]
    groups += [("circuit", CIRCUIT_PARAMETERS), ("clinical (statistical)", statistical_parameters())]
    for owner, params in groups:
        for q in params:
            if q.source in UNSOURCED:
                r = _record(owner, q)
                out.setdefault((r.owner, r.name, r.species), r)
    return tuple(sorted(out.values(), key=lambda r: (r.source, r.owner, r.name, r.species)))


PK_OWNERS = ("ketamine_s", "ketamine_r", "norketamine_s", "norketamine_r", "hnk", "dhnk", "pk_")


@dataclass(frozen=True)
class UnsourcedShare:
    """How many of a layer's parameter records have no data behind them: `assumed`, or
    `fitted` with a note that names no reference key (a value fitted to a named dataset
    has data behind it). Records are counted once per (module, name, value, source), so a
    value that differs between hypothesis variants counts once per variant."""

    total: int
    unsourced: tuple[tuple[str, str, str], ...]   # (module, parameter, source)

    @property
    def share(self) -> float:
        return len(self.unsourced) / self.total if self.total else 0.0


def unsourced_share(owners: tuple[str, ...] = PK_OWNERS) -> UnsourcedShare:
    """The unsourced share of the modules whose names start with one of `owners` (default:
    the PK layer: ketamine, its metabolites and the comparator drugs' PK)."""
    import re

    from ..references import registry

    keys = [k for k in registry() if k not in UNSOURCED]
    seen: set[tuple] = set()
    bad: list[tuple[str, str, str]] = []
    for m in _modules():
        if not m.name.startswith(owners):
            continue
        for q in m.parameters:
            key = (m.name, q.name, q.value, q.source)
            if key in seen:
                continue
            seen.add(key)
            named = any(re.search(rf"\b{re.escape(k)}\b", q.note) for k in keys)
            if q.source == "assumed" or (q.source == "fitted" and not named):
                bad.append((m.name, q.name, q.source))
    return UnsourcedShare(len(seen), tuple(bad))
