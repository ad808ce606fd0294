# IMS Portal — the two commands: `make run` and `make test`.
# Everything installs into .venv/ and keeps its data in .data/ (embedded PostgreSQL and Redis).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
VENDOR := static/vendor
PYTEST_ARGS ?= -n 2

.PHONY: run test install static services services-down migrate seed bench rtm lint clean-data help

help:
	@echo "make run    - install, start PostgreSQL + Redis, migrate, seed the demo, serve http://127.0.0.1:8000/"
	@echo "make test   - install and run the whole test suite"
	@echo "make bench  - benchmarks (figures printed)"
	@echo "make lint   - ruff, import contracts, Django checks"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PIP) install --quiet --disable-pip-version-check --upgrade pip
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

install: $(STAMP) static

$(VENDOR)/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/htmx
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	touch $(VENDOR)/.built

static: $(VENDOR)/.built

services: install
	$(PY) -m ims.runtime.embedded up

services-down:
	-$(PY) -m ims.runtime.embedded down

migrate: services
	IMS_DB_CONNECT_AS=owner $(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) -m ims.runtime.supervisor

test: install
	$(PY) -m ims.runtime.embedded up
	$(PY) -m ims.runtime.testrun $(PYTEST_ARGS)

bench: migrate
	$(PY) -m benchmarks

rtm: install
	$(PY) -m ims.runtime.embedded up
	$(PY) -m ims.runtime.testrun --junitxml=.data/junit.xml $(PYTEST_ARGS); $(PY) manage.py rtm --junit .data/junit.xml --out rtm.csv

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean-data: services-down
	rm -rf .data
