# cxkit — run `make help` for the targets. Only Python >= 3.11 and make are needed:
# every target creates .venv and installs the pinned dependencies (requirements.lock) first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cxkit-installed

.DEFAULT_GOAL := help
.PHONY: help install report test lint format lab sample-data bench lock clean

help: ## Show the targets with one line each
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit("cxkit needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies and cxkit

report: $(STAMP) ## Write the sample data if missing, run every report in reports.toml, write reports/index.html
	$(BIN)/cxkit demo

test: $(STAMP) ## Run the whole test suite (lint, unit, statistics, calibration, notebooks, browser)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadgroup

lint: $(STAMP) ## Lint only (ruff check + format check)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lab: $(STAMP) ## Start JupyterLab on the notebooks with the project's environment (sample data written if missing)
	@test -f data/sample/events.parquet || $(BIN)/cxkit sample-data --out data/sample --size small
	$(BIN)/jupyter lab --notebook-dir=notebooks

sample-data: $(STAMP) ## Write the small sample data set to data/sample (SIZE=medium|large for more)
	$(BIN)/cxkit sample-data --out data/sample --size $(or $(SIZE),small)

bench: $(STAMP) ## Run the benchmark scripts (minutes; prints ratios to a bare-polars floor)
	@for b in bench/journey.py bench/experiment.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lock: $(STAMP) ## Re-pin requirements.lock from pyproject.toml (names no package index)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra lab --extra duckdb --extra spark --python-version 3.11 --no-header --no-annotate -o requirements.lock

clean: ## Remove generated reports, sample data and caches (keeps .venv)
	rm -rf reports/*.html reports/*/ data/sample .pytest_cache .ruff_cache test-artifacts
