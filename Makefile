# propwatch — `make run` brings up the Yichang demo; `make test` runs everything CI checks.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PW := $(VENV)/bin/propwatch
INSTALLED := $(VENV)/.installed
VENDOR := src/propwatch/web/static/vendor
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run install assets migrate demo serve test test-sqlite test-postgres lint bench clean help

help:
	@echo "make run    — install, migrate, load the Yichang demo, serve http://$(HOST):$(PORT)"
	@echo "make test   — lint, then the whole suite on SQLite and on PostgreSQL"
	@echo "make bench  — benchmarks against their floors"

$(PY):
	@py=$$(scripts/find-python) || exit 1; echo "Using $$py"; "$$py" -m venv $(VENV)

# Reinstall only when the dependency list changes.
$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: sudo apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The app serves these itself (no CDN): copied from the npm packages and django-htmx.
$(VENDOR)/.installed: node_modules/.installed $(INSTALLED)
	@mkdir -p $(VENDOR)
	cp node_modules/@tabler/core/dist/css/tabler.min.css $(VENDOR)/
	cp node_modules/@tabler/core/dist/js/tabler.min.js $(VENDOR)/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp "$$($(PY) -c 'import django_htmx, pathlib; print(pathlib.Path(django_htmx.__file__).parent)')/static/django_htmx/htmx-2.min.js" $(VENDOR)/htmx.min.js
	@touch $@

install: $(INSTALLED) $(VENDOR)/.installed
assets: $(VENDOR)/.installed

migrate: install
	$(PW) migrate --noinput

demo: migrate
	$(PW) load_demo

run: demo
	@scripts/serve $(HOST) $(PORT)

lint: install
	$(VENV)/bin/ruff check src tests conftest.py $(wildcard bench)

test: lint test-sqlite test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(VENV)/bin/pytest -n auto -q

test-postgres: install
	@echo "== tests on PostgreSQL ($(PG_TEST_URL)) =="
	@if $(PY) scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
		DATABASE_URL="$(PG_TEST_URL)" $(VENV)/bin/pytest -n auto -q; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL) and CI is set: failing."; exit 1; \
	else \
		echo "!! PostgreSQL is not reachable at $(PG_TEST_URL): the PostgreSQL run did NOT happen."; \
		echo "!! Start it (see README) or set PG_TEST_URL. CI fails in this case."; \
	fi

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
