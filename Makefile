# DistrictOps — `make demo` serves the demo, `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
PORT ?= 8000
TEST_WORKERS ?= 2
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/var/tools/bin/uv)
RUN := $(UV) run --frozen
DEMO_ENV := DISTRICTOPS_DEMO=1 DISTRICTOPS_TODAY=2021-03-31

.PHONY: setup demo test test-sqlite test-postgres lint format messages bench browser-deps deploy-deps office-deps cjk-fonts clean

$(UV):
	$(PYTHON) -m venv var/tools
	var/tools/bin/pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: .venv/.synced
	$(RUN) python -m districtops.core.i18n_compile

setup: .venv/.synced node_modules/.installed messages

demo: setup cjk-fonts
	$(DEMO_ENV) $(RUN) districtops migrate --noinput -v0
	$(DEMO_ENV) $(RUN) districtops demo
	@echo "Serving http://127.0.0.1:$(PORT)/ with a job worker beside it (PORT=… changes it; Ctrl-C stops both)"
	$(DEMO_ENV) $(RUN) districtops serve-demo 127.0.0.1:$(PORT)

# Debian's Chromium for the Playwright tests (never a browser download of Playwright's own).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get -o DPkg::Lock::Timeout=120 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq chromium >/dev/null; \
	  else echo "Chromium missing: sudo apt-get install chromium"; exit 1; fi; fi

# nginx and systemd-analyze check the files under deploy/ in the tests (core/tests/test_deploy.py).
deploy-deps:
	@if ! command -v nginx >/dev/null || ! command -v systemd-analyze >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get -o DPkg::Lock::Timeout=120 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq nginx-light systemd >/dev/null; \
	  else echo "nginx or systemd-analyze missing: sudo apt-get install nginx-light systemd"; exit 1; fi; fi

# LibreOffice (the briefing's PDF, and the test that measures it), poppler and the Noto CJK faces.
office-deps:
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null || ! fc-list 2>/dev/null | grep -q "Noto Serif CJK SC"; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get -o DPkg::Lock::Timeout=120 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq libreoffice-writer-nogui poppler-utils fonts-noto-cjk >/dev/null; \
	  else echo "LibreOffice, poppler or the Noto CJK faces missing: sudo apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk"; exit 1; fi; fi

# Debian's Noto CJK faces, so the briefing's charts (matplotlib) can print Chinese labels.
# Without root the demo still runs; the charts' labels then show boxes (a hint is printed).
cjk-fonts:
	@if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = 0 ]; then (apt-get -o DPkg::Lock::Timeout=120 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq fonts-noto-cjk >/dev/null) \
	    || echo "Could not install fonts-noto-cjk now (apt busy or offline): the demo runs, the briefing's charts show boxes"; \
	  else echo "No CJK font for the briefing's charts: sudo apt-get install fonts-noto-cjk"; fi; fi

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) districtops makemigrations --check --dry-run

format: setup
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

test: setup browser-deps deploy-deps office-deps lint
	$(RUN) pytest -q -n $(TEST_WORKERS)

test-postgres: setup browser-deps deploy-deps office-deps
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/districtops} $(RUN) pytest -q -n $(TEST_WORKERS)

bench: setup
	$(RUN) python bench/run_all.py

clean:
	rm -rf .venv node_modules var/static var/tools
