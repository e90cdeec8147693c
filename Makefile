# TrustRepair — `make run` to try it, `make test` to check it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | md5sum | cut -c1-12)

# Tests always talk to real services; override to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trustrepair
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
PYTEST_ARGS ?=

.PHONY: run serve setup test e2e lint format migrations-check clean

$(STAMP): requirements.txt
	@test -x $(PY) || { py=$$(.ci/find-python) && echo "Creating $(VENV) with $$py" && $$py -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

.venv: $(STAMP)

setup: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py load_curriculum
	$(PY) manage.py load_prompt_copy
	$(PY) manage.py seed_demo

# The web server, a Celery worker and beat in one terminal; Ctrl-C stops all three. Without
# DATABASE_URL everything runs against an embedded PostgreSQL server (data in var/postgres/).
run: $(STAMP)
	@$(PY) -m trustrepair.embedded_db $(MAKE) --no-print-directory setup serve

serve:
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT INT TERM; \
	$(VENV)/bin/celery -A trustrepair worker --loglevel INFO --concurrency 2 & \
	$(VENV)/bin/celery -A trustrepair beat --loglevel INFO & \
	$(PY) manage.py runserver 127.0.0.1:8000

# Two xdist workers (one per core), each with its own test database and Redis database
# (tests/conftest.py); --dist loadfile keeps a module's expensive fixtures in one worker.
TEST_WORKERS ?= 2

test: $(STAMP)
	@.ci/services
	@.ci/browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(VENV)/bin/pytest --create-db -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

e2e: $(STAMP)
	@.ci/services
	@.ci/browser
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(VENV)/bin/pytest --create-db -m browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(STAMP)
	$(PY) -m trustrepair.embedded_db $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var

# --- Web load benchmark (README "Performance") ---------------------------------------------------
# Seeds a dedicated PostgreSQL database once (10,000 couples with months of activity; add --reseed to
# BENCH_WEB_ARGS to start again), serves the app with gunicorn in production mode and drives it with wrk
# on 127.0.0.1 only. The last line printed is the `web: …` summary; it exits 1 when a target is missed
# (add --report-only to BENCH_WEB_ARGS to only report).
BENCH_WEB_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trustrepair_bench_web
BENCH_WEB_REDIS_URL ?= redis://127.0.0.1:6379/10
BENCH_WEB_ARGS ?= --couples 10000 --seconds 60

.PHONY: bench bench-web bench-prompts
bench: bench-web

bench-web: $(STAMP)
	@.ci/services
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk (Debian package)…"; \
		apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; } \
		|| { echo "wrk is missing and could not be installed: run apt-get install -y wrk as root." >&2; exit 1; }
	DATABASE_URL=$(BENCH_WEB_DATABASE_URL) REDIS_URL=$(BENCH_WEB_REDIS_URL) $(PY) manage.py bench_web $(BENCH_WEB_ARGS)

# --- Daily prompts benchmark (README "Performance") ----------------------------------------------
# 100,000 people due at once, through beat tick → Redis → Celery workers → PostgreSQL → SMTP sink.
# Prints `prompts: …`. Add --kill-worker 3 or --restart-redis to BENCH_PROMPTS_ARGS for the fault runs
# (--restart-redis restarts the Redis server on BENCH_PROMPTS_REDIS_URL's port).
BENCH_PROMPTS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trustrepair_bench
BENCH_PROMPTS_REDIS_URL ?= redis://127.0.0.1:6379/7
BENCH_PROMPTS_ARGS ?= --users 100000

bench-prompts: $(STAMP)
	@.ci/services
	DATABASE_URL=$(BENCH_PROMPTS_DATABASE_URL) REDIS_URL=$(BENCH_PROMPTS_REDIS_URL) $(PY) manage.py bench_prompts $(BENCH_PROMPTS_ARGS)
