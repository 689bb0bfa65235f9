# hoi_nlp — two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
HOI    := $(VENV)/bin/hoi
TORCH  := torch==2.13.0
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test test-all install install-dev browser postgres report-tools bench lint clean

# constraints.txt pins every package to the versions the test suite last passed with
# (regenerate: .venv/bin/pip freeze --exclude-editable | grep -v '^torch' > constraints.txt).
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(TORCH) --find-links /opt/wheels || $(PIP) install -q $(TORCH) --index-url https://download.pytorch.org/whl/cpu
	$(PIP) install -q -e '.[all]' -c constraints.txt
	-$(PY) -c "from hoi_nlp.nlp.pipeline import danish_lemma_table; danish_lemma_table()"  # compact lemma table, once
	-$(PY) -c "from flows.environment import prepare_template; prepare_template()"  # Prefect's empty database, once
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q -e '.[all,dev]' -c constraints.txt
	-$(MAKE) --no-print-directory browser
	-$(MAKE) --no-print-directory postgres
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## make demo: set up and run the main flow on the bundled demo study
demo: install
	$(HOI) run corpora/demo --workspace outputs/demo
	@echo "Coded dataset and quotes: outputs/demo/exports/"

## make test: set up, lint (ruff) and run the fast test suite
test: install-dev
	$(VENV)/bin/ruff check hoi_nlp flows tests benchmarks
	@$(PY) -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$status

## make test-all: also the slow tests (model training, Prefect server, Dask, kill-and-resume, report rendering)
test-all: install-dev browser report-tools
	$(PY) -m pytest -q -m "slow or not slow"

## browser: Debian chromium for the end-to-end review-app tests
browser:
	@command -v chromium >/dev/null || (echo "installing Debian chromium for the browser tests" && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium could not be installed: the browser tests will be skipped"

## postgres: Debian's PostgreSQL server for the tests against a real server (tests/postgres/ start a
## throw-away cluster from /usr/lib/postgresql/*/bin; nothing is started or enabled as a service)
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (echo "installing Debian postgresql for the PostgreSQL tests" && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null) || \
	  echo "postgresql could not be installed: the PostgreSQL tests will be skipped"

## report-tools: LibreOffice (headless) and pdftoppm to render the report in the slow test
report-tools:
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui poppler-utils >/dev/null)

bench: install-dev
	$(PY) -m benchmarks

lint: install-dev
	$(VENV)/bin/ruff check hoi_nlp flows tests benchmarks

clean:
	rm -rf outputs/demo .pytest_cache
