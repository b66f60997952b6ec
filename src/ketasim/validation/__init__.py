"""The validation scorecard: the experiment library run and scored, per layer, each class
(calibration, consistency, validation: derived, not declared) apart, with every unsourced
(assumed or fitted) parameter listed.

- library_run.py: run a selection of experiments (optionally in worker processes,
  trial sizes capped, a fitted parameter file applied)
- unsourced.py: every parameter whose source is `assumed` or `fitted`, across layers
- catalogue.py: the parameters an experiment's measures depend on (assembled, not solved)
- classification.py: each experiment's class with its reasons, from its catalogue and pins
- reclassify.py: a stored scorecard JSON with its classes derived again, without simulating
- scorecard.py: the immutable scorecard record and its JSON
- scorecard_html.py: the self-contained HTML scorecard with a small plot per finding
- hypotheses.py: the library under each value of each hypothesis switch
"""
