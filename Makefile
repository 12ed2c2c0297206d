# Battery Region: the single list of commands. `make run` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/battery_region
BENCH_SCALE ?= 100000

.PHONY: install run serve test test-pg lint format typecheck migrations-check messages messages-check \
	openapi-check demo-data ci bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## install: Python (uv, locked) and npm dependencies, compiled translations
install: $(VENV)/.synced node_modules/.installed
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules --ignore=.tools >/dev/null

## run: set up, migrate the SQLite database under var/, load demo data and serve http://127.0.0.1:8000
run: install
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo_data
	@# the task worker runs background jobs (harvests started from the admin) next to the web server
	$(MANAGE) db_worker --interval 2 & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(MANAGE) runserver $(HOST):$(PORT)

demo-data: install
	$(MANAGE) load_demo_data

## test: set up and run the whole suite (SQLite)
test: install
	$(PY) -m pytest

## test-pg: the same suite on PostgreSQL (creates the database if missing)
test-pg: install
	$(PY) -m battery_region.core.devtools ensure-database "$(TEST_PG_URL)"
	DATABASE_URL="$(TEST_PG_URL)" $(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: install
	$(VENV)/bin/mypy config battery_region

migrations-check: install
	$(MANAGE) makemigrations --check --dry-run

messages: install
	$(MANAGE) makemessages -l fi -l sv --ignore=.venv --ignore=node_modules --ignore=.tools --ignore=var --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules --ignore=.tools

openapi-check: install
	$(PY) -m battery_region.core.devtools check-openapi

## ci: everything CI checks, in order; the first failure stops it
ci: lint typecheck migrations-check install openapi-check test test-pg

## bench: performance and relevance figures (BENCH_SCALE offerings)
bench: install
	BENCH_SCALE=$(BENCH_SCALE) $(PY) -m bench

clean:
	rm -rf $(VENV) $(TOOLS) node_modules var/static
