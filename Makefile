# segkit: `make study` runs the demo study, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.segkit-installed

.DEFAULT_GOAL := help
.PHONY: help install study survey test test-fast bench clean-venv

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install segkit with its test tools

study: $(STAMP) ## run the whole eight-step study on the bundled demo data into reports/
	$(BIN)/segkit run data/demo/study.yaml --out reports

survey: $(STAMP) ## run the survey-only demo study (needs-based segmentation)
	$(BIN)/segkit run data/demo/survey_study.yaml --out reports

test: $(STAMP) ## run the whole test suite (unit and end-to-end)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## run the unit tests only (skips the notebook runs)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP) ## run the benchmarks (minutes; prints ratios against baselines)
	$(BIN)/python benchmarks/study.py
	$(BIN)/python benchmarks/stability.py
	$(BIN)/python benchmarks/features.py

clean-venv: ## remove .venv (reports/ and data/ are left alone)
	rm -rf $(VENV)
