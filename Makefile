# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-e2e lint format migrations-check browser setup demo

run: $(VENV)/.runtime-installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev-installed browser
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.dev-installed
	$(PY) manage.py makemigrations --check --dry-run

# A Chromium for the end-to-end tests: $$CHROMIUM_PATH, else Debian's /usr/bin/chromium,
# else Playwright's own download (which works on a laptop, not on these build machines).
browser: $(VENV)/.dev-installed
	@if [ -n "$$CHROMIUM_PATH" ]; then \
		test -x "$$CHROMIUM_PATH" || { echo "CHROMIUM_PATH=$$CHROMIUM_PATH is not executable"; exit 1; }; \
	elif [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$CI" = "true" ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		$(PY) -m playwright install chromium; \
	fi

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "ITP Tracker needs Python 3.11 or newer (set PYTHON=python3.12 to choose one)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@
