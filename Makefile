# Two commands on a fresh machine:  `make demo` (install + run the main job) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/data/dagster
# Where the Dagster code location finds its files (assets/resources.py); the CLI has its own flags.
export JIXIAO_INBOX ?= data/inbox
export JIXIAO_QUARANTINE ?= data/quarantine
export JIXIAO_DOCS ?= data/docs

# The install is the lock: requirements.lock pins every package of the closure (resolved by uv, for
# any platform, Python 3.11 first: the one tested). `make lock` re-resolves to the newest allowed.
PIP_VERSION := 26.3
LOCK_FLAGS  := --extra dev --extra dask --universal --python-version 3.11 --no-header

.PHONY: install lock demo test test-fast ui rerun bench clean

$(BIN)/jixiao: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'pip==$(PIP_VERSION)'
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

install: $(BIN)/jixiao

lock: install  ## upgrade: re-resolve requirements.lock to the newest versions pyproject.toml allows, then `make test`
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) --upgrade -o requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(BIN)/jixiao

demo: install  ## ingest data/samples into data/warehouse.duckdb, one line per form; the review report in data/report/
	$(BIN)/jixiao ingest data/samples
	$(BIN)/jixiao report

test: install  ## the whole test suite (what CI runs)
	$(BIN)/pytest -q

test-fast: install  ## pure functions and in-process reading: no CLI process, no Dagster, no OCR (< 2 min)
	$(BIN)/pytest -q -m "not slow and not processes" -p no:cacheprovider

ui: install  ## webserver + daemon on http://127.0.0.1:3000: the inbox sensor and the nightly schedule run; one Ctrl-C stops it
	mkdir -p $(DAGSTER_HOME) $(JIXIAO_INBOX) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m assets.ui -m assets.definitions -h 127.0.0.1 -p 3000

rerun: install  ## reprocess one report: make rerun REPORT=<sha256>
	@test -n "$(REPORT)" || { echo "usage: make rerun REPORT=<sha256 of the report file>"; exit 2; }
	$(BIN)/dagster job execute -m assets.definitions -j ingest_report --tags '{"dagster/partition": "$(REPORT)"}'

bench: install
	$(BIN)/python bench/accuracy.py tests/fixtures/corpus/truth tests/fixtures/corpus/truth-central \
		tests/fixtures/corpus/truth-sichuan tests/fixtures/corpus/pdf/*/*.pdf

clean:
	rm -rf $(VENV) data/warehouse.duckdb data/warehouse.work.duckdb data/warehouse.duckdb.lock data/dagster data/quarantine data/docs data/report
