# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run test lint deps clean messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip "setuptools>=69" wheel
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/tukiverkko db upgrade
	$(BIN)/tukiverkko demo load
	@echo ""
	@echo "  Tukiverkko is running: open http://$(HOST):$(PORT)/"
	@echo "  API docs:              http://$(HOST):$(PORT)/api/v1/docs"
	@echo ""
	TUKIVERKKO_LOG_JSON=$${TUKIVERKKO_LOG_JSON:-false} $(BIN)/tukiverkko run --host $(HOST) --port $(PORT)

deps:
	@bash infra/dev/ensure-test-deps.sh

test: install deps
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto --dist loadgroup -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var build *.egg-info

# Extract new strings into the catalogues; translate them in the .po files; then compile.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o platform/translations/messages.pot .
	$(BIN)/pybabel update -i platform/translations/messages.pot -d platform/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d platform/translations
