# One entry point for newcomers and CI. `make gate` sets everything up and runs the offline policy gate
# on production; `make test` runs the whole test suite; `make schema` regenerates the committed JSON Schema
# and config reference after a model change. See README.md.
PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
# The pack's own interpreter, named in policies/PulumiPolicy.yaml (runtime.options.virtualenv): the CLI
# runs the pack with it and installs nothing into it for a local --policy-pack.
PACK_VENV := policies/.venv
STACK ?= production
OUT ?= gate-out

.PHONY: setup gate test lint schema bench clean

setup: $(VENV)/.installed $(PACK_VENV)/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(PACK_VENV)/.installed: policies/requirements.txt
	$(PYTHON) -m venv $(PACK_VENV)
	$(PACK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PACK_VENV)/bin/python -m pip install --quiet -r policies/requirements.txt
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

schema: $(VENV)/.installed
	$(VENV)/bin/python -m stacks.schema
	$(VENV)/bin/python -m stacks.reference

bench: setup
	$(VENV)/bin/python -m gate.benchmark

clean:
	rm -rf $(OUT) .pytest_cache
