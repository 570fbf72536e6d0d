# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
# One venv, two stamps. `make run` installs the runtime: the package and its pinned
# dependencies, which are all the demo, the dashboard and the PDF snapshot need (no root,
# no browser). `make test` adds the dev extra to the same venv: pytest, ruff, mypy,
# pyspark, playwright, schemathesis, pikepdf.
RUNTIME_STAMP := $(VENV)/.runtime-stamp
DEV_STAMP := $(VENV)/.dev-stamp
DEMO_DIR := demo
DEMO_DB := $(DEMO_DIR)/crimepulse.duckdb
SNAPSHOTS := $(DEMO_DIR)/snapshots
PORT := 8000

.PHONY: run test lint typecheck pytest debian demo bench clean

# Debian packages only the tests need: poppler for the PDF tests, chromium for the browser
# tests (each skips without them, saying why).
DEBIAN_PACKAGES := poppler-utils chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install --upgrade pip
	$(PIP) install -e .
	touch $@

$(DEV_STAMP): $(RUNTIME_STAMP)
	$(PIP) install -e '.[dev]'
	touch $@

# As root, install the missing packages; otherwise say exactly what to install.
debian:
	@command -v dpkg >/dev/null 2>&1 || { \
	  echo "not Debian: the PDF and browser tests need pdftoppm/pdftotext and chromium"; exit 0; }; \
	missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "the PDF and browser tests need Debian packages that are not installed; they skip"; \
	  echo "until you run:  sudo apt-get install -y$$missing"; \
	fi

$(DEMO_DB): $(RUNTIME_STAMP)
	$(BIN)/crimepulse demo-data $(DEMO_DIR)/data
	$(BIN)/crimepulse ingest $(DEMO_DIR)/data --db $(DEMO_DB)

demo: $(DEMO_DB)

AS_OF = $(BIN)/python -c "import crimepulse; print(crimepulse.open('$(DEMO_DB)', read_only=True).sql('SELECT max(occurred_on) AS d FROM crimes').to_pylist()[0]['d'])"

# The dashboard starts as soon as the log is imported and the latest weekly snapshot is
# published (the home page shows it); the snapshot's HTML and PDF files render beside the
# running server (both only read the warehouse).
run: $(DEMO_DB)
	$(BIN)/crimepulse sources --db $(DEMO_DB)
	$(BIN)/crimepulse log import $(DEMO_DIR)/data/oplog/operational-outcomes.csv --db $(DEMO_DB)
	$(BIN)/crimepulse log approve --all-pending --db $(DEMO_DB)
	@as_of=$$($(AS_OF)) || exit 1; \
	$(BIN)/python -m crimepulse.demo.publish $(DEMO_DB) $$as_of || exit 1; \
	( for fmt in html pdf; do \
	    $(BIN)/crimepulse snapshot --period week --as-of $$as_of --theme violence --format $$fmt \
	      --db $(DEMO_DB) --out $(SNAPSHOTS)/week-violence.$$fmt || exit 1; \
	  done; \
	  echo "latest weekly snapshot: $(SNAPSHOTS)/week-violence.html and $(SNAPSHOTS)/week-violence.pdf" ) & \
	echo "crimepulse dashboard: open http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"; \
	exec $(BIN)/crimepulse serve --db $(DEMO_DB) --host 127.0.0.1 --port $(PORT)

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP) debian
	$(BIN)/pytest -n 2 --dist loadfile

test: lint typecheck pytest

bench: $(RUNTIME_STAMP) $(DEMO_DB)
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/analysis.py
	$(BIN)/python bench/snapshot.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/calibration.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
