"""The validation scorecard: the experiment library run and scored, per layer, calibration
apart from validation, with every unsourced (assumed or fitted) parameter listed.

- library_run.py: run a selection of experiments (optionally in worker processes,
  trial sizes capped, a fitted parameter file applied)
- unsourced.py: every parameter whose source is `assumed` or `fitted`, across layers
- scorecard.py: the immutable scorecard record and its JSON
- scorecard_html.py: the self-contained HTML scorecard with a small plot per finding
- hypotheses.py: the library under each value of each hypothesis switch
"""
