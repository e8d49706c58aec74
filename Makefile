# phongtrao: `make demo` to try it, `make test` to check it. Both are idempotent.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
export PHONGTRAO_DEV := 1

.PHONY: demo test lint check test-sqlite test-postgres test-sqlite-own test-sqlite-shared test-postgres-own test-postgres-shared test-template-postgres test-collect bench bench-quick bench-members bench-portal system-packages bench-packages cluster-packages restore-check cluster-check clean

# The packages are installed by uv (pinned, from PyPI, into the venv): the same versions as
# pip would install from the lock, in a third of the time (a fresh clone's `make test` waited
# about a minute for pip before anything else could start), bytecode compiled on both cores.
UV_VERSION := 0.13.10
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --python $(PY) --compile-bytecode \
		-c requirements.lock -e '.[dev]'
	touch $(STAMP)

# Debian packages the tests need: PostgreSQL 15 (initdb, pg_ctl); Pango and fonts with
# Vietnamese glyphs for WeasyPrint (PDF reports; Liberation Serif stands in for Times New Roman);
# Chromium for the browser tests (Playwright drives Debian's build, never downloads its own);
# Poppler's pdftotext and pdfinfo, with which the tests read the PDF reports back.
system-packages:
	@if ! command -v initdb >/dev/null && ! test -x /usr/lib/postgresql/15/bin/initdb; then \
		echo "Installing PostgreSQL from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi
	@if [ "$$(/sbin/ldconfig -p | grep -cE 'libpangoft2-1.0.so.0|libharfbuzz-subset.so.0 ')" -lt 2 ] \
		|| ! fc-list 2>/dev/null | grep -q "Liberation Serif"; then \
		echo "Installing Pango and fonts with Vietnamese glyphs (reports as PDF)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
			fonts-liberation2 fonts-dejavu-core >/dev/null; \
	fi
	@if ! command -v pdftotext >/dev/null || ! command -v pdfinfo >/dev/null; then \
		echo "Installing Poppler's tools from Debian's packages (the tests read the PDF reports back)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	fi
	@command -v pdftotext >/dev/null || { echo "pdftotext missing: apt-get install poppler-utils"; exit 1; }
	@if ! command -v redis-server >/dev/null; then \
		echo "Installing Redis from Debian's packages (the shared cache's tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	fi
	@if ! command -v chromium >/dev/null; then \
		echo "Installing Chromium from Debian's packages (browser tests with Playwright)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# wrk drives the portal's benchmark (NukeViet's figures in issue 4 were measured with it).
bench-packages:
	@if ! command -v wrk >/dev/null; then \
		echo "Installing wrk from Debian's packages (portal benchmark)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	fi

# The cluster check's load balancer (HAProxy) and `ip` (iproute2, network namespaces); Redis
# comes with system-packages.
cluster-packages:
	@if ! command -v haproxy >/dev/null || ! command -v ip >/dev/null; then \
		echo "Installing HAProxy and iproute2 from Debian's packages (make cluster-check)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy iproute2 >/dev/null; \
	fi

demo: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py migrate --noinput --database progress
	$(PY) manage.py load_demo
	# One worker of the task queue beside the web server (imports, rendering...); Ctrl-C
	# stops both. --insecure: runserver serves the static files (CSS) although DEBUG is off.
	$(PY) manage.py db_worker --no-reload --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(PY) manage.py runserver --insecure 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) scripts/import_graph.py

check: $(STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# The suites run under coverage.py (a data file per run, .coverage.<run>.*, combined by
# `make test`), with Hypothesis' smaller `ci` profile (conftest.py); each prints its 25
# slowest steps.
# The longest first (PostgreSQL's shared run): make starts the jobs in this order.
SUITES := test-postgres-shared test-postgres-own test-sqlite-own test-sqlite-shared
$(SUITES): export HYPOTHESIS_PROFILE := ci

# `make test` checks the system packages once, before the suites (SYSTEM_PACKAGES= below).
SYSTEM_PACKAGES ?= system-packages

# Each engine's tests in two runs, each with a database of its own: the tests that work in a
# transaction on their own data, and those on the shared units and demos or committing
# (`shared_data`, `transactional`: marked by conftest.py; the replica's tests are among them).
# Tests that never open a database (`engine_independent`) run once, in SQLite's first run;
# those driving Chromium (`browser`), once, in PostgreSQL's shared run (SQLite's when they
# run on SQLite only, `sqlite_only`); so do the walks over every page and the API's fuzzing
# on the shared demo (`one_engine`: together ~35 s of CPU on SQLite; the views under them run on
# both engines in the other tests).
# Alone, each PostgreSQL run has a throw-away server of its own (PG); `make test` starts one
# server for both (PG= below), whose test databases are named after the run.
# Tests that need PostgreSQL (`postgres`) run in its shared run.
OWN := not shared_data and not transactional
SHARED := shared_data or transactional
# Coverage: SQLite's own run and PostgreSQL's shared run hold every test once between them and
# measure every line. The two other runs are the same tests on the other engine: they measure
# only the code that differs by engine (ENGINE_CODE: the modules that name one or its
# features; the migrations are measured on both engines as the templates are made), the only
# lines they can reach that the first two don't; the rest is left out (ENGINE_OMIT). Tracing
# costs about two thirds more CPU per test; the total is the same (`make test` prints it).
COMMA := ,
CODE := $(shell find phongtrao config -name '*.py' -not -path '*/tests/*' -not -path '*/migrations/*')
ENGINE_CODE := $(shell grep -liE 'vendor|postgres|sqlite|connection\.features' $(CODE))
ENGINE_OMIT := */tests/*,*/migrations/*,$(subst $() ,$(COMMA),$(strip $(filter-out $(ENGINE_CODE),$(CODE))))
# Each run's times, test by test, in .test-reports/<run>.xml (JUnit's format).
COVERED = env COVERAGE_FILE=.coverage.$@ $(VENV)/bin/coverage run $(if $(ENGINE_ONLY),--omit='$(ENGINE_OMIT)') -m pytest --durations=25 --junitxml=.test-reports/$@.xml
test-sqlite-shared test-postgres-own: ENGINE_ONLY := 1
PG ?= $(PY) scripts/with_postgres.py --replica
# Set by `make test`: the migrated templates the runs' databases are copied from
# (phongtrao/tests/databases.py); empty, a run migrates its own.
SQLITE_TEMPLATE ?=
PG_TEMPLATE ?=
# Set by `make test`: the collection that caches the test modules first (test-collect).
COLLECTED ?=
SQLITE_RUN = env DATABASE_URL= DATABASE_REPLICA_URL= PHONGTRAO_TEST_TEMPLATE=$(SQLITE_TEMPLATE)
PG_RUN = $(PG) env PHONGTRAO_TEST_TEMPLATE=$(PG_TEMPLATE) PHONGTRAO_TEST_RUN=$(subst -,_,$(subst test-,,$@))
test-sqlite-own: $(STAMP) $(SYSTEM_PACKAGES) $(SQLITE_TEMPLATE) $(COLLECTED)
	$(SQLITE_RUN) $(COVERED) -m "$(OWN)"
test-sqlite-shared: $(STAMP) $(SYSTEM_PACKAGES) $(SQLITE_TEMPLATE) $(COLLECTED)
	$(SQLITE_RUN) $(COVERED) -m "($(SHARED)) and (not browser or sqlite_only) and not one_engine"
test-postgres-own: $(STAMP) $(SYSTEM_PACKAGES) $(if $(PG_TEMPLATE),test-template-postgres) $(COLLECTED)
	$(PG_RUN) $(COVERED) -m "not engine_independent and $(OWN) and not postgres"
test-postgres-shared: $(STAMP) $(SYSTEM_PACKAGES) $(if $(PG_TEMPLATE),test-template-postgres) $(COLLECTED)
	$(PG_RUN) $(COVERED) -m "$(SHARED) or postgres"
test-sqlite: test-sqlite-own test-sqlite-shared
test-postgres: test-postgres-own test-postgres-shared

# The templates, migrated once under coverage (268 migrations: about 26 s of CPU each time,
# 40 s under coverage, that each run spent before).
TEMPLATES := .test-templates
$(TEMPLATES)/sqlite.sqlite3: $(STAMP)
	env DATABASE_URL= DATABASE_REPLICA_URL= $(VENV)/bin/coverage run scripts/test_template.py sqlite $@
test-template-postgres: $(STAMP)
	$(VENV)/bin/coverage run scripts/test_template.py postgres $(PG_TEMPLATE)

# Bytecode: `make test` writes it (__pycache__) whatever PYTHONDONTWRITEBYTECODE says (the
# machine's image sets it): without it every Python process of the run compiled the project
# again (each run, each worker, server and command a test starts) and pytest rewrote the test
# modules' asserts in each of the four runs (about 6 s of CPU a run). The suites collect after
# one collection has cached them, beside the templates.
test-collect: $(STAMP)
	env DATABASE_URL= DATABASE_REPLICA_URL= $(PY) -m pytest --collect-only -q >/dev/null

# The runs share nothing but the PostgreSQL server (SQLite in memory, each PostgreSQL run its
# own database): the four run side by side on the two cores, after the two templates, which
# are migrated beside lint and check; each job's output is printed whole when it ends. Then
# the line coverage of all runs together. The system packages are checked here, first: as a
# prerequisite of the suites in the parallel run, the phony target kept them waiting while
# lint and check took the slots. Six slots: with four, lint (mypy, ~30 s of CPU) held one
# when the templates were ready, and the last suite, PostgreSQL's shared run, the longest,
# waited for it.
test: $(STAMP) system-packages
	rm -rf .coverage .coverage.* $(TEMPLATES) .test-reports
	$(PG) env -u PYTHONDONTWRITEBYTECODE $(MAKE) -j6 --output-sync=target SYSTEM_PACKAGES= PG= \
		SQLITE_TEMPLATE=$(TEMPLATES)/sqlite.sqlite3 PG_TEMPLATE=phongtrao_template \
		COLLECTED=test-collect \
		$(SUITES) lint check
	$(VENV)/bin/coverage combine -q
	@echo "Line coverage, SQLite and PostgreSQL runs together: $$($(VENV)/bin/coverage report --format=total --precision=1)%"

bench: $(STAMP) system-packages
	$(PY) bench/run.py --tiers 1m,10m,100m --write docs/benchmarks.md

bench-quick: $(STAMP) system-packages
	$(PY) bench/run.py --tiers 1m --quick

# The member registry: 20 million members on PostgreSQL, 1 million on SQLite; JSON last.
# Tiers by argument: make bench-members MEMBERS_PG=2000000 MEMBERS_SQLITE=200000
MEMBERS_PG ?= 20000000
MEMBERS_SQLITE ?= 1000000
bench-members: $(STAMP) system-packages
	$(PY) bench/members.py --run $(MEMBERS_PG) $(MEMBERS_SQLITE)

bench-portal: $(STAMP) system-packages bench-packages
	$(PY) bench/portal.py --choose

# Country-sized /api/analytics questions on SQLite and PostgreSQL at 10 million values (add
# the 100 million tier with ANALYTICS_TIERS=10m,100m); JSON last; writes
# docs/benchmarks/analytics.md. Run it alone on the machine.
.PHONY: bench-analytics
ANALYTICS_TIERS ?= 10m
bench-analytics: $(STAMP) system-packages
	$(PY) bench/analytics.py --tiers $(ANALYTICS_TIERS) --write

# The same questions at the 1 million tier on PostgreSQL only (about 5 minutes alone, build
# included): the run that fits beside the other benchmarks. Writes nothing; JSON last.
.PHONY: bench-analytics-quick
bench-analytics-quick: $(STAMP) system-packages
	$(PY) bench/analytics.py --tiers 1m --databases postgresql

# Backups that restore: base backup + WAL archive of a throw-away PostgreSQL holding the demo's
# figures, more writes through the app, a mistake, a point-in-time restore to the moment before
# it, the figures compared (scripts/restore_check.py); JSON last.
restore-check: $(STAMP) system-packages
	$(PY) scripts/restore_check.py

# phongtrao on several "machines" (network namespaces, as root): PostgreSQL primary and
# streaming replica, Redis, S3 (moto), HAProxy before 3 app servers, 2 task workers; load,
# an app server and a worker killed, the replica stopped (scripts/cluster_check.py); JSON last.
# Run it alone on the machine: a few minutes.
cluster-check: $(STAMP) system-packages cluster-packages
	$(PY) scripts/cluster_check.py

clean:
	rm -rf $(VENV) db.sqlite3
