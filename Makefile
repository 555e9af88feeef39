# Two commands for a newcomer:  `make run`  (start the API)  and  `make test`  (the fast tests).
# Both create .venv/ with Python 3.11+ and install what they need on first use.
# `make test-all` runs everything, as CI does (on SQLite, and with DATABASE_URL on PostgreSQL).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEV    := DJANGO_DEBUG=1

.PHONY: run test test-all install schema bench soak clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11).")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: install
	$(DEV) $(PY) manage.py migrate --noinput
	@$(DEV) $(PY) manage.py mint_token demo-user --minutes 1440 --curl http://$(HOST):$(PORT) 2>/dev/null
	$(DEV) $(PY) manage.py runserver $(HOST):$(PORT)

# The unit and API tests, on SQLite unless DATABASE_URL says otherwise: well under a minute.
test: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# The real Better Auth (npm) for the interoperability tests; they are skipped without Node.js.
BETTER_AUTH_DIR := better_auth/tests/node

# Everything: also real servers, subprocesses, Chromium, the real Better Auth, the property test
# and schema fuzzing (Hypothesis's quick profile; CI sets HYPOTHESIS_PROFILE=thorough).
test-all: install
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(BETTER_AUTH_DIR)/node_modules/.installed; \
	 else echo "Node.js/npm not found: the Better Auth interoperability tests will be skipped."; fi
	$(PY) -m pytest $(PYTEST_ARGS)

$(BETTER_AUTH_DIR)/node_modules/.installed: $(BETTER_AUTH_DIR)/package-lock.json
	cd $(BETTER_AUTH_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Regenerate the committed OpenAPI schema (a test fails when it is stale).
schema: install
	DJANGO_DEBUG=1 API_BROWSABLE=0 $(PY) manage.py spectacular --file specs/api/openapi.yaml --validate

# Load benchmark against PostgreSQL with wrk (bench/README.md); e.g. BENCH_ARGS="--only list,get".
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# Soak test: the production server under a mixed load for SOAK_SECONDS (default 60), then checks
# for 5xx answers and leaked PostgreSQL connections.
soak: install
	$(PY) bench/soak.py --seconds $(or $(SOAK_SECONDS),60)

clean:
	rm -rf $(VENV) .pytest_cache
