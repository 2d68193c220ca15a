# The two commands that matter: `make run` and `make test`. Everything installs itself, except the PostgreSQL
# server that the PostgreSQL tests use (see `test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lint typecheck contracts trace bench browser clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Start the central store (SQLite), the field app and the quality app (Flet web) with demo data; Ctrl-C stops all three.
run: $(STAMP)
	$(BIN)/auditapp demo

## Debian's chromium for the browser tests and poppler-utils (pdftoppm) for the report tests, each installed
## with apt when missing (never a downloaded browser build).
browser:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="chromium chromium-driver"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing with apt for the browser and report tests:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

## The whole suite: unit, contract, integration (SQLite, and PostgreSQL when a server is reachable at
## AUDITAPP_TEST_PG_URL; skipped otherwise, failed with AUDITAPP_REQUIRE_PG=1), e2e in Chromium.
## PostgreSQL is neither installed nor started here.
test: $(STAMP) browser
	$(BIN)/python -m pytest

## Static checks: lint and format, types, import contracts.
check: lint typecheck contracts

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check auditapp sync checklists bench tests

typecheck: $(STAMP)
	$(BIN)/mypy auditapp sync checklists bench

contracts: $(STAMP)
	$(BIN)/lint-imports

## The traceability matrix: each requirement of docs/requirements.md with the tests that verify it, read from
## the suite's collection (no test runs; pass or fail comes from `make test`).
trace: $(STAMP)
	$(BIN)/python -m tests.trace

bench: $(STAMP)
	$(BIN)/python -m bench all --json

## Refresh the README screenshots from the browser tests, and the report page from the PDF report test.
screenshots: $(STAMP) browser
	AUDITAPP_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e \
	  tests/integration/reports/test_audit_pdf.py::test_rendered_pages_are_not_blank

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
