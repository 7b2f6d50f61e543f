# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(wildcard plugins/*/pyproject.toml)
PORT ?= 5000
export FLASK_APP := extranet
# `flask run` serves there, and e-mailed links point there unless EXTRANET_BASE_URL says otherwise.
export FLASK_RUN_HOST := 127.0.0.1
export FLASK_RUN_PORT := $(PORT)

.PHONY: run test lint install install-test translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed again only when a pyproject changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(PLUGINS)
	$(BIN)/pip install --quiet -e . $(foreach p,$(PLUGINS),-e $(dir $(p)))
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/flask db upgrade heads
	$(BIN)/flask demo
	$(BIN)/flask run

test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

translations: install-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o extranet/translations/messages.pot extranet templates
	$(BIN)/pybabel update -i extranet/translations/messages.pot -d extranet/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d extranet/translations

clean:
	rm -rf $(VENV) instance
