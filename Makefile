# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR := demo
DEMO_DB := $(DEMO_DIR)/crimepulse.duckdb

.PHONY: run test lint typecheck pytest demo bench clean

# Debian packages the tests and the PDF snapshot need (CI and dev machines run as root).
DEBIAN_PACKAGES := poppler-utils chromium

$(STAMP): pyproject.toml
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(DEMO_DB): $(STAMP)
	$(BIN)/crimepulse demo-data $(DEMO_DIR)/data
	$(BIN)/crimepulse ingest $(DEMO_DIR)/data --db $(DEMO_DB)

demo: $(DEMO_DB)

SNAPSHOTS := $(DEMO_DIR)/snapshots

run: $(DEMO_DB)
	$(BIN)/crimepulse sources --db $(DEMO_DB)
	$(BIN)/crimepulse log import $(DEMO_DIR)/data/oplog/operational-outcomes.csv --db $(DEMO_DB)
	$(BIN)/crimepulse log approve --all-pending --db $(DEMO_DB)
	as_of=$$($(BIN)/python -c "import crimepulse; print(crimepulse.open('$(DEMO_DB)', read_only=True).sql('SELECT max(occurred_on) AS d FROM crimes').to_pylist()[0]['d'])"); \
	for fmt in html pdf; do \
	  $(BIN)/crimepulse snapshot --period week --as-of $$as_of --theme violence --format $$fmt \
	    --db $(DEMO_DB) --out $(SNAPSHOTS)/week-violence.$$fmt || exit 1; \
	done
	@echo "latest weekly snapshot: $(SNAPSHOTS)/week-violence.html and $(SNAPSHOTS)/week-violence.pdf"
	$(BIN)/python -m crimepulse.demo.publish $(DEMO_DB) $$($(BIN)/python -c "import crimepulse; print(crimepulse.open('$(DEMO_DB)', read_only=True).sql('SELECT max(occurred_on) AS d FROM crimes').to_pylist()[0]['d'])")
	@echo "crimepulse dashboard: open http://127.0.0.1:8000/ (Ctrl-C stops it)"
	$(BIN)/crimepulse serve --db $(DEMO_DB) --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile

test: lint typecheck pytest

bench: $(STAMP) $(DEMO_DB)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/analysis.py
	$(BIN)/python bench/snapshot.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/calibration.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
