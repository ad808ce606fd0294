# IMS Portal — the two commands: `make run` and `make test`.
# Everything installs into .venv/ and keeps its data in .data/ (embedded PostgreSQL and Redis).

# Python 3.11 or newer, the first found on PATH (PYTHON=... overrides).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; \
	done)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
VENDOR := static/vendor
PYTEST_ARGS ?= -n 2

.PHONY: run dev test install install-dev static collectstatic services services-down migrate seed bench bench-load fuzz smoke rtm lint clean-data help

help:
	@echo "make run    - install, start PostgreSQL + Redis, migrate, seed the demo, serve http://127.0.0.1:8000/"
	@echo "make dev    - the same with Django's autoreloading development server and DEBUG on"
	@echo "make test   - install and run the whole test suite"
	@echo "make smoke  - a fresh make run on an empty data directory, walked through a first journey"
	@echo "make bench  - benchmarks (figures printed)"
	@echo "make lint   - ruff, import contracts, Django checks"

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required (python3.13, python3.12, python3.11 or python3 on PATH)"; exit 1; }
	@echo "Using $$($(PYTHON) --version) ($(PYTHON))"
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PIP) install --quiet --disable-pip-version-check --upgrade pip
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_STAMP)

install: $(STAMP) static

install-dev: $(DEV_STAMP) static

$(VENDOR)/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/htmx
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	mkdir -p $(VENDOR)/bpmn-js
	cp node_modules/bpmn-js/dist/bpmn-modeler.production.min.js node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets/diagram-js.css node_modules/bpmn-js/dist/assets/bpmn-js.css node_modules/bpmn-js/dist/assets/bpmn-font $(VENDOR)/bpmn-js/
	touch $(VENDOR)/.built

static: $(VENDOR)/.built

# Hashed, compressed copies that WhiteNoise serves (the pages ask for them by name through the manifest).
collectstatic: install
	$(PY) manage.py collectstatic --noinput -v 0

services: install
	$(PY) -m ims.runtime.embedded up

services-down:
	-$(PY) -m ims.runtime.embedded down

migrate: services
	IMS_DB_CONNECT_AS=owner $(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Serves the demo as a small company would on one machine: gunicorn, DEBUG off, a Celery worker and beat.
# The supervisor starts PostgreSQL and Redis, migrates, seeds; any failure (or Ctrl-C) stops all it started.
run: collectstatic
	$(PY) -m ims.runtime.supervisor

# Development: Django's runserver with autoreload and DEBUG on.
dev: collectstatic
	IMS_WEB=runserver DJANGO_DEBUG=1 $(PY) -m ims.runtime.supervisor

# The suite stops the embedded servers it started (servers already running are left running).
test: install-dev collectstatic
	$(PY) -m ims.runtime.embedded run-with -- $(PY) -m ims.runtime.testrun $(PYTEST_ARGS)

# The figures at scale, then the load test of a fresh `make run` (`make bench-load` runs the latter alone).
bench: install-dev collectstatic migrate
	$(PY) -m benchmarks
	$(PY) -m benchmarks.load

# schemathesis over every API operation with an employee, a quality manager and a Global Admin token (fixed seed).
fuzz: install-dev collectstatic
	$(PY) -m ims.runtime.fuzz

# A bounded loopback load test of a fresh `make run` (IMS_LOAD_USERS, IMS_LOAD_SECONDS; figures printed).
bench-load: install collectstatic
	$(PY) -m benchmarks.load

# A fresh `make run` on an empty data directory and a spare port, walked through a first journey, then stopped.
smoke: install collectstatic
	$(PY) -m ims.runtime.smoke

rtm: install-dev collectstatic
	$(PY) -m ims.runtime.embedded run-with -- sh -c '$(PY) -m ims.runtime.testrun --junitxml=.data/junit.xml $(PYTEST_ARGS); $(PY) manage.py rtm --junit .data/junit.xml --out rtm.csv'

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean-data: services-down
	rm -rf .data
