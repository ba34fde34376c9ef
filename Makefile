# The two commands: `make dev` runs the product, `make test` runs the whole suite.
# Both set up what they need first; set-up is skipped when nothing it depends on changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps

.PHONY: dev test lint bench setup clean

setup: $(STAMPS)/system $(STAMPS)/python $(STAMPS)/node

$(STAMPS)/system: scripts/ensure-system.sh
	@mkdir -p $(STAMPS)
	scripts/ensure-system.sh
	@touch $@

$(STAMPS)/python: pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

dev: setup
	$(BIN)/python scripts/dev.py

test: setup
	scripts/run-tests.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(STAMPS) $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache

bench: setup
	$(BIN)/python -m bench
