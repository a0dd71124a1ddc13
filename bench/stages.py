"""Where `NER.extract_batch` spends its time: segmentation (layout and spaCy), encoding, the forward pass,
decoding (Viterbi, CRF marginals), recognizers, merging and span conventions, on two inputs: the CoNLL
test set as raw text (one text per document) and nerkit's documents set (repeated).

The shares are measured with cProfile, so every Python call pays a little extra: read the shares, not
the absolute seconds. cProfile sees the calling thread only: an ONNX model's batches run on worker
threads, so its forward-pass share is the time the pipeline runs or waits for them (`Tagger.logits`).
Beside them, without the profiler and in the same run: the whole pipeline's
words per second against the bare forward pass's on the same batches (the sentences the pipeline
segments, encoded, collated and length-grouped the same way beforehand, then run as the pipeline runs
them, `Tagger.logits`, so only the model runs), each the best of `--rounds` runs,
as a library caller runs it and again after `freeze_loaded_objects` (what the CLI and server do).

    python bench/stages.py [--model DIR] [--backend onnx-int8] [--repeat 20]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from pathlib import Path
from typing import Any

from common import cpu_flags

import nerkit
from nerkit.corpus.marked import read_marked
from nerkit.ner import SORT_SENTENCES, freeze_loaded_objects
from nerkit.text import detokenize

DOCUMENTS = Path(__file__).parents[1] / "tests" / "data" / "documents" / "documents.txt"
STAGES = {
    "segmentation (layout, spaCy)": ("text.py", "sentences"),
    "encoding (subwords, windows, batches)": ("encode.py", "encode"),
    "collate": ("encode.py", "collate"),
    "forward pass (running or awaited)": ("model.py", "logits"),
    "decoding (Viterbi and marginals)": ("decode.py", "decode"),
    "of which CRF marginals": ("decode.py", "marginals_batch"),
    "recognizers": ("patterns.py", "find_all"),
    "values (dateparser, price-parser, phonenumbers)": ("ner.py", "_with_values"),
    "merge": ("entities.py", "merge"),
    "span conventions": ("conventions/core.py", "conform"),
}


def conll_texts(data_dir: str) -> list[str]:
    corpus = nerkit.read_corpus("conll2003", data_dir=data_dir)
    texts, current = [], []
    for sentence in corpus["test"]:
        if not sentence.before and current:
            texts.append("\n".join(current))
            current = []
        current.append(detokenize(sentence.words)[0])
    return [*texts, "\n".join(current)] if current else texts


def profile(ner: nerkit.NER, texts: list[str]) -> dict[str, object]:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    ner.extract_batch(texts)
    profiler.disable()
    seconds = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(
        cumulative for (_, _, name), (_, _, _, cumulative, _) in stats.items() if name == "extract_batch"
    )
    shares = {}
    for stage, (file, function) in STAGES.items():
        spent = sum(
            cumulative
            for (path, _, name), (_, _, _, cumulative, _) in stats.items()
            if path.endswith(file) and name == function
        )
        shares[stage] = round(100 * spent / total, 1)
    return {
        "texts": len(texts),
        "characters": sum(map(len, texts)),
        "seconds": round(seconds, 2),
        "percent": shares,
    }


def model_batches(ner: nerkit.NER, texts: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """The words of `texts` and the model's input batches that `extract_batch` would make of them."""
    sentences = [[word.text for word in s] for text in texts for s in ner.segmenter.sentences(text)]
    tagger, batches = ner.tagger, []
    for first in range(0, len(sentences), SORT_SENTENCES):
        windows = tagger.encoder.encode(sentences[first : first + SORT_SENTENCES])
        for batch in tagger.batches([len(window) for window in windows], ner.batch_size):
            batches.append(tagger.inputs([windows[index] for index in batch]))
    return sum(map(len, sentences)), batches


def against_bare_forward(ner: nerkit.NER, texts: list[str], rounds: int) -> dict[str, object]:
    """Words/s of `extract_batch` and of the model alone on the batches the pipeline would make, each
    the best of `rounds`, the two taken in turn (this machine's speed drifts by a fifth from one minute
    to the next, and alternating keeps the drift out of the ratio)."""
    words, batches = model_batches(ner, texts)
    pipeline = bare = float("inf")
    for _ in range(rounds):
        pipeline = min(pipeline, _seconds(ner.extract_batch, texts))
        bare = min(bare, _seconds(lambda: list(ner.tagger.logits(batches))))
    return {
        "words": words,
        "pipeline_words_per_s": round(words / pipeline),
        "bare_forward_words_per_s": round(words / bare),
        "pipeline_share_of_bare": round(bare / pipeline, 3),
    }


def _seconds(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=None)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--data-dir", default="../data")
    parser.add_argument("--repeat", type=int, default=20, help="Passes over the documents set.")
    parser.add_argument("--rounds", type=int, default=5, help="Timings are the best of this many.")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    ner = nerkit.load(args.model, backend=args.backend)
    inputs = {
        "conll_test_raw_text": conll_texts(args.data_dir),
        "documents_set": [d.text for d in read_marked(DOCUMENTS)] * args.repeat,
    }
    ner.warm_up()  # what extraction loads on first use (place tables: 1.4 s) is not profiled
    results = {name: profile(ner, texts) for name, texts in inputs.items()}
    for name, texts in inputs.items():
        results[name]["against_bare_forward"] = against_bare_forward(ner, texts, args.rounds)
    freeze_loaded_objects()  # what the CLI, the server and --workers do after loading
    for name, texts in inputs.items():
        results[name]["against_bare_forward_frozen"] = against_bare_forward(ner, texts, args.rounds)
    print(json.dumps(results, indent=1))
    if args.out:
        args.out.write_text(json.dumps({"cpu_flags": cpu_flags(), "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
