# Two commands do all setup: `make run` and `make test`.  Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Each target names its settings: the suite must never run on dev settings.
DEV := DJANGO_SETTINGS_MODULE=portal.settings.dev
TESTENV := DJANGO_SETTINGS_MODULE=portal.settings.test

.PHONY: run test install setup serve bench bench-scale lint messages compilemessages clean e2e

$(VENV)/.installed: requirements.txt requirements/test.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements/test.txt
	touch $@

# axe-core and the Nu Html Checker for the browser journeys (package.json), where npm is
# present; without node (or Java) those checks are skipped like the browser, except in CI.
NPM := $(shell command -v npm 2>/dev/null)
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts

install: $(VENV)/.installed $(if $(NPM),node_modules/.package-lock.json)

compilemessages: install
	$(DEV) $(PY) manage.py compile_translations

setup: install compilemessages
	mkdir -p var
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py load_demo

## make run: install, migrate, load demo content, serve web + Celery worker + beat.
## `manage.py serve` supervises the three: one Ctrl-C or SIGTERM stops them all, and a
## lock in var/ refuses a second `make run` (and so a second beat) in the same folder.
run: setup
	@$(DEV) $(PY) manage.py demo_credentials --host $(HOST) --port $(PORT)
	@$(DEV) exec $(PY) manage.py serve --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite unless DATABASE_URL is set).
test: install compilemessages
	mkdir -p var
	$(TESTENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

e2e: install compilemessages
	$(TESTENV) $(VENV)/bin/pytest -m e2e $(PYTEST_ARGS)

# Templates: djlint's linter (pyproject [tool.djlint]); line width is pinned by
# tests/portal/test_components.py.  The formatter (--check) is not used: it would move
# whitespace inside inline elements and attributes, which changes the pages.
TEMPLATES := portal/templates cms/templates credits/templates deliberation/templates triage/templates api/templates

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint --lint $(TEMPLATES)

messages: install
	for app in portal cms credits deliberation triage api; do \
	  (cd $$app && $(DEV) ../$(PY) ../manage.py makemessages -l zh_Hans -l zh_Hant -l en --ignore=migrations) || exit 1; \
	done
	$(DEV) $(PY) manage.py fill_hant

## make bench: page, ledger and triage figures (see bench/).
bench: install compilemessages
	$(PY) bench/run_all.py

## make bench-scale: a generated city on PostgreSQL (DATABASE_URL, or the local server):
## every page, the dashboard and the searches at the demo, a tenth and the whole city
## (bench/scale.py, bench/city.py), then the ledger at 1M accounts / 10M entries.
SCALE_DB ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
bench-scale: install compilemessages
	DATABASE_URL=$(SCALE_DB) $(PY) bench/ledger.py --scale
	DATABASE_URL=$(SCALE_DB) $(PY) bench/scale.py

clean:
	rm -rf var static_collected
