# Two commands run the platform: `make demo` serves the demo city, `make test` runs the suite.
# Both create the virtual environment and install the locked versions themselves.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DEBUG ?= true
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo serve test lint format lock messages bench

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

serve: install
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

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
