# Makefile-driven pipeline: every target bootstraps .venv from the pinned requirements first.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PLAN ?= quanfu_2024_2026
UNIT ?= SLQ-QF
PERIOD ?= 2025Q3

$(VENV)/.runtime: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

.PHONY: help venv sample ingest report test lint clean
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv: $(VENV)/.runtime ## create .venv from requirements.txt (idempotent)

sample: venv ## generate the fictional sample district under data/sample/
	$(PY) -m analysis sample

ingest: sample ## load the sample ledgers and the published national figures into data/warehouse.duckdb
	$(PY) -m analysis ingest data/sample data/reference

report: ingest ## publish the quarterly assessment (PLAN, UNIT, PERIOD overridable)
	$(PY) -m analysis report quarterly --plan $(PLAN) --unit $(UNIT) --period $(PERIOD)

test: $(VENV)/.dev ## run all tests (incl. real Chromium checks)
	$(PY) -m pytest

lint: $(VENV)/.dev ## ruff
	$(VENV)/bin/ruff check src tests benchmarks

.PHONY: bench-ingest
bench-ingest: venv ## intake of 10 million CSV rows vs plain pandas, and the measures (not a test)
	$(PY) benchmarks/ingest.py

.PHONY: bench-site
bench-site: venv ## the report index of a province-sized site (1,937 units x 6 quarters) in Chromium (not a test)
	$(PY) benchmarks/site.py

.PHONY: bench-batch
bench-batch: venv ## 60 reports via papermill + nbconvert CLIs vs batch; a whole province batch (not a test)
	$(PY) benchmarks/batch.py

clean: ## remove generated data and reports (keeps .venv and data/raw)
	rm -rf data/sample data/warehouse.duckdb reports/*/ reports/index.html
