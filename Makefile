# make run   : set up a fresh machine (venv, dependencies, store) and serve on http://127.0.0.1:$(PORT)
# make test  : set up and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STORE  ?= instance/suzhou.gpkg
export GEO_APP_STORE := $(abspath $(STORE))

LAYER_FILES := $(shell find layers -type f)

.PHONY: run test store setup demo city districts benchmark clean browser

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime

$(STORE): $(VENV)/.runtime $(LAYER_FILES) $(wildcard geo_app/*.py geo_app/*/*.py)
	$(BIN)/flask --app geo_app build-store

store: $(STORE)

run: store
	@echo "serving on http://127.0.0.1:$(PORT)"
	$(BIN)/waitress-serve --host 127.0.0.1 --port $(PORT) --call geo_app:create_app

test: $(VENV)/.dev browser
	$(BIN)/python -m pytest

# The browser tests use Debian's Chromium; as root it is installed here, otherwise they are skipped locally.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "Chromium is missing: the browser tests will be skipped (sudo apt-get install chromium)"; fi; }

demo: $(VENV)/.runtime
	$(BIN)/flask --app geo_app demo

# The city-scale demo set (60,000+ unit grids, 62,000 facilities) generated into instance/city/ and imported.
city: store
	$(BIN)/flask --app geo_app demo --scale city

districts: $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-boundaries.txt
	$(BIN)/flask --app geo_app build-districts

benchmark: $(VENV)/.runtime store
	$(BIN)/python -m benchmarks.build_store
	$(BIN)/python -m benchmarks.service
	$(BIN)/python -m benchmarks.siting

clean:
	rm -rf $(VENV) instance
