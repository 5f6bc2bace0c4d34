# Everything a fresh machine needs: only python3 (>= 3.10) must exist.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install test lint demo bench clean

$(BIN)/tap-sophos-users: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/tap-sophos-users

test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check tap_sophos_users tests benchmarks
	$(BIN)/ruff format --check tap_sophos_users tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .meltano output .pytest_cache .mypy_cache .ruff_cache
