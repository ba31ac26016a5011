# Wangge — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/wangge
# Tests run on every core (pytest-xdist); PYTEST_ARGS="-n0 -x" for one process.
PYTEST_ARGS ?= -n auto
HOST ?= 127.0.0.1
PORT ?= 8000

# The suite runs a second time with every test starting at an awkward moment (the last minute
# of the year in Asia/Shanghai, which ticks into the next year and past the official calendar).
TEST_CLOCK ?= 2026-12-31T23:59:00+08:00

.PHONY: run test setup migrate demo lint typecheck format check-migrations test-sqlite test-postgres test-clock test-replica \
        worker screenshots bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@$(BIN)/pip install --quiet -e ".[fast]" >/dev/null 2>&1 \
		|| echo "gunicorn[fast] (the C HTTP parser) did not build here: gunicorn parses with Python"
	@touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(BIN)/python manage.py demo_load

## make run: set everything up (venv, dependencies, database, demo county) and serve on :8000
run: demo
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop; background jobs: make worker)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make worker: the background task worker (SLA sweep, outbox delivery, imports, roll-ups)
worker: migrate
	$(BIN)/python manage.py wangge_worker

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make typecheck: mypy with the Django and REST framework plugins (configured in pyproject.toml)
typecheck: setup
	DATABASE_URL= $(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: setup
	$(BIN)/python manage.py makemigrations --check --dry-run -v1

test-sqlite: setup
	WANGGE_DATA_DIR=$$(mktemp -d) DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

# The whole suite again on SQLite, every test's "now" moved to $(TEST_CLOCK).
test-clock: setup
	WANGGE_DATA_DIR=$$(mktemp -d) DATABASE_URL= WANGGE_TEST_CLOCK=$(TEST_CLOCK) $(BIN)/pytest $(PYTEST_ARGS)

# On PostgreSQL. Where none answers, the PostgreSQL-only tests are skipped with a message —
# except under CI=true, where a missing PostgreSQL is a failure.
test-postgres: setup
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "FAIL: PostgreSQL is not answering at $(PG_URL) and CI=true: PostgreSQL tests cannot be skipped in CI."; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL is not answering at $(PG_URL); the PostgreSQL tests (locks, races, concurrency) did not run. Start PostgreSQL or set PG_URL to run them."; \
	fi

# Against a real streaming replica: tools/pg_replica.sh starts a primary (5440) and a standby
# made with pg_basebackup (5441) as local clusters; it needs root and Debian's postgresql-common.
REPLICA_PRIMARY_URL ?= postgres://postgres@127.0.0.1:5440/wangge
REPLICA_STANDBY_URL ?= postgres://postgres@127.0.0.1:5441/wangge
test-replica: setup
	@if [ "$$(id -u)" = "0" ] && command -v pg_createcluster >/dev/null; then \
		tools/pg_replica.sh up && \
		DATABASE_URL=$(REPLICA_PRIMARY_URL) DATABASE_REPLICA_URL=$(REPLICA_STANDBY_URL) \
		WANGGE_REQUIRE_REPLICA=1 $(BIN)/pytest -n0 tests/replica; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "FAIL: CI=true but a replica cannot be started here (needs root and pg_createcluster)."; exit 1; \
	else \
		echo "SKIPPED: the streaming-replica tests need root and pg_createcluster (tools/pg_replica.sh)."; \
	fi

## make test: set up, then lint, type check (mypy), migrations check, and the whole suite on SQLite and PostgreSQL,
## and once more on SQLite at an awkward moment (TEST_CLOCK)
test: lint typecheck check-migrations test-sqlite test-postgres test-clock test-replica

## make screenshots: phone and desktop pictures of the main pages into docs/screenshots (builds its own demo database)
screenshots: setup
	$(BIN)/python -m tools.screenshots

bench: setup
	@echo "See docs/benchmarks.md for each benchmark's command."

clean:
	rm -rf $(VENV) var/wangge.sqlite3* .pytest_cache .ruff_cache .mypy_cache
