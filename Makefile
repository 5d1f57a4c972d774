# Two commands do all the set-up: `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
IBIS   := $(VENV)/bin/ibis
STAMP  := $(VENV)/.installed-stamp

.PHONY: test report store lint bench clean browser

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

test: $(STAMP) browser
	$(PY) -m pytest -q

# Debian's Chromium and its driver for the real-browser tests (tests/test_browser*.py); installed
# when missing and we are root (CI), else those tests skip and say why.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	       && { apt-get install -y -q chromium chromium-driver \
	            || { apt-get update -q && apt-get install -y -q chromium chromium-driver; }; } \
	  || echo "Hinweis: chromium/chromedriver fehlen, die Browser-Tests werden übersprungen."; }

report: $(STAMP)
	$(IBIS) report --municipality 05566028 --formats html,pdf,docx --out reports/05566028

store: $(STAMP)
	$(IBIS) store build

lint: $(STAMP)
	$(VENV)/bin/ruff check ibislib tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/indicators.py
	$(PY) benchmarks/batch.py
	$(PY) benchmarks/maps.py

clean:
	rm -rf data/processed figures reports
