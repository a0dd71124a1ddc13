"""Round trip through each annotation-tool format on the CoNLL-2003 test set: to the format and back,
and how long each way takes.

Two checks: the texts and character spans read back equal the ones written (the format's fidelity),
and the word-level sentences read back equal CoNLL's words and tags (which also depends on cutting the
text into words again: spaCy's tokenizer, as in extraction, splits a few CoNLL tokens such as "3." and
"cannot" differently).

    python bench/interchange.py        # needs data/conll2003/test.txt
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import nerkit
from nerkit.corpus import SPAN_READERS, read_file, write_file
from nerkit.corpus.interchange import checked
from nerkit.corpus.writers import records_from_sentences

FORMATS = {
    "doccano": "t.jsonl",
    "prodigy": "t.jsonl",
    "labelstudio": "t.json",
    "brat": "brat",
    "spacy": "t.spacy",
}
HERE = Path(__file__).parent


def _records(format: str, path: Path) -> list:
    """The records as the format's reader gives them (JSONL through the JSONL records reader)."""
    from collections import Counter

    from nerkit.corpus.readers import read_text_spans

    if format in SPAN_READERS:
        return [checked(r, path, "refuse", Counter()) for r in SPAN_READERS[format](path, Counter())]
    return read_text_spans(path)


def main() -> None:
    sentences = list(nerkit.read_corpus("conll2003")["test"])
    results = {}
    for format, name in FORMATS.items():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            started = time.perf_counter()
            write_file(sentences, path, format)
            written = time.perf_counter() - started
            back = read_file(path).sentences
            read = time.perf_counter() - started - written
            records = _records(format, path)
        expected = [(r.text, r.spans) for r in records_from_sentences(sentences)]
        same_words = sum((s.words, s.tags) == (b.words, b.tags) for s, b in zip(sentences, back, strict=True))
        results[format] = {
            "texts_and_spans_identical": [(r.text, r.spans) for r in records] == expected,
            "sentences_with_identical_words_and_tags": same_words,
            "write_s": round(written, 2),
            "read_s": round(read, 2),
        }
        print(format, results[format])
    spans = sum(len(s.spans) for s in sentences)
    output = {"corpus": "conll2003 test", "sentences": len(sentences), "entities": spans, "formats": results}
    (HERE / "results" / "interchange.json").write_text(json.dumps(output, indent=1) + "\n")


if __name__ == "__main__":
    main()
