# The two commands that matter: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check bench lint typecheck contracts browser clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Start the central store (SQLite) and the field app (Flet web) with demo data; Ctrl-C stops both.
run: $(STAMP)
	$(BIN)/auditapp demo

## Debian's chromium for the browser tests (never a downloaded browser build).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver poppler-utils; \
	fi

## The whole suite: unit, contract, integration (SQLite and PostgreSQL), e2e in Chromium.
test: $(STAMP) browser
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check auditapp sync checklists bench tests
	$(BIN)/mypy auditapp sync checklists bench
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench all --json

## Refresh the README screenshots from the browser tests.
screenshots: $(STAMP) browser
	AUDITAPP_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
