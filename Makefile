# Duebell: `make run` to try it, `make test` to test it. Both set themselves up from scratch.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast test-scale lint format bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: install, migrate, load demo data, start web + queue (+ 1MSG sandbox) on 127.0.0.1
# DEBUG is off unless set; a local run turns it on (per-checkout secrets, debug pages).
run: export DEBUG ?= true
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo
	$(PY) manage.py axes_reset
	$(PY) -m config.local

## test: the whole suite (DATABASE_URL / REDIS_URL select PostgreSQL / Redis)
test: $(STAMP)
	$(PY) -m pytest

## test-scale: 2 web + 2 queue hosts on a private PostgreSQL and Redis, load, faults, N1-N8
# (network namespaces as root; starts its own PostgreSQL cluster with pg_createcluster)
test-scale: $(STAMP)
	SCALE=1 $(PY) -m pytest tests/scale -s -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## bench: every tests/bench/bench_*.py, printing ratios measured in this run
bench: $(STAMP)
	$(PY) -m tests.bench $(BENCH)

clean:
	rm -rf $(VENV) var test-artifacts
