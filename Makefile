# Everything a new machine needs starts here: only Python 3.11+ and make are assumed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed-run
BENCH_STAMP := $(VENV)/.installed-bench
DEMO   := examples/say-hello

.PHONY: demo test lint typecheck unit unit-fast bench screenshots clean

$(BIN)/python:
	@echo "--- creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What skyfn itself needs (the demo): click, boto3, cryptography, python-dotenv, watchfiles.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "--- installing skyfn and what it needs to run (about 30 s the first time)"
	$(BIN)/python -m pip install --quiet --progress-bar off -e .
	touch $(RUN_STAMP)

# Everything the tests need too (moto, cfn-lint, mypy, pyright, awslambdaric, ...).
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "--- installing skyfn with its test tools (a minute or two the first time)"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUN_STAMP)

# The benchmarks also need the competitors (Powertools); see bench/run.py (or python -m bench).
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py

# One PNG per console page in docs/console/ (needs chromium and chromedriver; see README).
screenshots: $(STAMP)
	$(BIN)/python -m tests.support.screenshots docs/console

demo: $(RUN_STAMP)
	@echo "--- store a demo secret in the embedded store (from stdin, never shown)"
	cd $(DEMO) && printf 'demo-key-%s' "$$(date +%s)" | ../../$(BIN)/skyfn secret set MY_API_KEY
	@echo "--- synth: artifacts and the typed env module"
	cd $(DEMO) && ../../$(BIN)/skyfn synth
	@sed -n '1,40p' $(DEMO)/.skyfn/generated/skyfn_env/say_hello.py
	@echo "--- invoke say-hello in its own clean process (logs on stderr, result on stdout)"
	cd $(DEMO) && ../../$(BIN)/skyfn invoke say-hello

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict src tests bench

# Every test: tests/unit, tests/e2e (CLI, subprocesses, moto), tests/robustness (minutes).
unit: $(STAMP)
	$(BIN)/pytest

# Only tests/unit (mirrors src/skyfn: tests/unit/host/test_process.py tests host/process.py): seconds.
unit-fast: $(STAMP)
	$(BIN)/pytest tests/unit

test: lint typecheck unit

clean:
	rm -rf $(VENV) $(DEMO)/.skyfn
