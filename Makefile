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

PYTEST_ARGS ?=

.PHONY: setup deploy-setup gate test test-unit test-engine workflows lint actionlint schema bench clean lock engine comment-pictures

setup: $(VENV)/.installed $(PACK_VENV)/.installed $(CHECKOV_VENV)/.installed

# What `pulumi preview/up --policy-pack policies` needs (the workflows' deploy jobs): the program's .venv
# (Pulumi.yaml) and the pack's policies/.venv (PulumiPolicy.yaml); no checkov.
deploy-setup: $(VENV)/.installed $(PACK_VENV)/.installed

# Every environment installs from its hash-locked file (`make lock` writes them from the *.in ranges);
# pip checks every distribution against its hash and refuses anything unpinned.
PIP_LOCKED := -m pip install --quiet --require-hashes -r

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python $(PIP_LOCKED) requirements-dev.txt
	touch $@

$(PACK_VENV)/.installed: policies/requirements.txt
	$(PYTHON) -m venv $(PACK_VENV)
	$(PACK_VENV)/bin/python $(PIP_LOCKED) policies/requirements.txt
	touch $@

$(CHECKOV_VENV)/.installed: gate/requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python $(PIP_LOCKED) gate/requirements-checkov.txt
	touch $@

gate: setup
	$(VENV)/bin/python -m gate preview --stack $(STACK) --out $(OUT)

test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The two halves of `make test`, one per CI job (.github/workflows/pr.yml): everything but the engine tests, and
# the engine tests (tests/engine: the real CLI, built by `make engine`; under CI=true they fail without it).
test-unit: setup
	$(VENV)/bin/python -m pytest -m "not engine" $(PYTEST_ARGS)

test-engine: setup engine
	$(VENV)/bin/python -m pytest -m engine $(PYTEST_ARGS)

# Every job of every workflow, run as written on a fresh clone with GitHub's environment, cloud and GitHub calls
# stood in (tests/ci/workflow_runner.py); the expensive steps scoped (FULL=1: as written, an hour or more).
workflows: setup
	$(VENV)/bin/python -m tests.ci.workflow_runner $(if $(FULL),--full)

# zizmor audits the GitHub workflows and Dependabot config offline (no GitHub API), default persona.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/zizmor --offline --no-progress --strict-collection .github

# actionlint (built by Go from the module proxy, checksum-verified), with shellcheck on the run: scripts when
# it is installed (GitHub's ubuntu runners have both; elsewhere: apt-get install shellcheck).
ACTIONLINT_VERSION := v1.7.12
actionlint:
	go run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION) -shellcheck="$$(command -v shellcheck)" .github/workflows/*.yml

schema: $(VENV)/.installed
	$(VENV)/bin/python -m stacks.schema
	$(VENV)/bin/python -m stacks.reference
	$(VENV)/bin/python -m stacks.pack_defaults
	$(VENV)/bin/python -m gate.inventory

bench: setup
	$(VENV)/bin/python -m gate.benchmark

# The PR comment as a reviewer sees it (PASS, FAIL, destructive change) rendered as GitHub renders Markdown and
# screenshotted into docs/comment-*.png by headless Chromium (apt-get install chromium). Not run in CI.
comment-pictures: setup
	$(VENV)/bin/python -m tests.ci.comment_pictures

clean:
	rm -rf $(OUT) .pytest_cache

# Regenerate the hash-locked requirements from the ranges (*.in), one lock per environment. The dev/test lock
# resolves everything together (program + pack + tools), so the program's lock (requirements.txt, what the
# Pulumi language host installs) and the pack's lock are constrained to it and agree with each other and with
# what the tests run; checkov resolves alone. Universal (any OS), Python 3.11+, hashes of
# every published file.
# UV_UPGRADE=--upgrade (.github/workflows/lock.yml) moves every pin to the newest release within the ranges.
UV_UPGRADE ?=
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(UV_UPGRADE)
lock:  # needs uv from .venv: run `make setup` once first
	$(UV_COMPILE) --output-file requirements-dev.txt requirements-dev.in
	$(UV_COMPILE) --output-file requirements.txt --constraint requirements-dev.txt requirements.in
	$(UV_COMPILE) --output-file policies/requirements.txt --constraint requirements-dev.txt policies/requirements.in
	$(UV_COMPILE) --output-file gate/requirements-checkov.txt gate/requirements-checkov.in

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
