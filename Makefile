# OneStop: `make demo` serves the demo on SQLite with in-process tasks; `make test` runs the whole suite on
# PostgreSQL and Redis with a real Celery worker for the integration tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/onestop
TEST_REDIS_URL ?= redis://127.0.0.1:6379/9

.PHONY: install system-deps demo test lint migrations-check states messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Debian packages the tests need (browser, translations, compose validation, rendering PDFs to check a printed QR
# code); installed only when missing (root).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (apt-get install$$missing)"; exit 1; fi; \
	fi

demo: install
	@env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py migrate --noinput -v0
	@env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "OneStop demo: http://127.0.0.1:$(PORT)/   staff: http://127.0.0.1:$(PORT)/admin/   API: http://127.0.0.1:$(PORT)/api/docs/"
	@echo "Staff two-factor code: $(BIN)/python manage.py demo_totp <username>"
	@env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install system-deps
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_SETTINGS_MODULE=config.settings.test \
	  $(BIN)/pytest -p no:cacheprovider

lint: install
	$(BIN)/ruff check .

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Regenerate the state diagram in README.md from the state machine's code.
states: install
	$(BIN)/python manage.py draw_states --readme README.md

# Regenerate the English catalog from the Chinese source strings, then compile it (needs gettext). Commit both
# locale/en/LC_MESSAGES/django.po and django.mo; translate new entries (empty msgstr, "fuzzy") before committing.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=test-results
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

# The benchmark (bench/README.md): re-creates its own PostgreSQL database onestop_bench (never another), loads
# BENCH_CASES synthetic cases with generate_cases, measures, and writes bench/report.json and bench/report.md.
# `BENCH_CASES=10000000 make bench` for ten million. Not a test: CI does not run it and nothing asserts a time.
# The handoff figures (BENCH_HANDOFFS deliveries, 0 to leave them out) start their own Redis and two workers.
BENCH_CASES ?= 1000000
BENCH_HANDOFFS ?= 5000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/onestop_bench
# intake_post (BENCH_INTAKE=0 to leave it out) serves the app with gunicorn and loads it with wrk.
BENCH_INTAKE ?= 1
.PHONY: bench bench-deps
bench-deps:
	@missing=""; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (apt-get install$$missing)"; exit 1; fi; \
	fi

bench: install bench-deps
	env -u REDIS_URL DEBUG=0 DJANGO_SETTINGS_MODULE=config.settings.local BENCH_CASES=$(BENCH_CASES) \
	  BENCH_HANDOFFS=$(BENCH_HANDOFFS) BENCH_INTAKE=$(BENCH_INTAKE) BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) \
	  $(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-results
