"""The library under each value of each hypothesis switch: which findings each explains.

A hypothesis switch (`opioid_gate`, `nmda_block`, ...) selects a module variant. For each
switch and each of its values, every experiment the switch can change is run with that
value (set in the protocol and in every trial arm), all else as in the file. An
experiment is *relevant* to a switch when its model differs between the switch's values
(its assembled model's generated code changes); in-vitro protocols are always run.

Conflicting findings are pairs of experiments that no single value explains together:
one passes only under value A, the other only under value B (naltrexone's block of the
antidepressant response, Williams 2018, against its absence, Yoon 2019, is the example
the literature argues about).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..engine.module import Module
from ..experiments.schema import Experiment
from .library_run import LibraryEntry


@dataclass(frozen=True)
class Variant:
    """One experiment run under one value of one switch."""

    switch: str
    value: str
    experiment: Experiment
    file_value: str  # the value the experiment's own file uses (or the default)


@dataclass(frozen=True)
class Conflict:
    switch: str
    first: str  # experiment id explained only under first_value
    first_value: str
    second: str
    second_value: str


@dataclass(frozen=True)
class HypothesisTable:
    """passed[(experiment id, switch, value)]; switches with their values in order."""

    switches: Mapping[str, tuple[str, ...]]
    passed: Mapping[tuple[str, str, str], bool]
    measures: Mapping[tuple[str, str, str], tuple[tuple[str, float, bool], ...]]  # (name, simulated, passed)
    file_values: Mapping[tuple[str, str], str]
    titles: Mapping[str, str]
    errors: Mapping[tuple[str, str, str], str] = field(default_factory=dict)  # runs refused or failed: why

    def experiments(self, switch: str) -> list[str]:
        seen: list[str] = []
        for (eid, s, _v) in self.passed:
            if s == switch and eid not in seen:
                seen.append(eid)
        return seen

    def explained(self, switch: str, value: str) -> list[str]:
        return [eid for eid in self.experiments(switch) if self.passed.get((eid, switch, value), False)]


def drugs_of(exp: Experiment) -> frozenset[str]:
    """The drugs and procedures of every dose of the protocol and of every trial arm."""
    doses = list(exp.protocol.doses) + [d for a in exp.protocol.arms.values() for d in a.doses]
    return frozenset((d.procedure or d.drug) for d in doses if (d.procedure or d.drug))


def file_value(exp: Experiment, switch: str, default: str) -> str:
    """The value of `switch` the file uses (protocol, else the first arm that sets it)."""
    if switch in exp.protocol.hypotheses:
        return exp.protocol.hypotheses[switch]
    for arm in exp.protocol.arms.values():
        if switch in arm.hypotheses:
            return arm.hypotheses[switch]
    return default


def signature(m: Module) -> tuple:
    """What makes a module's equations and values what they are (name, equations, parameters
    with their units, inputs, outputs, initial values, dose targets): two modules with the
    same signature compute the same thing."""
    return (m.name, m.equations, tuple((q.name, q.value, q.unit, q.species) for q in m.parameters),
            tuple(sorted(m.inputs.items())), tuple(m.outputs),
            tuple(sorted((k, repr(v)) for k, v in m.initial.items())), tuple(m.dose_targets))


def upstream_modules(modules: Sequence[Module], signals: Sequence[str]) -> tuple[Module, ...]:
    """The modules that the given signals depend on (the modules publishing them and,
    through module inputs, every module those read), sorted by name."""
    provider = {o: m for m in modules for o in m.outputs}
    todo = [provider[s] for s in signals if s in provider]
    seen: dict[str, Module] = {}
    while todo:
        m = todo.pop()
        if m.name in seen:
            continue
        seen[m.name] = m
        todo.extend(provider[s] for s in m.inputs if s in provider)
    return tuple(seen[name] for name in sorted(seen))


def signatures(modules: Sequence[Module]) -> tuple:
    """The sorted `signature`s of modules: equal for two lists that compute the same."""
    return tuple(sorted(signature(m) for m in modules))


def upstream(modules: Sequence[Module], signals: Sequence[str]) -> tuple:
    """Signatures of the modules the given signals depend on (through module inputs)."""
    return signatures(upstream_modules(modules, signals))


def relevant(exp: Experiment, switch: str, values: Sequence[str], memo: dict | None = None) -> bool:
    """Whether the switch can change this experiment's measures.

    In-vivo: the modules upstream of the measured observables differ between values.
    Trials: the model's modules differ anywhere (endpoints read several clinical signals).
    In-vitro protocols are always run (they are cheap and read receptor switches).
    Decided on the module lists `registry.model_modules` gives, without assembling a model.
    memo: answers by (species, hypotheses, drugs, switch, signals), shared across calls so
    experiments with the same drugs and measures are decided once.
    """
    from ..mechanisms.registry import model_modules

    if exp.protocol.in_vitro is not None:
        return True
    base = dict(exp.protocol.hypotheses)
    signals = None if exp.protocol.arms else tuple(sorted({x for m in exp.measure for x in (m.observable, m.versus)
                                                           if x}))
    key = (exp.species, tuple(sorted(base.items())), drugs_of(exp), switch, tuple(values), signals)
    if memo is not None and key in memo:
        return memo[key]
    lists = [model_modules(exp.species, {**base, switch: v}, drugs_of(exp)) for v in values]
    if signals is None:
        answer = len({signatures(mods) for mods in lists}) > 1
    else:
        answer = len({upstream(mods, signals) for mods in lists}) > 1
    if memo is not None:
        memo[key] = answer
    return answer


def with_hypothesis(exp: Experiment, switch: str, value: str) -> Experiment:
    """The experiment with `switch = value` in its protocol and in every arm that sets it."""
    arms = {name: (a.model_copy(update={"hypotheses": {**a.hypotheses, switch: value}})
                   if switch in a.hypotheses else a) for name, a in exp.protocol.arms.items()}
    protocol = exp.protocol.model_copy(update={"hypotheses": {**exp.protocol.hypotheses, switch: value},
                                               "arms": arms})
    return exp.model_copy(update={"protocol": protocol})


def variants(experiments: Sequence[Experiment], switches: Mapping[str, Sequence[str]]) -> list[Variant]:
    """Every (relevant experiment, switch value) pair to run."""
    out: list[Variant] = []
    memo: dict = {}
    for switch, values in switches.items():
        for exp in experiments:
            if not relevant(exp, switch, values, memo):
                continue
            fv = file_value(exp, switch, values[0])
            out.extend(Variant(switch, v, with_hypothesis(exp, switch, v), fv) for v in values)
    return out


def run_key(exp: Experiment) -> str:
    """What decides an experiment's run, with every switch's value spelled out (the defaults
    filled into the protocol): two variants with the same key are the same run. The run under
    a file's own value is one run for every switch, not one per switch."""
    from ..mechanisms.registry import resolve_hypotheses

    protocol = exp.protocol.model_copy(update={"hypotheses": resolve_hypotheses(dict(exp.protocol.hypotheses))})
    return exp.model_copy(update={"protocol": protocol}).model_dump_json()


def distinct_runs(runs: Sequence[Variant]) -> tuple[list[Experiment], list[int]]:
    """The experiments to run, each once, and for every variant the index of its run in them.

    Why: an experiment relevant to k switches would otherwise run its file's own values k
    times (the library's 784 variants are 514 runs)."""
    first: dict[str, int] = {}
    todo: list[Experiment] = []
    index: list[int] = []
    for v in runs:
        key = run_key(v.experiment)
        if key not in first:
            first[key] = len(todo)
            todo.append(v.experiment)
        index.append(first[key])
    return todo, index


def table_of(runs: Sequence[Variant], entries: Sequence[LibraryEntry],
             switches: Mapping[str, Sequence[str]]) -> HypothesisTable:
    passed, measures, file_values, titles, errors = {}, {}, {}, {}, {}
    for v, e in zip(runs, entries):
        eid = v.experiment.id
        passed[(eid, v.switch, v.value)] = e.passed
        if e.result is None:
            errors[(eid, v.switch, v.value)] = e.error
        measures[(eid, v.switch, v.value)] = tuple((m.name, m.simulated, m.passed)
                                                   for m in (e.result.measures if e.result else ()))
        file_values[(eid, v.switch)] = v.file_value
        titles[eid] = v.experiment.title
    used = {s: tuple(vals) for s, vals in switches.items() if any(k[1] == s for k in passed)}
    return HypothesisTable(used, passed, measures, file_values, titles, errors)


def conflicts(table: HypothesisTable) -> list[Conflict]:
    """Pairs of experiments that pass only under different values of the same switch."""
    out = []
    for switch, values in table.switches.items():
        only: dict[str, str] = {}
        for eid in table.experiments(switch):
            ok = [v for v in values if table.passed.get((eid, switch, v), False)]
            if len(ok) == 1:
                only[eid] = ok[0]
        ids = list(only)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if only[a] != only[b]:
                    out.append(Conflict(switch, a, only[a], b, only[b]))
    return out


def table_json(table: HypothesisTable) -> dict:
    rows = {}
    for (eid, s, v), ok in table.passed.items():
        rows.setdefault(eid, {"title": table.titles[eid], "file": {}, "passed": {}})
        rows[eid]["file"][s] = table.file_values[(eid, s)]
        rows[eid]["passed"][f"{s}={v}"] = ok
        rows[eid].setdefault("measures", {})[f"{s}={v}"] = [
            {"name": n, "simulated": x, "passed": p} for n, x, p in table.measures[(eid, s, v)]]
        if (eid, s, v) in table.errors:
            rows[eid].setdefault("errors", {})[f"{s}={v}"] = table.errors[(eid, s, v)]
    return {
        "switches": {s: list(v) for s, v in table.switches.items()},
        "experiments": rows,
        "explained": {f"{s}={v}": table.explained(s, v) for s, vals in table.switches.items() for v in vals},
        "conflicts": [c.__dict__ for c in conflicts(table)],
    }
