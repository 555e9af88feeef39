# Two commands for a newcomer:  `make run`  (start the API)  and  `make test`  (run the tests).
# Both create .venv/ with Python 3.11+ and install what they need on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEV    := DJANGO_DEBUG=1

.PHONY: run test install clean

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

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
