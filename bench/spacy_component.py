"""The spaCy component's throughput against `nerkit extract`'s pipeline on the same texts (the
documents set, repeated), same model, same run.

    python bench/spacy_component.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import spacy
from common import cpu_flags

import nerkit
from nerkit.corpus.marked import read_marked

DOCUMENTS = Path(__file__).parents[1] / "tests" / "data" / "documents" / "documents.txt"
HERE = Path(__file__).parent


def main() -> None:
    texts = [document.text for document in read_marked(DOCUMENTS)] * 5
    characters = sum(map(len, texts))
    ner = nerkit.load()
    list(ner.results(texts[:8]))
    started = time.perf_counter()
    found = [result.entities for result in ner.results(texts)]
    direct = time.perf_counter() - started
    nlp = spacy.blank("en")
    nlp.add_pipe("nerkit")
    list(nlp.pipe(texts[:8]))
    started = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=64))
    component = time.perf_counter() - started
    same = sum(len(doc.spans["nerkit"]) for doc in docs) == sum(map(len, found))
    result = {
        "texts": len(texts),
        "characters": characters,
        "nerkit_results_docs_per_s": round(len(texts) / direct, 1),
        "spacy_component_docs_per_s": round(len(texts) / component, 1),
        "ratio": round(direct / component, 3),
        "same_entity_count": same,
        "cpu": cpu_flags(),
    }
    print(json.dumps(result))
    (HERE / "results" / "spacy_component.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
