# Everything a fresh machine needs: only python3 (>= 3.10) must exist.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Meltano gets its own venv: its dependencies must not mix with the tap's dev venv.
MELTANO_VENV := .venv-meltano
MELTANO_VERSION ?= 4.4.1
MELTANO := $(MELTANO_VENV)/bin/meltano

.PHONY: install test lint demo bench readme clean meltano meltano-install

$(BIN)/tap-sophos-users: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/tap-sophos-users

test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check tap_sophos_users tests benchmarks scripts
	$(BIN)/ruff format --check tap_sophos_users tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/mypy scripts

# A stamp per pinned version: bumping MELTANO_VERSION reinstalls Meltano.
MELTANO_STAMP := $(MELTANO_VENV)/.meltano-$(MELTANO_VERSION)
$(MELTANO_STAMP):
	$(PYTHON) -m venv $(MELTANO_VENV)
	$(MELTANO_VENV)/bin/pip install --quiet --upgrade pip
	$(MELTANO_VENV)/bin/pip install --quiet 'meltano==$(MELTANO_VERSION)'
	touch $@

# Meltano itself, in its own venv.
meltano: $(MELTANO_STAMP)

# The plugins of meltano.yml (tap as `-e .`, target-jsonl, target-duckdb) under .meltano/.
# Plugin venvs use virtualenv + pip (venv.backend in meltano.yml), so pip's configuration applies.
PLUGINS_STAMP := .meltano/.plugins-installed
$(PLUGINS_STAMP): $(MELTANO_STAMP) meltano.yml pyproject.toml
	$(MELTANO) install
	touch $@

# Always (re)installs the plugins.
meltano-install: $(MELTANO_STAMP)
	$(MELTANO) install
	mkdir -p .meltano && touch $(PLUGINS_STAMP)

# End-to-end demo against the bundled emulator: two incremental runs, state, DuckDB.
demo: install $(PLUGINS_STAMP)
	$(BIN)/python scripts/demo.py

# Bytecode first, as a regular (non-editable) install has it: without it, and with
# PYTHONDONTWRITEBYTECODE set, every timed start would compile the package's sources.
bench: install
	$(BIN)/python -m compileall -q tap_sophos_users benchmarks
	$(BIN)/python -m benchmarks

# The README's settings table, from `tap-sophos-users --about --format=markdown`.
readme: install
	$(BIN)/python scripts/readme_settings.py

clean:
	rm -rf $(VENV) $(MELTANO_VENV) .meltano output .pytest_cache .mypy_cache .ruff_cache
