# 小店 xiaodian — the two commands a new machine needs are `make demo` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MYSQL_TEST_URL ?= mysql+asyncmy://root@127.0.0.1:3306/xiaodian_test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PORT ?= 8000

.PHONY: demo test install system-deps lint typecheck test-sqlite test-screenshots test-mariadb test-miniprogram clean

## Run the demo shop on http://127.0.0.1:$(PORT) (SQLite + media in ./data, simulated WeChat).
demo: $(STAMP)
	$(BIN)/xiaodian demo --port $(PORT) --data-dir data

## Run every test: lint, types, Python suite on SQLite (with the console's screenshots) and on
## MariaDB + Redis, mini program. After lint and types, the four suites share nothing (each its
## own databases, temporary folders and free ports), so they run two at a time, the longest
## first; each one's output is printed whole when it ends, and every failure is reported.
test: system-deps lint typecheck
	@$(MAKE) --no-print-directory -j2 -k --output-sync=target \
		test-mariadb test-sqlite test-screenshots test-miniprogram

system-deps:
	scripts/system-deps.sh

install: $(STAMP)

$(STAMP): pyproject.toml requirements-lock.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements-lock.txt -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test-sqlite: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

## Every console page in Chromium on a desktop and a 375 px phone (left out of a plain pytest).
test-screenshots: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -m screenshots tests/console

## The same suite on MariaDB + Redis. Skipped with a notice when they do not answer, unless
## REQUIRE_SERVICES=1 (CI), which makes that a failure.
test-mariadb: $(STAMP)
	@if scripts/services.sh check; then \
		XIAODIAN_TEST_DATABASE_URL='$(MYSQL_TEST_URL)' XIAODIAN_TEST_REDIS_URL='$(REDIS_TEST_URL)' \
		$(BIN)/pytest -q -p no:cacheprovider; \
	elif [ "$(REQUIRE_SERVICES)" = "1" ]; then \
		echo "MariaDB/Redis do not answer and REQUIRE_SERVICES=1"; exit 1; \
	else \
		echo "== MariaDB + Redis not reachable: skipping the second pass (scripts/services.sh start)"; \
	fi

test-miniprogram: $(STAMP)
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error && npm test

clean:
	rm -rf $(VENV) data miniprogram/node_modules .mypy_cache .ruff_cache
