# Emporium: `make run` to start the shop, `make test` to check it. `make help` lists the rest.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# uv from PATH, or one installed into .tools/ on first use (only Python 3.11+ is assumed).
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTHON_FOR_TOOLS := $(shell command -v python3.11 2>/dev/null || command -v python3)
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --frozen
# Python's bytecode cache (__pycache__/, ignored by git). A machine that sets
# PYTHONDONTWRITEBYTECODE (the machines this project is built and tested on do) makes every
# Python process compile all it imports from source again: Django then takes 2.8 s to start
# instead of 0.9 s, in each of the dozens of processes a test run starts (test workers,
# servers, commands) and in the shop's own web server, workers and commands.
unexport PYTHONDONTWRITEBYTECODE
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# pytest-xdist processes, each with its own test database and Redis database (conftest.py):
# one more than the cores (a worker waits on its browser, live server and database about a
# quarter of the time; README "Testing"), at most 12 (Redis databases 15 down to 4).
PYTEST_WORKERS ?= $(shell n=$$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2); echo $$(( n + 1 < 12 ? n + 1 : 12 )))
BENCH ?=

FRONTEND_SOURCES := $(shell find frontend -type f \( -name '*.ts' -o -name '*.css' -o -name '*.vue' \) -not -path 'frontend/dist/*' 2>/dev/null) vite.config.ts tsconfig.json

.PHONY: help install run serve worker beat test lint typecheck pytest vitest bench format clean client client-check

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON_FOR_TOOLS) -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

frontend/dist/manifest.json: node_modules/.installed $(FRONTEND_SOURCES)
	npm run build

install: .venv/.synced node_modules/.installed frontend/dist/manifest.json ## install Python and npm packages, build the front end

run: install ## start the shop on http://$(HOST):$(PORT) (embedded mode unless DATABASE_URL etc. are set)
	$(RUN) python manage.py migrate --noinput
	@# Outside embedded mode DEBUG is off and pages link hashed files that only collectstatic writes.
	$(RUN) python manage.py collectstatic --noinput --verbosity 0
	$(RUN) python manage.py setup_demo --host $(HOST) --port $(PORT)
	@# Embedded mode has no worker: tasks run inline, and a beat scheduler beside the web server
	@# runs the periodic jobs (unpaid orders' stock released, refunds resent, sessions cleared)
	@# inline too. It stops with the server. In service mode `make worker` and `make beat` do that.
	@if [ -z "$${REDIS_URL:-}$${CELERY_BROKER_URL:-}" ]; then \
	  .venv/bin/celery -A config beat --loglevel=WARNING --schedule .celerybeat-schedule & \
	  trap "kill $$! 2>/dev/null" EXIT; \
	fi; \
	$(RUN) python manage.py runserver $(HOST):$(PORT)

serve: install ## serve production-like: DEBUG off, static files collected, gunicorn on $(HOST):$(PORT)
	$(RUN) python manage.py migrate --noinput
	DEBUG=0 $(RUN) python manage.py collectstatic --noinput --verbosity 0
	$(RUN) python manage.py setup_demo --host $(HOST) --port $(PORT)
	@# As `make run`: in embedded mode (no Redis) a beat scheduler beside the server runs the periodic jobs.
	@if [ -z "$${REDIS_URL:-}$${CELERY_BROKER_URL:-}" ]; then \
	  .venv/bin/celery -A config beat --loglevel=WARNING --schedule .celerybeat-schedule & \
	  trap "kill $$! 2>/dev/null" EXIT; \
	fi; \
	DEBUG=0 ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1,$(HOST)}" \
	  $(RUN) gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2} --access-logfile -

worker: install ## run a Celery worker (service mode: REDIS_URL set)
	$(RUN) celery -A config worker --loglevel=INFO

beat: install ## run the Celery beat scheduler (service mode: REDIS_URL set)
	$(RUN) celery -A config beat --loglevel=INFO

test: install lint typecheck pytest vitest ## lint, type-check, and run the Python and front-end test suites

lint: .venv/.synced node_modules/.installed client-check
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	@# A model change without its migration would pass the tests (they build tables from the
	@# migrations) and then break a real database on deploy.
	$(RUN) python manage.py makemigrations --check --dry-run
	@# Apps import one way (pyproject.toml [tool.importlinter], README "Architecture").
	$(RUN) lint-imports --no-cache --no-logo
	@# Security lint: no medium or high finding outside tests (a justified `# nosec BNNN` where safe).
	$(RUN) bandit --quiet --recursive emporium config bench --exclude '*/tests/*,*/migrations/*' --severity-level medium
	npm run lint

typecheck: .venv/.synced node_modules/.installed
	$(RUN) mypy .
	npm run typecheck

# The dashboard's API types, generated from the OpenAPI schema the API serves. Always from the
# embedded settings: integer ranges (and so the schema's int32/int64 notes) follow the database.
GENERATE_CLIENT = env -u DATABASE_URL -u REDIS_URL -u EMPORIUM_ENV $(RUN) python manage.py spectacular --format openapi-json --file $$tmp/schema.json && \
	npx openapi-typescript $$tmp/schema.json -o $$tmp/schema.d.ts >/dev/null

client: .venv/.synced node_modules/.installed ## regenerate frontend/client/schema.d.ts after an API change
	@tmp=$$(mktemp -d) && $(GENERATE_CLIENT) && cp $$tmp/schema.d.ts frontend/client/schema.d.ts && rm -r $$tmp

client-check: .venv/.synced node_modules/.installed
	@# Types that no longer match the API would let the dashboard compile against endpoints that changed.
	@tmp=$$(mktemp -d) && $(GENERATE_CLIENT) && \
	  { diff -u frontend/client/schema.d.ts $$tmp/schema.d.ts > $$tmp/diff || \
	    { head -40 $$tmp/diff; echo "frontend/client/schema.d.ts is out of date: run make client"; exit 1; }; } && \
	  rm -r $$tmp

pytest: install
	$(RUN) pytest --create-db -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

vitest: node_modules/.installed
	npm test

bench: install ## run the benchmarks in bench/ (BENCH="storefront" for one) and write bench/results/
	$(RUN) python -m bench $(BENCH)

format: .venv/.synced ## fix formatting and the lint findings that can be fixed safely
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean: ## remove build output and caches (keeps the database)
	rm -rf frontend/dist .mypy_cache .ruff_cache .pytest_cache test-results
