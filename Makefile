# Two commands on a fresh machine:  `make demo` (install + run the main job) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/data/dagster

.PHONY: install demo test ui bench clean

$(BIN)/jixiao: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/jixiao

demo: install  ## ingest data/samples into data/warehouse.duckdb, one line per form
	$(BIN)/jixiao ingest data/samples

test: install  ## the whole test suite (what CI runs)
	$(BIN)/pytest -q

ui: install  ## the Dagster UI on http://127.0.0.1:3000
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000

bench: install
	$(BIN)/python bench/accuracy.py tests/fixtures/corpus/truth tests/fixtures/corpus/pdf/*/*.pdf

clean:
	rm -rf $(VENV) data/warehouse.duckdb data/dagster data/quarantine
