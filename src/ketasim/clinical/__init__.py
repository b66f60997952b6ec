"""Virtual patients in trials: cohorts, placebo and expectancy, fluctuation, dropouts.

The mechanistic part of a patient's course (drug levels through synaptic strength to the
depressive state, dissociation, side-effect burden) is the slow model
(`ketasim.mechanisms.clinical`), solved for each patient with the patient's own
parameters. What no mechanism in the model explains is statistical and lives here, one
concept per file:

- cohorts.py: baseline severity, inclusion threshold, placebo size, dropout hazard per cohort
- observation.py: from the mechanistic course to rated MADRS/HAMD at visits (placebo and
  expectancy with imperfect blinding, responsiveness, day-to-day fluctuation, dropouts)
- chunk.py: `simulate_chunk`, one batch of patients of one arm (what a trial task runs)

A patient's covariates, genotypes and parameter vector are drawn by the population layer
(`ketasim.population.draw_population`, keyed by seed, arm, cohort and patient index), the
one patient draw shared with `simulate_population`.
"""


def statistical_parameters():
    """Every parameter of the statistical (non-mechanistic) part, for reports and checks."""
    from .cohorts import COHORTS
    from .observation import PARAMETERS
    from ..population import MET_ALLELE_FREQ

    out = [q for c in COHORTS.values() for q in c.parameters]
    return tuple(out) + tuple(PARAMETERS.values()) + (MET_ALLELE_FREQ,)
