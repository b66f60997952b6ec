"""The exported whole model in libRoadRunner, loaded once and then solved patient by patient.

Shared by the benchmarks that set ketasim against libRoadRunner (`population_pk.py`,
`trial.py`). The SBML is exported with the dosing schedule of one patient; every other
patient must have the same schedule pattern (the same segments and the same non-zero
doses: the amounts may differ, e.g. with body weight), and is given its own parameter
vector and dose amounts as the current values of the model's global parameters.
"""

from __future__ import annotations

import time

import numpy as np


class RoadRunnerPatients:
    """libRoadRunner on ketasim's exported SBML (`form`: "staged" or "rules").

    `solve(p, schedule)` returns the observables at `ts` (min) in their declared units
    (`Observable.unit`), shape (len(ts), observables). `load_s`: seconds to export and load the SBML.
    """

    def __init__(self, model, schedule, ts: np.ndarray, form: str = "staged", rtol: float = 1e-8,
                 atol: float = 1e-10) -> None:
        import roadrunner

        from ketasim.export.sbml import stored_of, to_sbml
        from ketasim.export.staging import stage_values_function

        t0 = time.perf_counter()
        self.rr = rr = roadrunner.RoadRunner(to_sbml(model, schedule, form))
        self.load_s = time.perf_counter() - t0
        rr.integrator.relative_tolerance = rtol
        rr.integrator.absolute_tolerance = atol
        pos = {s: i for i, s in enumerate(rr.model.getGlobalParameterIds())}
        states = [s.symbol for s in model.states]
        self.pattern = schedule
        K = len(schedule.breaks) - 1
        self.jump_keys = [(k, i) for k in range(K) for i in range(len(states)) if schedule.jumps[k, i] != 0.0]
        infused = [j for j in range(len(model.dose_channels)) if np.any(schedule.rates[:, j] != 0.0)]
        self.rate_keys = [(k, j) for k in range(K) for j in infused]
        self.p_idx = np.array([pos[s] for s in model.param_symbols], dtype=np.int32)
        self.d_idx = np.array([pos[f"jump_{k}_{states[i]}"] for k, i in self.jump_keys]
                              + [pos[f"rate_{k}_{model.dose_channels[j]}"] for k, j in self.rate_keys], dtype=np.int32)
        self.y_idx = np.array([pos[s] for s in states], dtype=np.int32)
        self.u_idx = np.array([pos[f"u_{c}"] for c in model.dose_channels], dtype=np.int32)
        # the staged form's stored assignments start on their expression: ketasim's values at t = 0
        stored = stored_of(model, form)
        self.stored = len(stored)
        names = list(model.observable_names)
        rename = {n: f"{n}__canonical" for n in names}
        self.x_idx = np.array([pos[rename.get(x, x)] for x in stored], dtype=np.int32)
        self.stage_values = stage_values_function(model, stored)
        self.init = model.functions("numpy")[2]
        self.ts = np.asarray(ts, dtype=float)
        self.selections = ["time"] + names

    def solve(self, p: np.ndarray, schedule) -> np.ndarray:
        """One patient: parameter vector `p` (canonical), its `schedule` (same pattern as the export's)."""
        sc, s0, rr = schedule, self.pattern, self.rr
        if len(sc.breaks) != len(s0.breaks) or np.any((sc.jumps != 0) != (s0.jumps != 0)):
            raise RuntimeError("the patient's schedule pattern differs from the exported one")
        p = np.ascontiguousarray(p, dtype=float)
        dose = np.array([sc.jumps[k, i] for k, i in self.jump_keys] + [sc.rates[k, j] for k, j in self.rate_keys])
        # setGlobalParameterInitValues is unusable from Python in libRoadRunner 2.10 (SWIG
        # signature) and setValue("init(x)") costs ~1 s per patient, so: reset to t = 0, then
        # set the current values of the parameters, the dose amounts, the initial states
        # (initial + segment-0 bolus) and the segment-0 infusion rates directly.
        rr.reset()
        rr.model.setGlobalParameterValues(self.p_idx, p)
        if len(self.d_idx):
            rr.model.setGlobalParameterValues(self.d_idx, dose)
        y0 = np.asarray(self.init(p), dtype=float) + sc.jumps[0]
        rr.model.setGlobalParameterValues(self.y_idx, y0)
        rr.model.setGlobalParameterValues(self.u_idx, np.ascontiguousarray(sc.rates[0], dtype=float))
        if len(self.x_idx):
            rr.model.setGlobalParameterValues(self.x_idx, self.stage_values(p, y0, 0.0))
        return np.asarray(rr.simulate(times=self.ts, selections=self.selections))[:, 1:]
