"""The model's predictions of the published PK data: one simulation per regimen.

Every summary row is planned first (`plan_row`: its regimen, observable and statistic, or
the reason it is not computable); rows with the same regimen share one simulation of
`SIM_DURATION_H` (long enough for AUC(0-inf)), with the model's default hypotheses unless
overridden; then each row's statistic is computed on its course and expressed in the row's
unit (pint, `ketasim.units`), and each series point gets the course's concentration at its
time. Units: the simulated time is in minutes and concentrations in the observable's unit
(ng/mL); AUCs are extrapolated to infinity with the NCA terminal slope of
`measures.nca.terminal_phase` (AUC(0-last) by the linear trapezoid plus C_last/λz; AUMC
likewise plus C_last·t_last/λz + C_last/λz²).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pint

from ..measures.grid import trapezoid
from ..measures.nca import terminal_phase
from ..mechanisms.registry import resolve_hypotheses
from ..patient import Patient
from ..units import Q_, ureg
from .records import Observed, PkData, Series, SummaryRow
from .regimen import NotComputable, Regimen, regimen_of
from .targets import Target, dose_share, observable_of, parent_of, target_of, unit_text

MIN_PER_H = 60.0
SIM_DURATION_H = 96.0   # definition: 8 x the longest published terminal half-life in the data (label,
                        # 7-12 h), so that less than 1 % of AUC(0-inf) is extrapolated
TWO_FOLD = 2.0          # definition of "within two-fold": 1/2 <= predicted/observed <= 2


@dataclass(frozen=True)
class Curve:
    """One simulated concentration course: t (min), c (in `unit`)."""

    t: np.ndarray
    c: np.ndarray
    unit: str


@dataclass(frozen=True)
class Plan:
    """How one summary row is predicted: its statistic (`target`) of `observable` on the
    course of `course`, with `reference` the IV course of a bioavailability; caveats: what
    the mapping assumes."""

    row: SummaryRow
    target: Target
    observable: str
    course: Regimen
    reference: Regimen | None
    caveats: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """A published value and its prediction, both in `unit`.

    kind: 'summary' or 'series'; time_h: a series point's time (h), else None; regimen:
    the simulated regimen in words; caveats: what the prediction assumes."""

    id: str
    source: str
    set: str
    analyte: str
    metric: str
    unit: str
    observed: Observed
    predicted: float
    regimen: str
    kind: str = "summary"
    time_h: float | None = None
    caveats: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        """predicted / observed (the observed midpoint for a range); NaN when observed is 0."""
        return self.predicted / self.observed.value if self.observed.value else float("nan")

    @property
    def within_two_fold(self) -> bool:
        """Whether 1/2 <= predicted/observed <= 2."""
        return bool(1.0 / TWO_FOLD <= self.ratio <= TWO_FOLD)

    @property
    def in_range(self) -> bool | None:
        """For a published range: whether the prediction lies inside it; None otherwise."""
        return self.observed.contains(self.predicted) if self.observed.is_range else None


@dataclass(frozen=True)
class Refusal:
    """A row ketasim cannot predict, with the reason."""

    id: str
    source: str
    set: str
    analyte: str
    metric: str
    reason: str


@dataclass(frozen=True)
class Prediction:
    """Everything predicted: the summary rows and series points compared, the rows refused,
    the hypotheses used (every switch) and the regimens simulated (in words)."""

    comparisons: tuple[Comparison, ...]
    refused: tuple[Refusal, ...]
    hypotheses: Mapping[str, str]
    regimens: tuple[str, ...] = field(default=())

    @property
    def summaries(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if c.kind == "summary")

    @property
    def series_points(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if c.kind == "series")


def plan_row(row: SummaryRow) -> Plan:
    """The plan of one summary row; NotComputable with the reason (metric, analyte, drug,
    route or dose that ketasim cannot represent)."""
    target = target_of(row.metric)
    observable = observable_of(row.analyte)
    regimen, caveats = regimen_of(row.drug, row.route, row.dose, row.dose_unit, row.infusion_min,
                                  target.dose_independent)
    if target.caveat:
        caveats = (target.caveat,) + caveats
    course, reference = regimen, None
    if target.kind in ("clearance", "vss"):
        dose_share(regimen.drug, observable)   # a dosed parent, or NotComputable
        if regimen.route != "iv":
            course = regimen.as_iv()
            caveats += (f"computed on the same dose IV over {course.infusion_min:g} min (systemic disposition)",)
    elif target.kind == "bioavailability":
        if regimen.route == "iv":
            raise NotComputable("the bioavailability of an IV dose is 1 by definition")
        reference = regimen.as_iv()
    elif target.kind == "auc_ratio":
        parent_of(observable)
    if target.enantiomer_mean and observable not in ("plasma_ketamine", "plasma_norketamine"):
        raise NotComputable(f"a per-enantiomer value of {observable}, which is not a racemic total")
    return Plan(row, target, observable, course, reference, caveats)


def auc_inf(curve: Curve) -> tuple[float, float]:
    """(AUC(0-inf), AUMC(0-inf)) of a curve, in unit·min and unit·min²; NotComputable when
    the curve has no declining terminal phase."""
    phase = terminal_phase(curve.t, curve.c)
    if phase.lambda_z is None or phase.auc_last is None:
        raise NotComputable(f"no terminal phase for AUC(0-inf): {phase.reason}")
    lam, c_last, t_last = phase.lambda_z, float(curve.c[-1]), float(curve.t[-1])
    aumc = float(trapezoid(curve.t, curve.t * curve.c)) + c_last * t_last / lam + c_last / lam ** 2
    return phase.auc_last + c_last / lam, aumc


def auc_window(curve: Curve, end_min: float) -> float:
    """AUC(0-end) (unit·min) by the linear trapezoid, the curve interpolated at `end_min`."""
    if end_min > curve.t[-1]:
        raise NotComputable(f"the AUC window ends after the simulated {curve.t[-1] / MIN_PER_H:g} h")
    inside = curve.t < end_min
    t = np.append(curve.t[inside], end_min)
    c = np.append(curve.c[inside], np.interp(end_min, curve.t, curve.c))
    return float(trapezoid(t, c))


def predicted_quantity(plan: Plan, curves: Callable[[Regimen, str], Curve], weight_kg: float) -> pint.Quantity:
    """The statistic of `plan` as a pint Quantity. curves(regimen, observable): the simulated
    course. Definitions: Cmax, Tmax (min; after the last administration for
    tmax_after_last_dose); AUC(0-inf) and AUC(0-T); half-life ln 2/λz (refused where NCA
    refuses it); clearance = dose of the analyte / AUC(0-inf); Vss = CL·(AUMC/AUC - T_inf/2);
    F = (AUC/dose)/(AUC_iv/dose_iv); metabolite/parent ratio of AUC(0-inf)."""
    k, obs = plan.target.kind, plan.observable
    curve = curves(plan.course, obs)
    u = ureg.Unit(curve.unit)
    minute = ureg.minute
    if k == "cmax":
        return Q_(float(np.max(curve.c)), u)
    if k in ("tmax", "tmax_after_last_dose"):
        t = float(curve.t[int(np.argmax(curve.c))])
        return Q_(t - (plan.course.last_dose_start() if k == "tmax_after_last_dose" else 0.0), minute)
    if k == "auc_window":
        c = curve.c / 2.0 if plan.target.enantiomer_mean else curve.c   # definition: a racemate's two halves
        return Q_(auc_window(Curve(curve.t, c, curve.unit), plan.target.window_h * MIN_PER_H), u * minute)
    if k == "auc_inf":
        return Q_(auc_inf(curve)[0], u * minute)
    if k == "half_life":
        phase = terminal_phase(curve.t, curve.c)
        if phase.half_life is None:
            raise NotComputable(f"no terminal half-life: {phase.reason}")
        return Q_(phase.half_life, minute)
    if k in ("clearance", "vss"):
        dose = Q_(plan.course.dose_mg(weight_kg) * dose_share(plan.course.drug, obs), ureg.milligram)
        auc, aumc = auc_inf(curve)
        cl = dose / Q_(auc, u * minute)
        if k == "clearance":
            return cl
        mrt = aumc / auc - (plan.course.infusion_min or 0.0) / 2.0
        return cl * Q_(mrt, minute)
    if k == "bioavailability":
        ref = curves(plan.reference, obs)
        per_mg = auc_inf(curve)[0] / plan.course.dose_mg(weight_kg)
        per_mg_iv = auc_inf(ref)[0] / plan.reference.dose_mg(weight_kg)
        return Q_(per_mg / per_mg_iv, ureg.dimensionless)
    if k == "auc_ratio":
        parent = curves(plan.course, parent_of(obs))
        return Q_(auc_inf(curve)[0] / auc_inf(parent)[0], ureg.Unit(curve.unit) / ureg.Unit(parent.unit))
    raise NotComputable(f"statistic {k!r} is not implemented")


def in_unit(q: pint.Quantity, unit: str, weight_kg: float) -> float:
    """The magnitude of `q` in the row's `unit` (`targets.unit_text`); a per-kg unit
    (L/kg, mL/min/kg) divides by the body weight. NotComputable when no conversion exists."""
    target = ureg.Unit(unit_text(unit))
    for candidate in (q, q / Q_(weight_kg, ureg.kilogram)):
        try:
            return float(candidate.to(target).magnitude)
        except pint.DimensionalityError:
            continue
    raise NotComputable(f"the prediction ({q.units:~}) cannot be expressed in {unit}")


def _refusal(row: SummaryRow, reason: str) -> Refusal:
    return Refusal(row.id, row.source, row.set, row.analyte, row.metric, reason)


def series_regimen(series: Series) -> Regimen:
    """The regimen of a series (its dose is always given)."""
    return regimen_of(series.drug, series.route, f"{series.dose:g}", series.dose_unit, series.infusion_min,
                      False)[0]


def predict(data: PkData, hypotheses: Mapping[str, str] | None = None,
            simulator: Callable[[Regimen, float, np.ndarray], "object"] | None = None,
            on_course: Callable[[Regimen], None] | None = None) -> Prediction:
    """Predict every summary row and series point of `data` under `hypotheses` (switch ->
    value over the defaults; an unknown one raises InputError naming `hypotheses.NAME`).

    simulator(regimen, duration_min, times_min) -> Dataset: default `ketasim.simulate` for
    the standard human patient (70 kg) on its default output grid with `times_min` (the
    series' sampling times, possibly none) added; on_course(regimen) is called before each simulation
    (progress). A regimen whose simulation is refused refuses its rows with that reason."""
    hyp = resolve_hypotheses(dict(hypotheses or {}))
    patient = Patient()
    weight = float(patient.weight)
    if simulator is None:
        def simulator(regimen: Regimen, duration: float, times: np.ndarray):
            from ..simulate import grid_for, simulate

            # the default output grid (fine after every dose) with the series' times added
            grid = np.union1d(grid_for(regimen.events(), duration), times)
            return simulate(regimen.events(), patient, duration, dict(hypotheses or {}), times=grid)
    plans: list[Plan] = []
    refused: list[Refusal] = []
    for row in data.summaries:
        try:
            plans.append(plan_row(row))
        except NotComputable as exc:
            refused.append(_refusal(row, str(exc)))
    series_plans: list[tuple[Series, Regimen, str]] = []
    for s in data.series:
        try:
            series_plans.append((s, series_regimen(s), observable_of(s.analyte)))
        except NotComputable as exc:
            refused.append(Refusal(s.id, s.source, s.set, s.analyte, "series", str(exc)))
    times: dict[Regimen, set[float]] = {}
    for p in plans:
        for r in (p.course, p.reference):
            if r is not None:
                times.setdefault(r, set())
    for s, r, _ in series_plans:
        times.setdefault(r, set()).update(pt.time_h * MIN_PER_H for pt in s.points)
    duration = SIM_DURATION_H * MIN_PER_H
    courses: dict[Regimen, object] = {}
    failures: dict[Regimen, str] = {}
    from ..errors import InputError
    from ..simulate import SimulationError

    for r, ts in times.items():
        if on_course is not None:
            on_course(r)
        try:
            courses[r] = simulator(r, duration, np.array(sorted(ts), dtype=float))
        except (InputError, SimulationError) as exc:
            failures[r] = f"{r.label()}: {exc}"

    def curves(r: Regimen, observable: str) -> Curve:
        if r in failures:
            raise NotComputable(failures[r])
        ds = courses[r]
        if observable not in ds:
            raise NotComputable(f"the model has no observable {observable}")
        return Curve(np.asarray(ds["time"].values, float), np.asarray(ds[observable].values, float),
                     str(ds[observable].attrs.get("units", "")))

    out: list[Comparison] = []
    for p in plans:
        row = p.row
        try:
            value = in_unit(predicted_quantity(p, curves, weight), row.unit, weight)
        except NotComputable as exc:
            refused.append(_refusal(row, str(exc)))
            continue
        out.append(Comparison(row.id, row.source, row.set, row.analyte, row.metric, row.unit, row.observed,
                              value, p.course.label(), caveats=p.caveats))
    for s, r, observable in series_plans:
        try:
            curve = curves(r, observable)
        except NotComputable as exc:
            refused.append(Refusal(s.id, s.source, s.set, s.analyte, "series", str(exc)))
            continue
        factor = in_unit(Q_(1.0, ureg.Unit(curve.unit)), s.unit, weight)
        for pt in s.points:
            c = float(np.interp(pt.time_h * MIN_PER_H, curve.t, curve.c)) * factor
            out.append(Comparison(f"{s.id}@{pt.time_h:g}h", s.source, s.set, s.analyte, "concentration", s.unit,
                                  Observed(pt.value, pt.value, pt.value), c, r.label(), kind="series",
                                  time_h=pt.time_h))
    order = {row.id: k for k, row in enumerate(data.summaries)}
    refused.sort(key=lambda x: order.get(x.id, len(order)))
    out.sort(key=lambda c: (c.kind != "summary", order.get(c.id, 0)))
    return Prediction(tuple(out), tuple(refused), hyp, tuple(r.label() for r in times))
