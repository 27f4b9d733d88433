# segkit: `make study` runs the demo study, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What is installed: the study needs only segkit; the tests add the test extra (pytest, Spark, linters).
STUDY_STAMP := $(VENV)/.segkit-study
TEST_STAMP  := $(VENV)/.segkit-test

.DEFAULT_GOAL := help
.PHONY: help install study survey test test-fast lint bench clean-venv

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STUDY_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STUDY_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(TEST_STAMP) $(STUDY_STAMP)

install: $(STUDY_STAMP) ## create .venv and install segkit (what a study needs, nothing more)

study: $(STUDY_STAMP) ## run the whole eight-step study on the bundled demo data into reports/
	$(BIN)/segkit run data/demo/study.yaml --out reports

survey: $(STUDY_STAMP) ## run the survey-only demo study (needs-based segmentation)
	$(BIN)/segkit run data/demo/survey_study.yaml --out reports

# Test files are spread over the cores (one file per worker at a time: module fixtures are computed once).
test: $(TEST_STAMP) ## run the whole test suite (unit, in-process steps, a few notebook runs)
	$(BIN)/python -m pytest -q -n auto --dist loadfile

test-fast: $(TEST_STAMP) ## run the tests without the notebook runs (-m "not slow")
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "not slow"

lint: $(TEST_STAMP) ## the quality gates: ruff, mypy on segkit/, the docstring examples as doctests
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --doctest-modules segkit -p no:cacheprovider

bench: $(TEST_STAMP) ## run the benchmarks (minutes; prints ratios against baselines)
	$(BIN)/python benchmarks/study.py
	$(BIN)/python benchmarks/stability.py
	$(BIN)/python benchmarks/features.py

clean-venv: ## remove .venv (reports/ and data/ are left alone)
	rm -rf $(VENV)
