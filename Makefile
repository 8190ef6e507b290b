# Two entry points: `make run` solves the built-in default scenario, `make test` runs the test suite
# (`make bench` times the phases of a solve on synthetic scenarios). All create .venv with the
# system python3 and install the project (with its test, lint, bench, plots and notebook extras: a test checks that
# the benchmark's linopy LP is the planner's, and mypy reads the benchmark) into it.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint bench calibration clean

run: $(STAMP)
	$(VENV)/bin/planner solve

# pytest keeps each test module, its asserts rewritten, in __pycache__ for the next run; where
# PYTHONDONTWRITEBYTECODE is set it rewrites every module in every worker on every run instead
# (collecting the suite took 11 s of CPU per worker so, 5 s with the cache).
PYTEST := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest

test: $(STAMP)
	$(PYTEST) -n auto

# The slow tests that `make test` leaves out (CI runs both): the property tests on all their random
# examples (`make test` draws a few), the notebook run and the fidelity benchmark as a command.
test-slow: $(STAMP)
	$(PYTEST) -n auto -m slow

# Phase timings per solver, peak memory, warm re-solves, the build beside linopy's and sweep scaling
# at the small and large sizes (SIZES=small,large,xl for all; SOLVERS=highs for HiGHS alone).
SIZES ?= small,large
SOLVERS ?= highs,cbc
bench: $(STAMP)
	$(PY) bench/run.py --sizes $(SIZES) --solvers $(SOLVERS)

# Refit the roofline calibration shipped in fleets/calibration.json, after changing the catalog.
calibration: $(STAMP)
	$(PY) -m fleets.calibration

# ruff (lint rules and format check) and mypy over the packages; CI runs it beside the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The project's modules are compiled once at install: where PYTHONDONTWRITEBYTECODE is set, every
# command would compile them again (0.1 s of a 0.8 s `planner solve`); a module edited later is
# read from its source, as Python does whenever a compiled file is out of date.
$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,lint,bench,plots,notebook]'
	$(PY) -m compileall -q planner fleets demand >/dev/null
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
