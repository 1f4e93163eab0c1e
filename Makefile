# make run   : set up a fresh machine (venv, dependencies, store) and serve on http://127.0.0.1:$(PORT)
# make test  : set up and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STORE  ?= instance/suzhou.gpkg
export GEO_APP_STORE := $(abspath $(STORE))

LAYER_FILES := $(shell find layers -type f)

.PHONY: run test store setup demo districts benchmark clean browser

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

districts: $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-boundaries.txt
	$(BIN)/flask --app geo_app build-districts

benchmark: $(VENV)/.runtime store
	$(BIN)/python -m benchmarks.build_store
	$(BIN)/python -m benchmarks.service
	$(BIN)/python -m benchmarks.siting

clean:
	rm -rf $(VENV) instance
