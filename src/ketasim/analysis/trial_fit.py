"""Fitting virtual trials: the clinical layer's parameters against trial endpoints, jointly.

A trial measure (a response rate, a mean difference) is a statistic over simulated
patients: seeded, so the same parameter values give the same value (common random
numbers), but a step function of the parameters on the scale of one patient crossing a
line. Gradients through it do not exist, so the fit is derivative-free: Nelder-Mead on
the same unconstrained coordinates as the ODE fit (`fit_parameters`), each evaluation
running every chosen trial experiment exactly as the scorecard does
(`experiments.run.run_experiment` with the values as overrides). The loss is the ODE
fit's: the mean over the measures of r^2, r = (simulated - expected) / scale, the scale
being the measure's tolerance (`fit_problem.expected_and_scale`), so fits of either kind
read the same.

Parameters may be the model's (`mood.mood_synaptic_weight`) or the statistical layer's
(`trial.unblinding_gain`, `trial.statistics`). After the fit, `identifiability` measures
what the data say about each value: the residuals' sensitivities to each parameter's log
by central differences give the Fisher information (tolerances taken as 1.96 SD: they are
95% half-widths), whose inverse gives each log value's standard error and the
correlations; a parameter whose residuals do not move is reported as fitted without
information.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..errors import InputError
from ..experiments.schema import Experiment
from .fit_parameters import FitParameter, on_bound, resolve_parameters, to_unconstrained, value_of
from .fit_problem import MeasureFit, Target, expected_and_scale

PENALTY = 1e3          # residual of every measure when a run fails
TOLERANCE_SD = 1.96    # a measure's tolerance in standard deviations (95% half-widths)
LOG_STEP = 0.1         # central-difference step of a value's log (about 10%: many patients cross a line)
IDENTIFIED_SE = np.log(2.0)  # identified: the data pin the value within a factor of 2 (one SE of its log)


@dataclass(frozen=True)
class Identifiability:
    """What the fitted measures say about each fitted value (by label, in fit order).

    se_log: standard error of the value's natural log (inf where the information matrix is
    singular); sensitivity: the norm of the residuals' change per unit log value;
    correlation: of the log values' estimates (NaN where singular); eigenvalues of the
    Fisher information, ascending.
    """

    labels: tuple[str, ...]
    se_log: tuple[float, ...]
    sensitivity: tuple[float, ...]
    correlation: tuple[tuple[float, ...], ...]
    eigenvalues: tuple[float, ...]

    def identified(self, label: str) -> bool:
        """Whether the data pin the value within a factor of two (one standard error of its log)."""
        return bool(self.se_log[self.labels.index(label)] < IDENTIFIED_SE)

    def without_information(self, label: str) -> bool:
        """Whether no fitted measure moves with the value at all."""
        return bool(self.sensitivity[self.labels.index(label)] == 0.0)

    def factor(self, label: str) -> float:
        """One standard error as a factor on the value (inf where the measures do not bound it)."""
        se = self.se_log[self.labels.index(label)]
        return float(np.exp(se)) if np.isfinite(se) and se < 50 else float("inf")

    def verdict(self, label: str) -> str:
        """'identified', 'fitted without information' (no measure moves with it) or 'not identified'."""
        if self.identified(label):
            return "identified"
        return "fitted without information" if self.without_information(label) else "not identified"

    def to_json(self) -> dict:
        return {"labels": list(self.labels), "se_log": list(self.se_log), "sensitivity": list(self.sensitivity),
                "correlation": [list(r) for r in self.correlation], "eigenvalues": list(self.eigenvalues),
                "identified": [self.identified(k) for k in self.labels],
                "identified_se_log": float(IDENTIFIED_SE)}


@dataclass(frozen=True)
class TrialFitResult:
    """Fitted values by label, the loss before and after, evaluations, the measures, identifiability."""

    parameters: tuple[FitParameter, ...]
    values: Mapping[str, float]
    targets: tuple[Target, ...]
    measures: tuple[MeasureFit, ...]
    loss_initial: float
    loss_final: float
    iterations: int
    converged: bool
    identifiability: Identifiability
    wall_s: float
    method: str = "nelder_mead"

    def named_values(self) -> dict[str, float]:
        """Fitted values by qualified name."""
        return {n: self.values[fp.label] for fp in self.parameters for n in fp.names}

    def bounds(self) -> dict[str, tuple[float, float]]:
        return {n: (fp.lower, fp.upper) for fp in self.parameters for n in fp.names}

    def at_bound(self, label: str) -> bool:
        """Whether a fitted value ended on its bound (`fit_parameters.on_bound`)."""
        return on_bound(next(f for f in self.parameters if f.label == label), self.values[label])


def trial_targets(experiments: Sequence[Experiment], picks: Mapping[str, tuple[int, ...]] | None = None
                  ) -> tuple[Target, ...]:
    """Every chosen measure of the trial experiments (all of an experiment's unless `picks` names some)."""
    out = []
    for exp in experiments:
        if not exp.protocol.arms:
            raise InputError(f"--experiment: {exp.id} is not a trial; trials and other experiments are fitted "
                             "separately")
        chosen = (picks or {}).get(exp.id)
        for i, m in enumerate(exp.measure):
            if chosen is not None and i not in chosen:
                continue
            expected, scale = expected_and_scale(m, f"{exp.id}: measure {i}")
            out.append(Target(exp.id, i, m.label, expected, scale, m.unit))
    if chosen_missing := [f"{e}:{i}" for e, idx in (picks or {}).items() for i in idx
                          if not any(t.experiment == e and t.index == i for t in out)]:
        raise InputError(f"--experiment: no measure {chosen_missing[0]}")
    return tuple(out)


def known_trial_parameters(experiments: Sequence[Experiment]) -> dict:
    """Qualified name -> Parameter of what a trial fit may adjust: the first trial's model and the statistical layer."""
    from ..mechanisms.registry import build_model
    from ..trial.spec import trial_spec
    from ..trial.statistics import statistical_registry

    spec = trial_spec(experiments[0])
    arm = spec.arms[0]
    model = build_model(spec.species, dict(arm.hypotheses), arm.drugs)
    return {**dict(model.parameters.items.items()), **statistical_registry()}


def simulate_targets(experiments: Sequence[Experiment], targets: Sequence[Target],
                     values: Mapping[str, float]) -> np.ndarray:
    """Each target's simulated value with `values` as overrides (NaN where the run gave none)."""
    from ..experiments.run import run_experiment

    by_id = {e.id: e for e in experiments}
    scored = {}
    for eid in dict.fromkeys(t.experiment for t in targets):
        scored[eid] = run_experiment(by_id[eid], keep_series=False, parameters=dict(values)).measures
    out = []
    for t in targets:
        sim = scored[t.experiment][t.index].simulated
        out.append(float(sim) if sim is not None else np.nan)
    return np.array(out)


def residuals(targets: Sequence[Target], simulated: np.ndarray) -> np.ndarray:
    """(simulated - expected) / scale per target; PENALTY where a value is missing."""
    r = np.array([(s - t.expected) / t.scale for t, s in zip(targets, simulated)])
    return np.where(np.isfinite(r), r, PENALTY)


def fit_trials(experiments: Sequence[Experiment], labels: Sequence[str],
               bounds: Mapping[str, tuple[float, float]] | None = None,
               picks: Mapping[str, tuple[int, ...]] | None = None, max_evaluations: int = 200,
               progress=None) -> TrialFitResult:
    """Fit `labels` (qualified names or patterns) to the trial experiments' measures jointly.

    max_evaluations: runs of the whole set at most (each runs every experiment once).
    progress: called with (evaluation, loss) after each run, if given.
    """
    from scipy.optimize import minimize

    t0 = time.perf_counter()
    targets = trial_targets(experiments, picks)
    params = resolve_parameters(labels, known_trial_parameters(experiments), bounds)
    count, seen = [0], {}

    def values_at(x: np.ndarray) -> dict[str, float]:
        return {n: value_of(fp, xi) for fp, xi in zip(params, x) for n in fp.names}

    def simulated_at(x: np.ndarray) -> np.ndarray:
        """The targets' values at x; each point is run once (the start and the optimum come back)."""
        key = tuple(np.asarray(x, dtype=float).tolist())
        if key not in seen:
            seen[key] = simulate_targets(experiments, targets, values_at(x))
        return seen[key]

    def loss(x: np.ndarray) -> float:
        r = residuals(targets, simulated_at(x))
        count[0] += 1
        out = float(np.mean(r * r))
        if progress is not None:
            progress(count[0], out)
        return out

    x0 = np.array([to_unconstrained(fp, fp.initial) for fp in params])
    simplex = np.vstack([x0] + [x0 + 0.5 * np.eye(len(x0))[i] for i in range(len(x0))])
    res = minimize(loss, x0, method="Nelder-Mead",
                   options={"initial_simplex": simplex, "maxfev": max_evaluations, "xatol": 0.02, "fatol": 1e-3})
    before, after = simulated_at(x0), simulated_at(res.x)
    r0, r1 = residuals(targets, before), residuals(targets, after)
    fitted = {fp.label: value_of(fp, xi) for fp, xi in zip(params, res.x)}
    measures = tuple(MeasureFit(t.name, t.expected, t.scale, t.unit, float(b), float(a))
                     for t, b, a in zip(targets, before, after))
    ident = identifiability(experiments, targets, params, fitted)
    return TrialFitResult(params, fitted, targets, measures, float(np.mean(r0 * r0)), float(np.mean(r1 * r1)),
                          int(res.nfev), bool(res.success), ident, time.perf_counter() - t0)


def identifiability(experiments: Sequence[Experiment], targets: Sequence[Target],
                    params: Sequence[FitParameter], fitted: Mapping[str, float]) -> Identifiability:
    """Fisher information of the fitted values' logs from central differences of the residuals."""
    def named(vals: Mapping[str, float]) -> dict[str, float]:
        return {n: vals[fp.label] for fp in params for n in fp.names}

    cols = []
    for fp in params:
        up = {**fitted, fp.label: fitted[fp.label] * np.exp(LOG_STEP)}
        down = {**fitted, fp.label: fitted[fp.label] * np.exp(-LOG_STEP)}
        ru = residuals(targets, simulate_targets(experiments, targets, named(up)))
        rd = residuals(targets, simulate_targets(experiments, targets, named(down)))
        cols.append((ru - rd) / (2.0 * LOG_STEP))
    jac = np.column_stack(cols) * TOLERANCE_SD   # residuals in standard deviations per unit log value
    return information_summary(tuple(fp.label for fp in params), jac)


def information_summary(labels: tuple[str, ...], jac: np.ndarray) -> Identifiability:
    """Standard errors, correlations and eigenvalues from a Jacobian (targets x parameters) of
    residuals in standard deviations with respect to the parameters' logs."""
    info = jac.T @ jac
    sens = np.sqrt(np.sum(jac * jac, axis=0))
    eig, vec = np.linalg.eigh(info)
    null = eig <= 1e-9 * max(float(eig[-1]), 1e-300)
    cov = np.linalg.pinv(info, hermitian=True)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    # a direction the measures cannot see leaves every parameter along it undetermined
    se[np.any(np.abs(vec[:, null]) > 0.1, axis=1)] = np.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(np.isfinite(np.outer(se, se)), cov / np.outer(se, se), np.nan)
    return Identifiability(labels, tuple(float(s) for s in se), tuple(float(s) for s in sens),
                           tuple(tuple(float(c) for c in row) for row in corr), tuple(float(e) for e in eig))
