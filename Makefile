# The README's two commands: `make demo` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages: a browser for the dashboard tests, a CJK font so charts render Chinese.
DEB_PACKAGES := chromium fonts-noto-cjk

.PHONY: demo test setup lab-settings system-deps postgres postgres-stop dashboard bench sample clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench,distributed]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

setup: $(STAMP) system-deps lab-settings

# The project's JupyterLab settings (jupyterlab/overrides.d/): no news pop-up, the interface in Chinese (the
# zh_CN language pack is a dependency). Installed as the venv's default settings, namespaced so that a
# user's own overrides.json stays theirs.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.d
lab-settings: $(STAMP)
	install -d $(LAB_SETTINGS)
	install -m 644 jupyterlab/overrides.d/aidtools.json $(LAB_SETTINGS)/aidtools.json

# Installs the Debian packages when they are missing and we may (root with apt-get); otherwise says what to do.
system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "please install:$$missing (sudo apt-get install$$missing); browser tests and CJK charts need them"; fi; \
	fi

# The sample university's "today" is 15 July 2018 (truth.json: as_of), near the end of its academic year;
# its second round (build/demo-input/round2, generated at demo time) is two weeks later.
SAMPLE_AS_OF := 20180715
SAMPLE_AS_OF2 := 20180729
HISTORY := build/demo-history.sqlite

# Two rounds into one history: round 1 (the committed sample) into build/demo-round1, round 2 into
# build/demo, so the report and the dashboard show what was fixed, what is new and what is still open.
demo: setup
	$(BIN)/aidtools sample build/demo-input --seed 2017 --rounds 2
	rm -f $(HISTORY)
	$(BIN)/aidtools run sample_data/submissions --out build/demo-round1 --tasks sample_data/tasks.xlsx --as-of $(SAMPLE_AS_OF) --history $(HISTORY)
	$(BIN)/aidtools run build/demo-input/round2/submissions --out build/demo --tasks build/demo-input/round2/tasks.xlsx --as-of $(SAMPLE_AS_OF2) --history $(HISTORY)
	@echo "报告 / report: build/demo/report.html"

test: setup postgres
	$(BIN)/python -m pytest -q

# A PostgreSQL server on 127.0.0.1:$(PG_PORT) for the history tests (Debian's postgresql, installed when root with
# apt); its URL goes to build/postgres.url, which tests/test_history.py reads. Says so when it cannot.
PG_PORT ?= 54329
postgres:
	@PG_PORT=$(PG_PORT) bash scripts/postgres.sh

postgres-stop:
	@dir=$$(cat build/postgres.dir 2>/dev/null || echo build/postgres); \
	for d in /usr/lib/postgresql/*/bin; do \
	  if [ -f $$dir/data/PG_VERSION ]; then \
	    if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- $$d/pg_ctl -D $$dir/data stop -m fast; \
	    else $$d/pg_ctl -D $$dir/data stop -m fast; fi; fi; break; done; rm -f build/postgres.url

sample: $(STAMP)
	$(BIN)/aidtools sample sample_data --seed 2017

dashboard: setup
	test -f build/demo/report.json || $(MAKE) demo
	$(BIN)/aidtools dashboard build/demo

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build .pytest_cache
