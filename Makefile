# make run      : set up a fresh machine (venv, dependencies, store) and serve on http://127.0.0.1:$(PORT)
# make test     : set up, lint and run the whole test suite (GeoPackage and PostGIS, browser tests in Chromium)
# make test-fast: the quick loop while working: the venv and the npm packages, no browser, PostGIS or slow tests (~3 min)
# make lint     : ruff check, ruff format --check (settings in pyproject.toml) and lint-imports (.importlinter)
# make postgis  : install and start a local PostgreSQL + PostGIS, create the database and load it; then
#                 GEO_APP_STORE=$(PG_URL) make run
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 5000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
STORE   ?= instance/suzhou.gpkg
PG_URL  ?= postgresql://geo_app:geo_app@127.0.0.1:5432/suzhou
# The store is GEO_APP_STORE when set (a path or a postgresql:// URL), else STORE.
ifeq ($(origin GEO_APP_STORE), undefined)
export GEO_APP_STORE := $(abspath $(STORE))
endif

.PHONY: run test test-fast lint store setup demo city districts benchmark clean browser postgis postgis-server vendor

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The map pages' browser libraries from npm (package.json, pinned by package-lock.json), into node_modules/.
# As root npm (Debian's, with Node.js) is installed when missing.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --ignore-scripts

vendor: node_modules/.package-lock.json

setup: $(VENV)/.runtime vendor

# The store is the record: created and seeded from layers/ only when there is none; otherwise only the pending
# schema migrations are applied. A deployment (new code, `make run`) never rebuilds it.
store: $(VENV)/.runtime
	$(BIN)/flask --app geo_app store-init

run: store vendor
	@echo "serving on http://127.0.0.1:$(PORT) with $(WORKERS) worker processes (store: $$($(BIN)/python -c 'import os; from geo_app.store import open_store; print(open_store(os.environ["GEO_APP_STORE"]))'))"
	$(BIN)/gunicorn -k asgi --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - \
	  --control-socket $(abspath instance)/gunicorn-$(PORT).ctl 'geo_app:create_asgi()'

test: $(VENV)/.dev lint vendor browser postgis-server
	$(BIN)/python -m pytest

# The markers are set in tests/conftest.py: browser (Chromium), postgis (a PostgreSQL server), slow (over ~5 s).
FAST := not browser and not postgis and not slow
test-fast: $(VENV)/.dev vendor
	$(BIN)/python -m pytest -q -m "$(FAST)" $(ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# A local PostgreSQL 15 + PostGIS 3 (Debian packages), started, with a role geo_app (password geo_app; it may
# create databases: the tests make throw-away ones) and a database suzhou. As root it installs and starts what is
# missing; otherwise it says what to run.
postgis-server:
	@if [ "$$(id -u)" = 0 ]; then \
	  [ -f /usr/share/postgresql/15/extension/postgis.control ] || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >/dev/null; }; \
	  pg_lsclusters -h | grep -q '^15 *main' || pg_createcluster 15 main >/dev/null; \
	  pg_lsclusters -h | grep -q '^15 *main .*online' || pg_ctlcluster 15 main start; \
	  runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = 'geo_app'" | grep -q 1 || \
	    runuser -u postgres -- psql -qc "CREATE ROLE geo_app LOGIN CREATEDB PASSWORD 'geo_app'"; \
	  runuser -u postgres -- psql -qd template1 -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis"; \
	  runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_database WHERE datname = 'suzhou'" | grep -q 1 || \
	    runuser -u postgres -- createdb -O geo_app suzhou; \
	elif ! psql "$(PG_URL)" -qtAc "SELECT 1" >/dev/null 2>&1; then \
	  echo "no PostGIS at $(PG_URL): run 'sudo make postgis-server' (Debian), or set PG_URL"; \
	  [ "$$CI" != true ] || exit 1; \
	fi

postgis: postgis-server $(VENV)/.runtime
	GEO_APP_STORE=$(PG_URL) $(BIN)/flask --app geo_app store-init
	@echo "serve it with: GEO_APP_STORE=$(PG_URL) make run"

# The browser tests use Debian's Chromium and a CJK font (without one every Chinese character in a screenshot is
# a box); as root each is installed when missing, otherwise the tests say what to install.
browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list :lang=zh family 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing for the browser tests:$$missing (sudo apt-get install$$missing)"; fi; fi

demo: $(VENV)/.runtime
	$(BIN)/flask --app geo_app demo

# The city-scale demo set (60,000+ unit grids, 62,000 facilities) generated into instance/city/ and imported,
# and 750,852 demo cases (the report's H1 2018 volume) with their history.
city: store
	$(BIN)/flask --app geo_app demo --scale city

# Demo cases (示例数据) calibrated to the report's H1 2018 figures; `CASES=750852 make demo-cases` for the full volume.
CASES ?= 20000
.PHONY: demo-cases
demo-cases: store
	$(BIN)/flask --app geo_app demo-cases --cases $(CASES)

districts: $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-boundaries.txt
	$(BIN)/flask --app geo_app build-districts

benchmark: $(VENV)/.runtime store
	$(BIN)/python -m benchmarks.build_store
	$(BIN)/python -m benchmarks.service
	$(BIN)/python -m benchmarks.siting

clean:
	rm -rf $(VENV) instance node_modules
