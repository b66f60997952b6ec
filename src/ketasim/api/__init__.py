"""The Python API's verbs for what the command line does, each a thin door to the one
place that does it (re-exported by `ketasim/__init__.py`, imported lazily there):

- `nca` (`nca.py`): the non-compartmental summary of a Dataset (`report.summary.pk_summary`);
- `run_experiment` (`experiment.py`): an experiment file run and scored (`experiments.run`);
- `run_trial` (`trial.py`): a virtual trial file run, its outputs written (`trial`);
- `write_report` (`report.py`): the HTML report of a simulation (`report.html`).

This floor sits beside `commands/`: it imports the floors below and nothing imports it
but `ketasim/__init__.py`.
"""
