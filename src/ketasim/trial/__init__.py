"""Virtual clinical trials: patients, arms, Dask execution, Zarr checkpointing, endpoints, tables, report.

The mechanistic part of a patient's course (drug levels through synaptic strength to the
depressive state, dissociation, side-effect burden) is the slow model
(`ketasim.mechanisms.clinical`), solved for each patient with the patient's own
parameters; a patient's covariates, genotypes and parameter vector are drawn by the
population layer (`ketasim.population.draw_population`, keyed by seed, arm, cohort and
patient index, the one draw shared with `simulate_population`). What no mechanism
explains is statistical and lives here. One concept per file:

- `cohorts`: baseline severity, inclusion threshold, placebo size, dropout hazard per cohort
- `observation`: from the mechanistic course to rated MADRS/HAMD at visits (placebo and
  expectancy with imperfect blinding, responsiveness, day-to-day fluctuation, dropouts)
- `chunk`: `simulate_chunk`, one batch of patients of one arm (what a trial task runs);
  `chunk_model`: its model, built once per process (a Dask worker's first chunk)
- `spec` (experiment file -> `TrialSpec`), `store` (the Zarr store, chunk by chunk),
  `engine` (`run_trial`: chunks as tasks, resume), `shard` (which chunks shard I of N of an
  HPC array job runs), `merge` (shard stores checked and merged into the trial's store),
  `outcomes` (an arm's per-patient outcomes), `endpoints` (response, remission, ... with
  bootstrap intervals), `effects` (the arm-versus-arm effects the report's forest plot
  shows), `survival` (Kaplan–Meier), `bootstrap`, `tables` (Parquet and summary tables),
  `report` (the HTML report), `score` (an experiment's trial measures scored).
"""

from .endpoints import ENDPOINT_DEFS, EndpointValue, evaluate
from .engine import TrialResult, run_trial
from .outcomes import ArmOutcomes
from .spec import TrialSpec, trial_spec


def statistical_parameters():
    """Every parameter of the statistical (non-mechanistic) part, for reports and checks."""
    from ..population import MET_ALLELE_FREQ
    from .statistics import statistical_registry

    return tuple(statistical_registry().values()) + (MET_ALLELE_FREQ,)


__all__ = ["ArmOutcomes", "ENDPOINT_DEFS", "EndpointValue", "TrialResult", "TrialSpec", "evaluate", "run_trial",
           "statistical_parameters", "trial_spec"]
