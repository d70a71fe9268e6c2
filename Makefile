# One entry point for newcomers and CI. `make gate` sets everything up and runs the offline policy gate
# on production; `make test` runs the whole test suite; `make schema` regenerates the committed JSON Schema
# and config reference after a model change. See README.md.
PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
STACK ?= production
OUT ?= gate-out

.PHONY: setup gate test lint schema bench clean

setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/.installed: gate/requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r gate/requirements-checkov.txt
	touch $@

gate: setup
	$(VENV)/bin/python -m gate preview --stack $(STACK) --out $(OUT)

test: setup
	$(VENV)/bin/python -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

schema: $(VENV)/.installed
	$(VENV)/bin/python -m stacks.schema
	$(VENV)/bin/python -m stacks.reference
	$(VENV)/bin/python -m stacks.pack_defaults

bench: setup
	$(VENV)/bin/python -m gate.benchmark

clean:
	rm -rf $(OUT) .pytest_cache
