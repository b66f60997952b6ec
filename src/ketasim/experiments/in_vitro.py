"""Run `[protocol.in_vitro]` experiments: voltage-clamp protocols on the receptor scheme.

Observables of an in-vitro protocol:

- `block` (fraction): steady-state 1 - I(drug)/I(no drug), over the sweep axis
  (concentration in uM, or voltage in mV)
- `mg_remaining` (fraction): steady-state I(Mg2+)/I(no Mg2+) over a voltage sweep
- `current` (relative): conductance over time (s) relative to the drug-free steady state
  in the table's own bath (glutamate, glycine, Mg2+, voltage)

Statistics: `ic50` (uM, from a concentration sweep), `value_at` (at a concentration,
voltage or time), `max`/`min`, `relaxation_rate` (1/s: exponential fit in `window`),
`on_rate` ((k_onset - k_recovery)/[drug] in 1/(M s): onset in `window`, recovery in
`reference_window`) and `rate_ratio` (k in `window` / k in `reference_window`).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Mapping

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from ..choices import did_you_mean, one_of
from ..engine.failure import quiet
from ..measures import MeasureError
from ..receptor.clamp import (ClampError, Step, blockers_of, composition, ic50, mg_remaining,
                              steady_block, steady_conductance, time_course)
from ..receptor.scheme import Bath
from ..receptor.values import ReceptorValues
from ..units import from_canonical, parse_quantity, to_canonical
from .schema import IN_VITRO_STATISTICS, Experiment, InVitro, Measure

IN_VITRO_OBSERVABLES = {"block": "1", "mg_remaining": "1", "current": "1", "occupancy": "1"}

# What each in-vitro statistic needs of its measure, besides observable and unit.
IN_VITRO_NEEDS: dict[str, tuple[str, ...]] = {
    "ic50": (), "value_at": ("at",), "max": (), "min": (), "relaxation_rate": ("window",),
    "on_rate": ("window", "reference_window"), "rate_ratio": ("window", "reference_window"),
}
assert set(IN_VITRO_NEEDS) == set(IN_VITRO_STATISTICS)


def _q(text: str, unit: str, field: str) -> float:
    """A quantity in `unit` (plain float); negative values allowed only for voltages."""
    v = parse_quantity(text, unit, field)
    if unit != "mV" and v < 0:
        raise ClampError(f"{field}: must not be negative")
    return v


def _blockers(iv: InVitro, conc: float) -> dict[str, float]:
    return blockers_of(iv.drug, conc) if iv.drug and conc > 0 else {}


def _base_bath(iv: InVitro, drug_conc: float) -> Bath:
    f = "protocol.in_vitro"
    return Bath(_q(iv.glutamate, "uM", f"{f}.glutamate"), _q(iv.glycine, "uM", f"{f}.glycine"),
                _q(iv.magnesium, "mM", f"{f}.magnesium"), _q(iv.voltage, "mV", f"{f}.voltage"),
                _blockers(iv, drug_conc))


def _steps(iv: InVitro, base: Bath) -> tuple[list[Step], list[float]]:
    """The protocol's steps (start in ms) and the drug concentration (uM) of each."""
    steps, drug = [], []
    for i, st in enumerate(iv.steps):
        f = f"protocol.in_vitro.steps[{i}]"
        c = _q(st.concentration, "uM", f"{f}.concentration")
        if c > 0 and not iv.drug:
            raise ClampError(f"{f}.concentration: set protocol.in_vitro.drug first")
        changed = {k: _q(getattr(st, k), u, f"{f}.{k}") for k, u in _BATH_UNITS.items() if getattr(st, k)}
        steps.append(Step(1000.0 * _q(st.start, "s", f"{f}.start"),
                          replace(base, blockers=_blockers(iv, c), **changed)))
        drug.append(c)
    return steps, drug


_BATH_UNITS = {"glutamate": "uM", "glycine": "uM", "magnesium": "mM", "voltage": "mV"}


def simulate_in_vitro(iv: InVitro, values: ReceptorValues, hypotheses=None, overrides=None) -> dict:
    """Series of the protocol: {"axis": (name, unit, x), observable: y}."""
    f = "protocol.in_vitro"
    if iv.concentrations:
        if not iv.drug:
            raise ClampError(f"{f}.drug: a concentration sweep needs a drug")
        x = np.array([_q(c, "uM", f"{f}.concentrations[{i}]") for i, c in enumerate(iv.concentrations)])
        if np.any(np.diff(x) <= 0) or x[0] <= 0:
            raise ClampError(f"{f}.concentrations: must be positive and increasing")
    if iv.target != "nmda":
        from ..receptor.binding import occupancy_curve

        if not iv.concentrations:
            raise ClampError(f"{f}.concentrations: a binding assay needs a concentration sweep")
        return {"axis": ("concentration", "uM", x),
                "occupancy": occupancy_curve(iv.target, iv.drug, x, hypotheses, overrides)}
    shares = composition(values, iv.receptor)
    base = _base_bath(iv, _q(iv.concentration, "uM", f"{f}.concentration"))
    if iv.concentrations:
        block = np.array([steady_block(values, shares, replace(base, blockers=blockers_of(iv.drug, c))) for c in x])
        return {"axis": ("concentration", "uM", x), "block": block}
    if iv.voltages:
        x = np.array([_q(v, "mV", f"{f}.voltages[{i}]") for i, v in enumerate(iv.voltages)])
        out = {"axis": ("voltage", "mV", x)}
        baths = [replace(base, voltage=v) for v in x]
        if base.magnesium > 0:
            out["mg_remaining"] = np.array([mg_remaining(values, shares, b) for b in baths])
        if base.blockers:
            out["block"] = np.array([steady_block(values, shares, b) for b in baths])
        return out
    duration = _q(iv.duration, "s", f"{f}.duration")
    dt = _q(iv.sample, "s", f"{f}.sample")
    if duration <= 0 or dt <= 0:
        raise ClampError(f"{f}.duration: duration and sample must be positive")
    t = np.arange(0.0, duration + 0.5 * dt, dt)
    ref = steady_conductance(values, shares, base.without_blockers())
    steps, drug = _steps(iv, base)
    g = time_course(values, shares, steps, 1000.0 * t)
    starts = np.array([st.start for st in steps]) / 1000.0
    drug_t = np.asarray(drug)[np.searchsorted(starts, t, side="right") - 1]
    return {"axis": ("time", "s", t), "current": g / ref, "drug": drug_t}


def _fit_rate(t: np.ndarray, y: np.ndarray, window: tuple[float, float], field: str) -> float:
    """k of y = a + b exp(-k (t - t0)) fitted in the window (t in s, k in 1/s)."""
    sel = (t >= window[0]) & (t <= window[1])
    if sel.sum() < 5:
        raise MeasureError(f"{field}: fewer than 5 samples in the window")
    tt, yy = t[sel] - t[sel][0], y[sel]
    span = tt[-1]
    a0, b0 = yy[-1], yy[0] - yy[-1]
    k0 = 3.0 / span
    try:
        with quiet(), warnings.catch_warnings():  # a poor fit is judged by k below, not warned about
            warnings.simplefilter("ignore", OptimizeWarning)
            (a, b, k), _ = curve_fit(lambda x, a, b, k: a + b * np.exp(-k * x), tt, yy, p0=(a0, b0, k0),
                                     maxfev=20000)
    except RuntimeError:
        raise MeasureError(f"{field}: exponential fit did not converge") from None
    if not np.isfinite(k) or k <= 0:
        raise MeasureError(f"{field}: no decaying exponential in the window")
    return float(k)


def compute_in_vitro(m: Measure, series: dict, field: str) -> float:
    """The measure's statistic on the in-vitro series, in the measure's unit."""
    name, axis_unit, x = series["axis"]
    if m.observable not in IN_VITRO_OBSERVABLES:
        raise MeasureError(f"{field}.observable: {m.observable!r} is not an in-vitro observable"
                           f"{did_you_mean(m.observable, IN_VITRO_OBSERVABLES)}{one_of(IN_VITRO_OBSERVABLES)}")
    if m.observable not in series:
        raise MeasureError(f"{field}.observable: {m.observable!r} is not produced by this protocol")
    y = series[m.observable]

    def window(w, label):
        return (_q(w[0], axis_unit, f"{field}.{label}[0]"), _q(w[1], axis_unit, f"{field}.{label}[1]"))

    st = m.statistic
    if st == "ic50":
        if name != "concentration":
            raise MeasureError(f"{field}.statistic: ic50 needs a concentration sweep")
        try:
            value, unit = ic50(x, y), "uM"
        except ClampError as exc:
            raise MeasureError(f"{field}: {exc}") from None
    elif st == "value_at":
        at = _q(m.at, axis_unit, f"{field}.at")
        value, unit = float(np.interp(at, x, y)), "1"
    elif st in ("max", "min"):
        sel = np.ones(x.size, bool) if m.window is None else (x >= window(m.window, "window")[0]) & (
            x <= window(m.window, "window")[1])
        if not sel.any():
            raise MeasureError(f"{field}.window: no {name} of the protocol lies in the window")
        value, unit = float(y[sel].max() if st == "max" else y[sel].min()), "1"
    else:
        if name != "time":
            raise MeasureError(f"{field}.statistic: {st} needs a time course (steps)")
        k = _fit_rate(x, y, window(m.window, "window"), f"{field}.window")
        if st == "relaxation_rate":
            value, unit = k, "1/s"
        else:
            k_ref = _fit_rate(x, y, window(m.reference_window, "reference_window"), f"{field}.reference_window")
            if st == "rate_ratio":
                value, unit = k / k_ref, "1"
            else:  # on_rate: onset k = kon [B] + koff, recovery k = koff
                conc = float(np.interp(window(m.window, "window")[0], x, series["drug"]))
                if conc <= 0:
                    raise MeasureError(f"{field}.window: no drug is applied in the onset window")
                value, unit = (k - k_ref) / (conc * 1e-6), "1/M/s"
    try:
        return float(from_canonical(to_canonical(value, unit), m.unit))
    except Exception:
        raise MeasureError(f"{field}.unit: {m.unit!r} does not match the statistic's unit {unit}") from None


def known_overrides(parameters: Mapping[str, float] | None, hypotheses: Mapping[str, str] | None) -> dict[str, float]:
    """The overrides an in-vitro protocol can apply: `nmda.X` for X of the receptor scheme and
    `offtargets.X` for X of the off-target module (others are left out: a fitted file's PK
    values have nothing to act on in a voltage clamp or a binding assay)."""
    from ..mechanisms.offtargets import offtarget_module
    from ..receptor.parameters import NMDA_PARAMETERS

    scheme = {q.name for q in NMDA_PARAMETERS}
    d2 = dict(hypotheses or {}).get("ketamine_d2", "none")
    off = {q.name for q in offtarget_module(d2=d2).parameters} if d2 in ("none", "high_affinity") else set()
    out = {}
    for k, v in dict(parameters or {}).items():
        module, _, name = k.partition(".")
        if (module == "nmda" and name in scheme) or (module == "offtargets" and name in off):
            out[k] = float(v)
    return out


def check_in_vitro(exp: Experiment) -> None:
    """Refuse, before anything is simulated, what an in-vitro protocol cannot do (one
    InputError line naming the field): unknown hypotheses or values (the registry's
    `resolve_hypotheses`), a statistic that is not in `IN_VITRO_STATISTICS`, a statistic's
    missing option (`IN_VITRO_NEEDS`: `at`, `window`, `reference_window`), an observable that
    is not an in-vitro one."""
    from ..mechanisms.registry import resolve_hypotheses

    resolve_hypotheses(dict(exp.protocol.hypotheses))
    check_in_vitro_parameters(exp.protocol.parameters, exp.protocol.hypotheses)
    for i, m in enumerate(exp.measure):
        f = f"measure[{i}]"
        if m.statistic not in IN_VITRO_STATISTICS:
            raise MeasureError(f"{f}.statistic: {m.statistic!r} is not an in-vitro statistic"
                               f"{did_you_mean(m.statistic, IN_VITRO_STATISTICS)}{one_of(IN_VITRO_STATISTICS)}")
        for key in IN_VITRO_NEEDS[m.statistic]:
            if getattr(m, key) is None:
                raise MeasureError(f"{f}.{key}: {m.statistic} needs '{key}'")
        if m.observable not in IN_VITRO_OBSERVABLES:
            raise MeasureError(f"{f}.observable: {m.observable!r} is not an in-vitro observable"
                               f"{did_you_mean(m.observable, IN_VITRO_OBSERVABLES)}{one_of(IN_VITRO_OBSERVABLES)}")


def check_in_vitro_parameters(values: Mapping[str, float], hypotheses: Mapping[str, str] | None,
                              field: str = "protocol.parameters") -> None:
    """Each value names a parameter of the receptor scheme (`nmda.X` or bare X) or of the
    off-target module (`offtargets.X`) and lies within that parameter's bounds (finite), else
    `ParameterError` naming `field` and the key: a zero or negative Mg2+ constant would divide
    by zero in the clamp."""
    from ..mechanisms.offtargets import offtarget_module
    from ..parameters import ParameterError, checked_value
    from ..receptor.parameters import NMDA_PARAMETERS

    scheme = {q.name: q for q in NMDA_PARAMETERS}
    d2 = dict(hypotheses or {}).get("ketamine_d2", "none")
    off = {q.name: q for q in offtarget_module(d2=d2).parameters}
    for key, value in dict(values).items():
        module, _, name = key.rpartition(".")
        table = off if module == "offtargets" else scheme if module in ("", "nmda") else {}
        if name not in table:
            raise ParameterError(f"{field}.{key}: not a parameter of the receptor scheme (nmda.X) "
                                 "or the off-target module (offtargets.X)")
        checked_value(table[name], value, f"{field}.{key}")


def run_in_vitro(exp: Experiment, keep_series: bool = True, parameters: Mapping[str, float] | None = None):
    """Simulate an in-vitro protocol and score its measures.

    `protocol.parameters` set the receptor scheme (`nmda.X` or bare X) and the off-target
    module (`offtargets.X`); unknown names are errors. `parameters` (a fitted file's
    values) are merged over them where `known_overrides` says the protocol can use them.
    """
    from .results import ExperimentResult, MeasureResult, score

    check_in_vitro(exp)
    iv = exp.protocol.in_vitro
    known = known_overrides(parameters, exp.protocol.hypotheses)
    check_in_vitro_parameters(known, exp.protocol.hypotheses, "parameters")
    merged = {**exp.protocol.parameters, **known}
    nmda = {k.removeprefix("nmda."): v for k, v in merged.items() if not k.startswith("offtargets.")}
    other = {k: v for k, v in merged.items() if k.startswith("offtargets.")}
    values = ReceptorValues().with_values(nmda)
    series = simulate_in_vitro(iv, values, exp.protocol.hypotheses, other)
    axis_name, axis_unit, x = series["axis"]
    results = []
    for i, m in enumerate(exp.measure):
        f = f"measure[{i}]"
        value = compute_in_vitro(m, series, f)
        passed, tol = score(value, m)
        y = series.get(m.observable)
        kept = (tuple(x.tolist()), tuple(y.tolist())) if keep_series and y is not None else None
        results.append(MeasureResult(m.label, value, m.expected, m.unit, passed, m.range, tol, kept,
                                     f"{axis_name} ({axis_unit})",
                                     f"{m.observable} ({IN_VITRO_OBSERVABLES.get(m.observable, '')})"))
    return ExperimentResult(exp.id, exp.title, exp.source, tuple(exp.tags), dict(exp.protocol.hypotheses),
                            tuple(results))
