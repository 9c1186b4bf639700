# Quick start: `make demo` (install and run the main job on the bundled example), `make test` (run the suite).
# Both create .venv with Python 3.11 and install the project into it; nothing outside the checkout is touched.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= build/demo
PYTEST_ARGS ?=

.PHONY: demo test test-fast lint bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "hetero_tool needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/hetero-tool demo --output-dir $(DEMO_DIR)

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: lint
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# The project's own checks, before any test: lint rules, the code's format, and the import layers.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/parse.py

clean:
	rm -rf $(VENV) build .pytest_cache
