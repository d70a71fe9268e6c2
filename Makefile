# One entry point for newcomers and CI. `make gate` sets everything up and runs the offline policy gate
# on production; `make test` runs the whole test suite; `make schema` regenerates the committed JSON Schema
# and config reference after a model change. See README.md.
PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
STACK ?= production
OUT ?= gate-out

.PHONY: setup gate test lint schema bench clean engine

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

schema: $(VENV)/.installed
	$(VENV)/bin/python -m stacks.schema
	$(VENV)/bin/python -m stacks.reference

bench: setup
	$(VENV)/bin/python -m gate.benchmark

clean:
	rm -rf $(OUT) .pytest_cache

# The real Pulumi engine for tests/engine/ (docs/engine.md): the pinned CLI and our thin Python language
# host, built from the Go module proxy by tests/engine/cli/go.mod; Go's module and build caches stay at
# their defaults, so a rebuild (or a fresh clone on the same machine) reuses them.
ENGINE_BIN := .build/engine/bin
ENGINE_GO := cd tests/engine/cli && GOFLAGS=-mod=readonly

engine:
	mkdir -p $(ENGINE_BIN)
	$(ENGINE_GO) go build -trimpath \
	  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)" \
	  -o $(CURDIR)/$(ENGINE_BIN)/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
	$(ENGINE_GO) go build -trimpath -o $(CURDIR)/$(ENGINE_BIN)/pulumi-language-python ./pulumi-language-python
	install -m 0755 "$$($(ENGINE_GO) go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)/python/cmd/pulumi-language-python-exec" \
	  $(ENGINE_BIN)/pulumi-language-python-exec
	$(ENGINE_BIN)/pulumi version
