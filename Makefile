# Two commands do all the set-up: `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
IBIS   := $(VENV)/bin/ibis
STAMP  := $(VENV)/.installed-stamp

.PHONY: test report store lint bench clean browser tools

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Two workers: the suite waits mostly on one process at a time (kernels, WeasyPrint, soffice);
# on this 2-core machine 8 min 32 s serial, 5 min 20 s with -n 2.
test: $(STAMP) tools
	$(PY) -m pytest -q -n 2

# Debian tools some tests drive: Chromium and its driver (real-browser tests), LibreOffice
# (DOCX/XLSX/CSV opened as a user's office suite would) and poppler (PDF pages as images).
# Installed when missing and we are root (CI); otherwise those tests skip and say why.

tools:
	@missing=""; \
	 command -v chromium >/dev/null || missing="$$missing chromium"; \
	 command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	 command -v soffice >/dev/null || missing="$$missing libreoffice-writer-nogui libreoffice-calc-nogui fonts-dejavu-core"; \
	 command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	 if [ -n "$$missing" ]; then \
	   if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	     DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing \
	     || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; } \
	     || echo "Hinweis: $$missing nicht installierbar, die zugehörigen Tests werden übersprungen."; \
	   else echo "Hinweis: $$missing fehlen, die zugehörigen Tests werden übersprungen."; fi; \
	 fi

browser: tools

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
