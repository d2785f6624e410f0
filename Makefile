# postsql: every target bootstraps .venv on its own, so a fresh clone needs no other step.
# The database: DATABASE_URL / DIRECT_DATABASE_URL when set, else the embedded PostgreSQL in .postsql/.
# The library is src/postsql (installed editable); the example project, the blog, is src/blog and
# is configured by [tool.postsql] in pyproject.toml like any project (imported from src/).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
POSTSQL := $(BIN)/postsql
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)/src

.DEFAULT_GOAL := help
.PHONY: help venv demo test test-pg15 lint typecheck check db db-stop migrate rollback status \
	new-migration seed codegen codegen-check bench health report backup backup-verify \
	backup-status backup-prune restore clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

# (Re)install when the virtualenv is missing or pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,test,cache,tracing]'
	@touch $(STAMP)

venv: $(STAMP) ## create .venv and install postsql with its dev tools

demo: $(STAMP) ## migrate, seed and show the blog at work (embedded PostgreSQL unless DATABASE_URL)
	$(PY) -m blog demo

test: $(STAMP) ## run the test suite against a real PostgreSQL (see README: which server)
	$(PY) -m pytest

PG15_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

test-pg15: $(STAMP) ## the database tests again on another server: PG15_URL (default: a PostgreSQL 15 at 127.0.0.1:5432)
	TEST_DATABASE_URL="$(PG15_URL)" $(PY) -m pytest -m "db and not installs" -q

# postsql check is what a user's CI runs; here for the example and for postsql's own queries. Its
# codegen freshness check is left to codegen-check, which covers both packages.
lint: $(STAMP) ## ruff, then postsql check (sqlfluff, squawk, the soft-delete check) on all SQL
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(POSTSQL) check --skip codegen
	$(POSTSQL) --project src/postsql/sql/postsql.toml check --skip codegen

typecheck: $(STAMP) ## mypy --strict over src, scripts and tests
	$(BIN)/mypy

check: lint typecheck codegen-check test ## everything CI runs

db: $(STAMP) ## start the database if needed and print its URL
	$(POSTSQL) db start

db-stop: $(STAMP) ## stop the embedded PostgreSQL
	$(POSTSQL) db stop

migrate: $(STAMP) ## apply pending migrations and dump sql/schema.sql
	$(POSTSQL) migrate

rollback: $(STAMP) ## undo the most recent migration
	$(POSTSQL) rollback

status: $(STAMP) ## list applied and pending migrations
	$(POSTSQL) status

new-migration: $(STAMP) ## create a migration: make new-migration NAME=add_something
	@test -n "$(NAME)" || { echo "usage: make new-migration NAME=add_something" >&2; exit 2; }
	$(POSTSQL) new $(NAME)

seed: $(STAMP) ## roles + admin user; demo data when POSTSQL_ENV=development or DEMO=1
	$(POSTSQL) seed

codegen: $(STAMP) ## regenerate src/blog/generated (and postsql's own src/postsql/builtin)
	$(PY) scripts/codegen.py

codegen-check: $(STAMP) ## fail when src/blog/generated or src/postsql/builtin is stale
	$(PY) scripts/codegen.py --check

health: $(STAMP) ## healthy / degraded / unhealthy (exit 1 when unhealthy); JSON=1 for JSON
	$(POSTSQL) health $(if $(JSON),--json)

report: $(STAMP) ## sizes, largest tables, index usage, bloat, vacuum times, slow queries
	$(POSTSQL) report $(if $(JSON),--json)

backup: $(STAMP) ## pg_dump into the backup directory, record it, apply retention
	$(POSTSQL) backup

backup-verify: $(STAMP) ## restore the newest backup into a scratch database and compare row counts
	$(POSTSQL) backup verify

backup-status: $(STAMP) ## last backup, verification, storage, next scheduled run, retention
	$(POSTSQL) backup status

backup-prune: $(STAMP) ## delete the backups the retention policy does not keep
	$(POSTSQL) backup prune

restore: $(STAMP) ## restore a backup: make restore FILE=path.dump INTO=dbname [CLEAN=1]
	@test -n "$(FILE)" -a -n "$(INTO)" || { echo "usage: make restore FILE=x.dump INTO=db" >&2; exit 2; }
	$(POSTSQL) restore $(FILE) --into $(INTO) $(if $(CLEAN),--clean)

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,test,cache,tracing,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ## every benchmark of docs/benchmarks.md in one run (50k posts), with the load
	uptime
	$(PY) bench/audited_writes.py
	$(PY) bench/post_indexes.py
	$(PY) bench/codegen_speed.py
	$(PY) bench/runtime_overhead.py
	$(PY) bench/repositories.py
	uptime

clean: ## remove caches (keeps .venv and the embedded database)
	rm -rf .mypy_cache .ruff_cache .pytest_cache build dist src/*.egg-info
