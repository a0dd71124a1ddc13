"""What each span convention rule is worth (`nerkit.conventions.RULES`): nerkit's documents set and its
non-entity documents (bench/documents.py's sets and labels), dev and held-out halves apart, extracted
with every rule and with each rule left out alone (`ExtractOptions.skip_rules`).

Per rule and half: micro exact character-span F1 over the set's labels without the rule, its ΔF1 (the
F1 with every rule minus the F1 without this one: positive means the rule helps), the false positives
(predicted spans that match no gold span, as bench/documents.py counts them) and the spans changed:
predicted spans, of any label, found in only one of the two runs. The model reads each document once;
only the per-text half of the pipeline (`NER.finish`: recognizers, merge, conventions) runs per rule.

    python bench/ablation.py [--model DIR] [--limit N] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import cpu_flags
from documents import LABELS, SETS, false_positives

import nerkit
from nerkit import layout
from nerkit.conventions import RULES
from nerkit.corpus.marked import GoldDocument, read_marked
from nerkit.evaluate import span_report
from nerkit.ner import NER, ExtractOptions

Spans = list[list[tuple[int, int, str]]]
ALL = "all rules"
"""The run with no rule left out, against which each rule's run is compared."""
SPLITS = {"dev": "dev", "heldout": "held-out"}
PACKAGE = Path(nerkit.__file__).parent / "conventions"


def halves(limit: int | None) -> dict[str, list[GoldDocument]]:
    """Each set's dev and held-out documents, the first `limit` of each when given."""
    found: dict[str, list[GoldDocument]] = {}
    for name, paths in SETS.items():
        documents = [document for path in paths for document in read_marked(path)]
        for split, shown in SPLITS.items():
            found[f"{name} {shown}"] = [d for d in documents if d.fields.get("split") == split][:limit]
    return found


def predictions(ner: NER, documents: list[GoldDocument]) -> dict[str, Spans]:
    """Every document's predicted spans with every rule (`ALL`) and with each rule left out alone."""
    texts = [document.text for document in documents]
    segments = [layout.segments(text) for text in texts]
    tagged = ner.tag(texts, segments)
    runs = {ALL: frozenset(), **{rule: frozenset({rule}) for rule in RULES}}
    found: dict[str, Spans] = {}
    for run, skip in runs.items():
        options = ExtractOptions(values=False, skip_rules=skip)
        found[run] = [
            [(e.start, e.end, e.label) for e in ner.finish(text, model, options, segments=pieces).entities]
            for text, model, pieces in zip(texts, tagged, segments, strict=True)
        ]
    return found


def scores(gold: Spans, runs: dict[str, Spans]) -> dict[str, dict[str, float | int]]:
    """Each run's F1, its ΔF1 and the spans it changes against `ALL`'s, and its false positives."""
    every_rule = runs[ALL]
    f1 = span_report(gold, every_rule, labels=LABELS).micro.f1
    scored: dict[str, dict[str, float | int]] = {}
    for run, predicted in runs.items():
        run_f1 = span_report(gold, predicted, labels=LABELS).micro.f1
        wrong, spurious = false_positives(gold, predicted)
        scored[run] = {
            "f1": run_f1,
            "delta_f1": round(f1 - run_f1, 4),
            "false_positives": wrong,
            "spurious": spurious,
            "spans_changed": sum(
                len(set(one) ^ set(other)) for one, other in zip(every_rule, predicted, strict=True)
            ),
        }
    return scored


def markdown(results: dict[str, dict]) -> str:
    """One row per rule: its ΔF1 on each half and the spans it changes in all of them; first, the F1
    with every rule."""
    names = list(results)
    rows = [
        "| rule | description | " + " | ".join(f"{name} ΔF1" for name in names) + " | spans changed |",
        "|---|---|" + "---:|" * (len(names) + 1),
        f"| {ALL} | micro exact F1 with every rule | "
        + " | ".join(f"{results[name]['runs'][ALL]['f1']:.4f}" for name in names)
        + " | 0 |",
    ]
    for rule, description in RULES.items():
        deltas = " | ".join(f"{results[name]['runs'][rule]['delta_f1']:+.4f}" for name in names)
        changed = sum(results[name]["runs"][rule]["spans_changed"] for name in names)
        rows.append(f"| {rule} | {description} | {deltas} | {changed} |")
    return "\n".join(rows) + "\n"


def package_lines() -> int:
    """The lines of the conventions package, as `wc -l` counts them."""
    return sum(path.read_text(encoding="utf-8").count("\n") for path in PACKAGE.glob("*.py"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", default="default", help="a nerkit model directory (default: the shipped one)"
    )
    parser.add_argument("--limit", type=int, help="Only the first N documents of each half (a quick check).")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ablation.json")
    parser.add_argument("--markdown", type=Path, help="Also write the table to this file.")
    args = parser.parse_args()
    ner = nerkit.load(None if args.model == "default" else args.model)
    results: dict[str, dict] = {}
    for name, documents in halves(args.limit).items():
        gold = [list(document.spans) for document in documents]
        results[name] = {
            "documents": len(documents),
            "gold_spans": sum(map(len, gold)),
            "runs": scores(gold, predictions(ner, documents)),
        }
    table = markdown(results)
    lines = package_lines()
    print(table)
    print(f"conventions package: {lines} lines in {len(list(PACKAGE.glob('*.py')))} modules")
    payload = {
        "model": args.model,
        "limit": args.limit,
        "labels": list(LABELS),
        "rules": RULES,
        "conventions_lines": lines,
        "machine": {"cpu_flags": cpu_flags()},
        "results": results,
    }
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
