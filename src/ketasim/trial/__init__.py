"""Virtual clinical trials: arms, Dask execution, Zarr checkpointing, endpoints, tables, report.

One concept per file: `spec` (experiment file -> `TrialSpec`), `store` (the Zarr store,
chunk by chunk), `checksum` (what a chunk's done flag records, verified on resume),
`engine` (`run_trial`: chunks as tasks, resume), `outcomes` (an arm's per-patient
outcomes), `endpoints` (response, remission, ... with bootstrap intervals), `survival`
(Kaplan–Meier), `bootstrap`, `tables` (Parquet and summary tables), `report` (the HTML
section), `score` (an experiment's trial measures scored).
"""

from .endpoints import ENDPOINT_DEFS, EndpointValue, evaluate
from .engine import TrialResult, run_trial
from .outcomes import ArmOutcomes
from .spec import TrialSpec, trial_spec

__all__ = ["ArmOutcomes", "ENDPOINT_DEFS", "EndpointValue", "TrialResult", "TrialSpec", "evaluate", "run_trial",
           "trial_spec"]
