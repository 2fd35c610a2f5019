# Two entry points for a fresh machine: `make demo` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch, installed before the project so pip keeps it (no multi-GB CUDA download).
TORCH ?= torch==2.13.0

.PHONY: demo test install model vectors encoder clean

$(BIN)/reviewcli: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[test,plot,spark]"
	touch $@

install: $(BIN)/reviewcli

demo: install
	$(BIN)/reviewcli predict "great taste" "soggy and stale, never again" \
		"Not bad at all, my kids ask for it every morning" "Oh great, another charger that died in a week"
	printf 'Crunchy, not too sweet, and it stays crisp in milk.\nArrived broken and the seller never answered.\n' \
		| $(BIN)/reviewcli predict - --format jsonl

test: install
	$(BIN)/python -m pytest

# Reproduces models/default (the shipped model) from ../shared/data; see README.
model: install
	$(BIN)/python bench/train_default.py

# Reproduces models/vectors (the shipped word vectors) from ../shared/data/vectors; seconds.
vectors: install
	$(BIN)/python -c "from reviewcli import wordtable; print(wordtable.build('../shared/data/vectors/spacy-en-md-300d', 'models/vectors'))"

# Reproduces models/encoder (the shipped pretrained encoder), in two resumable stages; about an hour on one core.
encoder: install
	$(BIN)/python bench/pretrain_encoder.py

clean:
	rm -rf $(VENV) build *.egg-info
