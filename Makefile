# Everything a fresh clone needs: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

# The first Python >= 3.12 found: $UV_PYTHON, python3.13/3.12/3 on PATH, then pyenv's installs
# (pyenv shims answer for versions they do not select, so each candidate is asked its version).
PYTHON := $(shell for p in "$$UV_PYTHON" python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	[ -n "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { "$$p" -c 'import sys; print(sys.executable)'; break; }; done)
UV = $(PYTHON) -m uv
RUN = $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test screenshots setup browser pdftools harfbuzz haproxy wrk lint audit bench-pricing bench-approvals bench-seed bench-inventory bench-invoices bench-load bench-scale-out clean-db

run: setup harfbuzz
	$(RUN) python manage.py migrate --no-input
	$(RUN) python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops the portal, its worker, its scheduler and its database)"
	@# The background worker sends the emails that approvals queue (printed to this console);
	@# the scheduler runs the periodic jobs (approval reminders) when they are due.
	@$(RUN) python manage.py db_worker --no-reload --interval 2 & worker=$$!; \
	$(RUN) python manage.py run_scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(RUN) python manage.py runserver $(HOST):$(PORT)

test: setup browser pdftools harfbuzz haproxy
	$(RUN) ruff check .
	$(RUN) bandit -q -c pyproject.toml -r portal pricing approvals inventory
	$(RUN) pytest $(PYTEST_ARGS)

# The README's screenshots (docs/screenshots/): every persona's main pages on the demo data.
screenshots: setup browser
	$(RUN) pytest e2e/screenshots.py -q

setup:
	@[ -n "$(PYTHON)" ] || { echo "Python >= 3.12 not found: install it (e.g. pyenv install 3.12) or set UV_PYTHON=/path/to/python3.12"; exit 1; }
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@UV_PYTHON=$(PYTHON) $(UV) sync --frozen --quiet

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || { echo "Could not install Chromium: run 'apt-get install -y chromium' and retry."; exit 1; }; \
	  else echo "Chromium is missing: run 'sudo apt-get install -y chromium' and retry."; exit 1; fi; }

# The invoice PDF tests read PDFs back with Debian's poppler-utils (pdftotext, pdfdetach).
pdftools:
	@command -v pdftotext >/dev/null 2>&1 && command -v pdfdetach >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null) \
	      || { echo "Could not install poppler-utils: run 'apt-get install -y poppler-utils' and retry."; exit 1; }; \
	  else echo "pdftotext is missing: run 'sudo apt-get install -y poppler-utils' and retry."; exit 1; fi; }

# The deployment's load balancer: the tests check deploy/haproxy.cfg with it, and
# bench-scale-out runs two app servers behind it.
haproxy:
	@command -v haproxy >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy openssl >/dev/null) \
	      || { echo "Could not install HAProxy: run 'apt-get install -y haproxy openssl' and retry."; exit 1; }; \
	  else echo "HAProxy is missing: run 'sudo apt-get install -y haproxy openssl' and retry."; exit 1; fi; }

# The load benchmarks drive the portal with wrk.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	      || { echo "Could not install wrk: run 'apt-get install -y wrk' and retry."; exit 1; }; \
	  else echo "wrk is missing: run 'sudo apt-get install -y wrk' and retry."; exit 1; fi; }

# WeasyPrint subsets fonts with Debian's libharfbuzz-subset0 when it is there; without it, its
# fallback costs about 0.25 s a PDF. Installed when we can; PDFs render either way.
harfbuzz:
	@ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null) \
	      || echo "Could not install libharfbuzz-subset0: invoice PDFs render, only slower."; \
	  else echo "Note: 'sudo apt-get install -y libharfbuzz-subset0' makes invoice PDFs render faster."; fi; }

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .

bench-pricing: setup
	$(RUN) python bench/pricing.py

bench-approvals: setup
	$(RUN) python bench/approvals.py

# The large data set bench-load reads (database bench_large; ARGS="--scale 0.01" for a small one).
bench-seed: setup
	$(RUN) python bench/seed_large.py $(ARGS)

bench-inventory: setup
	$(RUN) python bench/inventory.py

bench-invoices: setup
	$(RUN) python bench/invoice_pdf.py

# Every main page of every persona under wrk, against the database bench-seed makes.
bench-load: setup wrk
	$(RUN) python bench/load.py $(ARGS)

# The same scenario through HAProxy in front of two app servers, a worker and a scheduler.
bench-scale-out: setup wrk haproxy
	$(RUN) python bench/scale_out.py $(ARGS)

# Known vulnerabilities in the locked dependencies (needs the PyPI advisory service).
audit: setup
	$(UV) export --frozen --format requirements-txt --no-hashes --quiet > .audit-requirements.txt
	$(UV) tool run pip-audit --requirement .audit-requirements.txt --disable-pip --no-deps; \
	status=$$?; rm -f .audit-requirements.txt; exit $$status

# Forget the embedded database (it is recreated, empty, on the next command).
clean-db:
	rm -rf .pgdata
