# Two commands run the platform: `make demo` serves the demo city, `make test` runs the suite.
# Both create the virtual environment and install the locked versions themselves.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The demo needs only the platform's own dependencies; the test tools come with `make test`.
RUNTIME_STAMP := $(VENV)/.runtime-stamp
export DEBUG ?= true
HOST ?= 127.0.0.1
PORT ?= 8000
# Host names the served site answers to; add the machine's address when HOST=0.0.0.0.
ALLOWED_HOSTS ?= 127.0.0.1,localhost

.PHONY: install demo serve test lint format lock messages bench

$(RUNTIME_STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(MAKE) --no-print-directory serve

# Served with DEBUG off, as production is: a page out of scope shows the platform's own
# 404, never Django's technical page with its URL list. The generated key under var/, the
# local host names and plain HTTP make that work on this machine without configuration;
# runserver --insecure serves the static files itself.
serve: $(RUNTIME_STAMP)
	DEBUG=false ALLOWED_HOSTS="$(ALLOWED_HOSTS)" SECURE_SSL_REDIRECT=false SECURE_HSTS_SECONDS=0 \
	SECRET_KEY="$$(DEBUG=true $(BIN)/python -c 'from wenming import settings; print(settings.SECRET_KEY)')" \
	$(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Recompute the locked versions after changing pyproject.toml's dependencies.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet ".[dev,s3]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^wenming' > requirements.lock
	rm -rf .lock-venv

# Refresh the translation catalogues (needs GNU gettext) and compile them.
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete --ignore ".venv/*" --ignore "frontend/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python -m wenming.core.compile_messages

bench: install
	$(BIN)/python -m bench.regions
	$(BIN)/python -m bench.api_lists
