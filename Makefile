# The two commands of the README quick start. Both create .venv and install first:
# `make demo` the package alone (runtime dependencies), `make test` also the dev and test
# extras (linters, pytest, and the heavy test-only schemathesis and playwright) and the fix
# extra (QuickFIX, built from source once, then pip's wheel cache).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BASE   := $(VENV)/.installed-base
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean install fast pure clean-fast

$(BASE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BASE)

$(STAMP): $(BASE)
	$(BIN)/pip install --quiet -e '.[dev,test,fix]'
	touch $(STAMP)

install: $(STAMP)

demo: $(BASE)
	$(BIN)/tradecore demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

bench: $(BASE)
	$(BIN)/tradecore bench all

# Optional compiled build (docs/performance.md, "Compiled"): `make fast` compiles the order
# path with mypyc (dev extra; needs a C compiler) into extension modules beside the sources,
# which the editable install then imports; it does nothing when the sources are unchanged since
# the last build (hashes in src/tradecore/_compiled.json). `make pure` removes them.
# `tradecore info` says which build is loaded.
fast: $(STAMP)
	$(BIN)/python -m tradecore.fastbuild build

pure:
	@n=$$(find src/tradecore -name '*.so' | wc -l); find src/tradecore -name '*.so' -delete; \
	rm -f src/tradecore/_compiled.json; \
	echo "make pure: removed $$n compiled file(s); the pure-Python build is loaded"

clean-fast: pure

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
	$(MAKE) --no-print-directory pure
