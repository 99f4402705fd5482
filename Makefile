# Một cửa điện tử — set-up, run and test.
#   make run    install everything, migrate, seed the demo, serve web + scheduler
#   make test   install everything and run every test on SQLite and PostgreSQL
#   make check  lint, import contracts, import cycles and the pure unit tests (seconds, no sudo)

VENV      := .venv
PYTHON    := $(VENV)/bin/python
FLASK     := $(VENV)/bin/flask --app wsgi
HOST      ?= 127.0.0.1
PORT      ?= 5000
SUDO      := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

# Debian packages: PDF fonts with Vietnamese diacritics, WeasyPrint's Pango,
# poppler and zbar for checking printed forms, Chromium for browser tests,
# PostgreSQL for the second test run.
DEB_PACKAGES := fonts-liberation2 fonts-croscore libpango-1.0-0 libpangoft2-1.0-0 \
                poppler-utils zbar-tools chromium postgresql redis-server

.PHONY: install system-packages run test check bench clean pins outdated

install: system-packages $(VENV)/.installed node_modules/.installed

system-packages:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done; \
	  command -v npm >/dev/null || echo "nodejs npm"); \
	if [ -n "$$missing" ]; then \
	  echo "Cài gói hệ thống: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# requirements*.txt are the pins people edit; requirements*.lock (made from them by `make pins`)
# add every dependency's dependency with its hashes, and are what gets installed.
$(VENV)/.installed: requirements.lock
	@[ -x $(PYTHON) ] || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q --require-hashes -r requirements.lock
	@touch $@

# Tests and checks only: production installs requirements.lock alone.
$(VENV)/.dev-installed: requirements-dev.lock $(VENV)/.installed
	$(PYTHON) -m pip install -q --require-hashes -r requirements-dev.lock
	@touch $@

# After editing requirements*.txt: write both lock files again (needs PyPI).
PIP_COMPILE := $(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
pins: $(VENV)/.dev-installed
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -o requirements-dev.lock requirements-dev.txt

# Which pins have a newer release (then edit requirements*.txt and `make pins`).
outdated: $(VENV)/.dev-installed
	$(PYTHON) -m pip list --outdated

node_modules/.installed: package.json package-lock.json $(wildcard app/static/src/*)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The demo runs with CLOCK_TRAVEL=1 so that deadlines can be shown by moving
# the application clock (POST /api/v1/admin/clock, or `flask clock set`), and with
# PUBLIC_BASE_URL on the address it serves (unless set), so that a receipt's QR code
# opens this instance.
run: install
	$(FLASK) db upgrade
	CLOCK_TRAVEL=1 $(FLASK) seed-demo
	@echo
	@echo "Một cửa điện tử đang chạy tại http://$(HOST):$(PORT)/  (Ctrl+C để dừng)"
	@echo "Đăng nhập bằng một tài khoản demo ở trên, mật khẩu demo12345; bộ lập lịch quét hạn mỗi phút."
	@export CLOCK_TRAVEL=1 PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}"; \
	  $(FLASK) scheduler run & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

test: install $(VENV)/.dev-installed
	$(PYTHON) -m tests.support.suites -q

# Every step runs, so that one report shows all that is wrong.
check: $(VENV)/.dev-installed
	@status=0; \
	echo "== ruff"; $(VENV)/bin/ruff check . || status=1; \
	echo "== import contracts (.importlinter)"; $(VENV)/bin/lint-imports --no-cache || status=1; \
	echo "== import cycles"; $(PYTHON) -m tests.support.import_cycles || status=1; \
	echo "== unit tests"; $(PYTHON) -m pytest -q -m unit || status=1; \
	exit $$status

# The hot path in process, then the production shape (gunicorn on PostgreSQL and SQLite, 1-8 clients).
bench: install
	$(PYTHON) bench/task_step.py
	$(PYTHON) bench/throughput.py

clean:
	rm -rf $(VENV) node_modules
