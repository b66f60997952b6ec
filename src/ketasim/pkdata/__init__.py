"""Published human PK data (`data/pk/`) against the model: `ketasim pk-check`.

One concept per file: `records` (the typed rows), `loader` (reading `data/pk/` into them),
`regimen` (a row's dose as `DoseEvent`s), `targets` (which published metric ketasim can
compute, and how), `predict` (one simulation per regimen, the predicted values),
`metrics` (prediction errors and their per-group summaries) and `page` (the HTML page).
"""
