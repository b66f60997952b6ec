# ketasim: two commands on a fresh machine.
#   make demo  - create .venv, install ketasim, run the standard simulation
#   make test  - install the test extras and run the test suite
#   make docs  - build the documentation site into site/ and check its links
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
DOCSSTAMP := $(VENV)/.installed-docs

.PHONY: demo test test-all bench clean figures surrogate browser scorecard calibrate-clinical docs docs-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEVSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEVSTAMP)

$(DOCSSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(DOCSSTAMP)

demo: $(STAMP)
	$(BIN)/ketasim run

# Debian's chromium for the browser tests (idempotent; apt-get only when /usr/bin/chromium is missing)
browser:
	sh scripts/install_chromium.sh

test: $(DEVSTAMP) browser
	$(BIN)/python -m pytest -n 2 --dist worksteal

test-all: $(DEVSTAMP) browser
	$(BIN)/python -m pytest -n 2 --dist worksteal -m ""

bench: $(DEVSTAMP)
	$(BIN)/python benchmarks/population_pk.py
	$(BIN)/python benchmarks/sbml_engines.py
	$(BIN)/python benchmarks/run_walltime.py
	$(BIN)/python benchmarks/circuit_sweep.py
	$(BIN)/python benchmarks/trial.py --patients 1000

# rebuild the circuit surrogate from spiking runs (25 design + 8 held-out points x 5 seeds x 30 s, about half an
# hour on 2 cores; writes src/ketasim/data/circuit_surrogate*.json)
surrogate: $(STAMP)
	$(BIN)/python -m ketasim.circuit.build --workers 2

# the validation scorecard over the whole library (about half an hour on 2 cores), checked in
# as docs/scorecard/; its pass rates per layer are written into README.md
# the clinical layer's joint calibration (about half an hour on 2 cores): the fitted values and what the
# data say about each; the values are then copied into the parameter records by hand (their notes name the set)
calibrate-clinical: $(STAMP)
	$(BIN)/ketasim fit --set src/ketasim/data/calibration/clinical.toml \
		--out src/ketasim/data/calibration/clinical_fitted.toml \
		--identifiability docs/calibration/clinical_identifiability.md

scorecard: $(STAMP)
	$(BIN)/ketasim validate --jobs 2 --json docs/scorecard/scorecard.json --html docs/scorecard/scorecard.html
	$(BIN)/python docs/scorecard_table.py

figures: $(STAMP)
	$(BIN)/python docs/make_figures.py

# the documentation site (mkdocs.yml): docs/, the README as home page and the gallery of the
# experiment library (docs/make_gallery.py, from the checked-in scorecard: nothing is simulated),
# built with --strict into site/, then every relative link and #anchor of it checked
docs: $(DOCSSTAMP)
	$(BIN)/python -m mkdocs build --strict --clean --site-dir site
	$(BIN)/python docs/check_links.py site

docs-check: $(DOCSSTAMP)
	$(BIN)/python docs/check_links.py site

clean:
	rm -rf $(VENV) results.nc report.html site
