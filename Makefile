# nerkit: `make run` sets everything up and runs the main job; `make test` runs the whole test suite.
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
SHARED_DATA ?= ../shared/datasets

.PHONY: setup data run train-demo default-model test test-fast lint bench bench-quick release-check label-studio clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(VENV)/.installed data

# Link the shared corpora as ./data unless a data dir is already there.
data:
	@if [ ! -e $(DATA_DIR) ] && [ -d $(SHARED_DATA) ]; then \
		ln -s "$$(cd $(SHARED_DATA) && pwd)" $(DATA_DIR) && echo "linked $(DATA_DIR) -> $(SHARED_DATA)"; fi

# The main job: entities from sample emails and reports with the model nerkit ships (no training, no data).
run: setup
	$(BIN)/nerkit extract --input examples/samples.jsonl

# A short GMB fine-tune (about five minutes on 2 cores), then its validation and test scores.
train-demo: setup
	$(BIN)/nerkit train gmb --out models/gmb-demo --limit-train 8000 --epochs 1 --data-dir $(DATA_DIR)

# Rebuild the shipped default model: two models trained on the documents recipe (GMB, CoNLL-2003 mapped,
# casing variants, synthetic documents), the second with one-word companies in its documents, averaged
# into one (about 90 minutes on 2 cores); then quantised to int8, given per-label score thresholds fitted
# on the documents sets' dev halves, and what the ONNX backend needs copied into the package with the
# PyTorch weights in half precision that `nerkit train --base default` continues from. MODEL_CARD.md says what it scored; re-measure with bench/documents.py and
# bench/cross_corpus.py.
DEFAULT_OUT ?= models/default-docs
default-model: setup
	$(BIN)/nerkit train --recipe default --out $(DEFAULT_OUT)-default --data-dir $(DATA_DIR) --device cpu --bf16
	$(BIN)/nerkit train --recipe companies --out $(DEFAULT_OUT)-companies --data-dir $(DATA_DIR) --device cpu --bf16
	$(BIN)/nerkit average $(DEFAULT_OUT)-default $(DEFAULT_OUT)-companies --out $(DEFAULT_OUT)
	$(BIN)/nerkit export $(DEFAULT_OUT) --onnx --quantize int8 --calibrate gmb --data-dir $(DATA_DIR) --half
	$(BIN)/nerkit calibrate $(DEFAULT_OUT) --backend onnx-int8 --documents tests/data/documents/documents.txt \
		--documents tests/data/documents/non_entities_dev.txt
	cp $(DEFAULT_OUT)/model.int8.onnx $(DEFAULT_OUT)/config.json $(DEFAULT_OUT)/nerkit.json \
		$(DEFAULT_OUT)/tokenizer.json $(DEFAULT_OUT)/tokenizer_config.json \
		$(DEFAULT_OUT)/model.fp16.safetensors $(DEFAULT_OUT)/word_shapes.safetensors src/nerkit/default_model/

test: setup
	$(BIN)/pytest

# Label Studio in an environment of its own (its pins are not nerkit's), for the test that drives a real
# Label Studio server against `nerkit serve --label-studio`: NERKIT_LABEL_STUDIO=$(LABEL_STUDIO) make test.
LABEL_STUDIO_VENV ?= .venv-label-studio
LABEL_STUDIO := $(LABEL_STUDIO_VENV)/bin/label-studio
$(LABEL_STUDIO):
	python3 -m venv $(LABEL_STUDIO_VENV)
	$(LABEL_STUDIO_VENV)/bin/pip install --quiet "label-studio==1.23.2"

label-studio: $(LABEL_STUDIO)

test-fast: setup
	$(BIN)/pytest -m "not slow"

# Side-by-side benchmark (about 15 minutes on 2 cores): needs a CoNLL-2003 model, e.g. from
# `nerkit train conll2003 --out models/conll`. Writes bench/results/benchmark.json and docs/benchmarks.png.
# models/conll from `nerkit train conll2003 --out models/conll`; the student, if trained, from
# `nerkit train conll2003 --out models/conll-student3 --base models/conll --layers 3 --teacher models/conll --lr 1e-4`;
# the base-size model, if trained, from `nerkit base install mpnet-base` and
# `nerkit train conll2003 --base mpnet-base --out models/mpnet-conll --lr 1e-4 --bf16` (docs/results.md).
bench: setup
	$(BIN)/python bench/compare.py --model models/conll $(if $(wildcard models/conll-student3),--student models/conll-student3) \
		$(if $(wildcard models/mpnet-conll),--base-model models/mpnet-conll)

# The same harness on small inputs with an untrained head (CI runs it through the test suite).
bench-quick: setup
	$(BIN)/python bench/compare.py --quick

# The error catalogue's page, generated from src/nerkit/errors.py (a test checks it is current).
docs/errors.md: src/nerkit/errors.py
	$(BIN)/python -c "from nerkit.errors import markdown; print(markdown(), end='')" > $@

release-check: setup
	$(BIN)/python scripts/release_check.py

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) models .pytest_cache
