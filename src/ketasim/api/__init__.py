"""The Python API's verbs for what the command line does, each a thin door to the one
place that does it, one file each:

- `nca` (`nca.py`): the non-compartmental summary of a Dataset (`report.summary.pk_summary`);
- `run_experiment` (`experiment.py`): an experiment file run and scored (`experiments.run`);
- `run_trial` (`trial.py`): a virtual trial file run, its outputs written (`trial`);
- `write_report` (`report.py`): the HTML report of a simulation (`report.html`).

`ketasim` re-exports them (`ketasim.nca`, ...). Each verb imports the floors it calls on
when it is called, so `import ketasim` does not load the experiment, trial and report
floors (about a second of imports). This floor sits beside `commands/`; nothing below it
imports it.
"""
