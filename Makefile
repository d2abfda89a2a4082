# Set-up and everyday commands. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install run test bench screenshots clean

$(BIN)/htx-tasks: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/htx-tasks

run: install
	$(BIN)/python -m flows.serve $(ARGS)

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/catchup.py

screenshots: install
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf var $(VENV)
