# Entry points for a fresh machine: `make demo` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is installed before the project so pip keeps it. TORCH_INDEX is an extra index (PyPI stays
# the main one): where it answers, its CPU build (+cpu) outranks PyPI's, which would pull the
# multi-GB CUDA build; where it cannot be reached, pip falls back to PyPI's after a few retries.
# `make install TORCH_INDEX=` uses PyPI alone.
TORCH ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: demo test test-fast install model vectors encoder clean

# What `predict` needs: torch and the project, no test, plot or Spark extras.
$(BIN)/reviewcli: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)" $(if $(TORCH_INDEX),--extra-index-url "$(TORCH_INDEX)")
	$(BIN)/pip install --quiet -e .
	touch $@

# What the test suite needs on top: pytest, hypothesis, matplotlib, pyspark.
$(VENV)/.test-extras: $(BIN)/reviewcli
	$(BIN)/pip install --quiet -e ".[test,plot,spark]"
	touch $@

install: $(BIN)/reviewcli

demo: install
	$(BIN)/reviewcli predict "great taste" "soggy and stale, never again" \
		"Not bad at all, my kids ask for it every morning" "Oh great, another charger that died in a week"
	printf 'Crunchy, not too sweet, and it stays crisp in milk.\nArrived broken and the seller never answered.\n' \
		| $(BIN)/reviewcli predict - --format jsonl

# Every test; pytest's last line is the count (e.g. "679 passed in 312.45s").
test: $(VENV)/.test-extras
	$(BIN)/python -m pytest

# All but the tests marked slow (docs/testing.md).
test-fast: $(VENV)/.test-extras
	$(BIN)/python -m pytest -m "not slow"

# Reproduces models/default (the shipped model) from ../shared/data; see README.
model: install
	$(BIN)/python bench/train_default.py
	$(BIN)/python -m reviewcli check --model models/default --save -q > /dev/null

# Reproduces models/vectors (the shipped word vectors) from ../shared/data/vectors; seconds.
vectors: install
	$(BIN)/python -c "from reviewcli.store import wordtable; print(wordtable.build('../shared/data/vectors/spacy-en-md-300d', 'models/vectors'))"

# Reproduces models/encoder (the shipped pretrained encoder), in two resumable stages; about an hour on one core.
encoder: install
	$(BIN)/python bench/pretrain_encoder.py

clean:
	rm -rf $(VENV) build *.egg-info
