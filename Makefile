# Two commands on a fresh machine:  `make demo` (install + run the main job) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/data/dagster
# Where the Dagster code location finds its files (assets/resources.py); the CLI has its own flags.
export JIXIAO_INBOX ?= data/inbox
export JIXIAO_QUARANTINE ?= data/quarantine
export JIXIAO_DOCS ?= data/docs

.PHONY: install demo test ui rerun bench clean

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

ui: install  ## webserver + daemon on http://127.0.0.1:3000: the inbox sensor and the nightly schedule run
	mkdir -p $(DAGSTER_HOME) $(JIXIAO_INBOX) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m assets.definitions -h 127.0.0.1 -p 3000

rerun: install  ## reprocess one report: make rerun REPORT=<sha256>
	@test -n "$(REPORT)" || { echo "usage: make rerun REPORT=<sha256 of the report file>"; exit 2; }
	$(BIN)/dagster job execute -m assets.definitions -j ingest_report --tags '{"dagster/partition": "$(REPORT)"}'

bench: install
	$(BIN)/python bench/accuracy.py tests/fixtures/corpus/truth tests/fixtures/corpus/truth-central \
		tests/fixtures/corpus/truth-sichuan tests/fixtures/corpus/pdf/*/*.pdf

clean:
	rm -rf $(VENV) data/warehouse.duckdb data/warehouse.work.duckdb data/warehouse.duckdb.lock data/dagster data/quarantine data/docs
