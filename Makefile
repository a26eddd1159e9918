# Two commands on a fresh machine (Python 3.11+ and the package registries):
#   make run    set up .venv, then run the pipeline on the seeds into a new SQLite database
#   make test   set up .venv, then run the test suite (SQLite and the PostgreSQL at 127.0.0.1:5432)
PYTHON ?= python3
# test processes (pytest-xdist); each has its own databases, Prefect home and test servers, and
# runs whole test files (so a file's module and session fixtures, e.g. the Prefect test server, start once)
TEST_WORKERS ?= 2
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/monitor run

test: setup
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

clean:
	rm -rf $(VENV) var .pytest_cache
