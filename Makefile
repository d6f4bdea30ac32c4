# Recaudo: `make demo` and `make test` are the two commands a new user needs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install demo test browser-test lint format messages bench clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

## Set up everything on SQLite, load the demo portfolio and serve it on http://127.0.0.1:8000
demo: install
	$(BIN)/recaudo demo

## The whole suite (lint first: it takes a second)
test: install
	$(BIN)/ruff check recaudo tests bench
	$(BIN)/ruff format --check recaudo tests bench
	$(BIN)/pytest

## Only the browser tests (Playwright + Debian's Chromium: apt install chromium); screenshots in var/test-artifacts/
browser-test: install
	$(BIN)/pytest -m browser tests/browser

lint: install
	$(BIN)/ruff check recaudo tests bench
	$(BIN)/ruff format --check recaudo tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff format recaudo tests bench
	$(BIN)/ruff check --fix recaudo tests bench

## Regenerate the Spanish catalogue after changing user-facing text (needs GNU gettext)
messages: install
	cd recaudo && ../$(BIN)/django-admin makemessages --locale es --no-obsolete --ignore 'migrations/*'
	cd recaudo && ../$(BIN)/django-admin compilemessages --locale es

bench: install
	$(BIN)/python bench/refresh.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/demo
