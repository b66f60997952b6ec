"""NONMEM-style event tables in and out of ketasim, and the visual predictive check.

One concept per file:

- `conventions.py`: the column names and the one unit convention (TIME h, AMT mg, RATE
  mg/h, DUR h, II h, DV ng/mL), how a row is named in a refusal, the error type;
- `compartments.py`: the CMT registry (dosing compartment -> drug and route, observation
  compartment -> observable);
- `covariates.py`: covariate columns -> `Patient` fields;
- `table.py`: reading and checking a table (pandas), `EventTable` and its `Record`s;
- `regimen.py`: an ID's records <-> its `DoseEvent`s and observation times (both ways);
- `simulation.py`: dataset -> regimens and observation times -> simulate -> the table with DV
  filled (one typical patient per ID, or N virtual patients per ID);
- `writing.py`: a table back as CSV text, same columns, numbers written the same way;
- `vpc.py`: binning, percentiles, prediction correction and the VPC statistics (pure);
- `vpc_figure.py`: the VPC figure (matplotlib) and its HTML page.
"""
