# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck test-sqlite test-postgres fuzz schema migration seed bench bench-memory soak clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/hubql migrate
	$(BIN)/hubql serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

test-sqlite: $(VENV)/.installed-dev
	HUBQL_TEST_DATABASE=sqlite $(BIN)/pytest -q

# Runs when PostgreSQL answers; says so plainly when it skips. Under CI=true a missing server fails.
test-postgres: $(VENV)/.installed-dev
	@if $(PY) -m tests.postgres_probe; then \
		HUBQL_TEST_DATABASE=postgresql $(BIN)/pytest -q; \
	elif [ "$$CI" = "true" ]; then \
		echo "FAIL: PostgreSQL is not reachable and CI=true requires the PostgreSQL leg."; exit 1; \
	else \
		echo "SKIPPED the PostgreSQL leg: no server answers (see HUBQL_TEST_POSTGRES_URL)."; \
	fi

# The two database legs run side by side (one per core); each leg's output is printed whole
# when it ends.
test: lint typecheck
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# The schema fuzz at length: 10,000 random operations, FUZZ_EXAMPLES for each of its four tests
# (queries and mutations, anonymous and signed in; `make test` runs 100 each, derandomized).
# `make fuzz FUZZ_DATABASE=postgresql` runs it on PostgreSQL.
FUZZ_EXAMPLES ?= 2500
FUZZ_DATABASE ?= sqlite
fuzz: $(VENV)/.installed-dev
	HUBQL_TEST_DATABASE=$(FUZZ_DATABASE) HUBQL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/fuzz

schema: $(VENV)/.installed
	$(BIN)/hubql export-schema

# make migration m="add projects"
migration: $(VENV)/.installed-dev
	$(BIN)/alembic revision --autogenerate -m "$(m)"

# An empty, migrated database filled with a world to try hubql on (README: Seeding):
# make seed SCALE=medium SEED=3
SCALE ?= small
SEED ?= 0
seed: $(VENV)/.installed
	$(BIN)/hubql seed --scale $(SCALE) --seed $(SEED)

# hubql beside PostGraphile 4 and a hand-written floor on one PostgreSQL database (about 15 min):
# writes benchmarks/RESULTS.md. BENCH_BEFORE is the tree measured as "before" beside this one.
BENCH_BEFORE ?= d5fb50e0d9351910f969f257fc7fae7ae0e8784a
BENCH_ARGS ?=
bench: $(VENV)/.installed-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "bench needs wrk: apt-get install wrk"; exit 1; }
	$(PY) -m benchmarks.compare --before $(BENCH_BEFORE) $(BENCH_ARGS)

# One worker's memory under W1 at c=32 for ten minutes (writes benchmarks/MEMORY.md).
bench-memory: $(VENV)/.installed-dev
	$(PY) -m benchmarks.memory --minutes 10

# Ten minutes of mixed reads and writes against a server the soak starts itself (SQLite);
# make soak SOAK_ARGS="--database postgresql" or SOAK_ARGS="--seconds 60".
SOAK_ARGS ?=
soak: $(VENV)/.installed-dev
	$(PY) -m benchmarks.soak --seconds 600 $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache
