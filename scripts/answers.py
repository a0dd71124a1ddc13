"""Every answer the shipped model gives on nerkit's own test sets, as JSON lines, so that two installs
(the base profile and the full one) or two versions can be compared byte for byte:

    python scripts/answers.py --out answers.jsonl [--gmb-sentences 500]

One line per document of the documents and PII sets (entities with offsets, labels, scores, sources and
values, with each document's reference time) and per GMB test sentence (tags and scores), in file order.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

import nerkit
from nerkit.corpus.marked import read_marked
from nerkit.ner import ExtractOptions

ROOT = Path(__file__).resolve().parents[1]
MARKED = {"documents": ROOT / "tests/data/documents/documents.txt", "pii": ROOT / "tests/data/pii/pii.txt"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", default=None, help="a model directory (default: the shipped model)")
    parser.add_argument("--gmb-sentences", type=int, default=None, help="the first N of GMB test (all)")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    ner = nerkit.load(args.model)
    with args.out.open("w", encoding="utf-8") as out:
        for name, path in MARKED.items():
            for document in read_marked(path):
                reference = document.fields.get("reference")
                options = ExtractOptions(
                    reference_time=datetime.fromisoformat(reference) if reference else None
                )
                (result,) = ner.results([document.text], options)
                entities = [entity.to_dict() for entity in result.entities]
                out.write(json.dumps({"set": name, "id": document.fields.get("id"), "entities": entities}))
                out.write("\n")
        if args.gmb_sentences != 0:
            sentences = list(nerkit.read_corpus("gmb", data_dir=args.data_dir)["test"])[: args.gmb_sentences]
            predictions = ner.predict([list(sentence.words) for sentence in sentences])
            for index, prediction in enumerate(predictions):
                row = {"set": "gmb-test", "id": index, "tags": prediction.tags, "scores": prediction.scores}
                out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
