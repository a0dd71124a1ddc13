"""Precision and recall of each built-in recognizer on the hand-written examples in
tests/data/pattern_examples.yaml.

    python bench/patterns.py

A positive counts as found when the exact expected span is returned; any other match in a positive
example that does not overlap the expected span, and every match in a negative example, is a false
positive. The examples were written alongside the recognizers, so these are development-set figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from nerkit.patterns import builtin_recognizers

EXAMPLES = Path(__file__).parent.parent / "tests" / "data" / "pattern_examples.yaml"


def main() -> None:
    examples = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))
    results = {}
    for recognizer in builtin_recognizers():
        sets = examples[recognizer.label]
        hits = misses = false = 0
        for text, expected in sets["positives"]:
            start = text.index(expected)
            spans = [(m.start, m.end) for m in recognizer(text)]
            hits += (start, start + len(expected)) in spans
            misses += (start, start + len(expected)) not in spans
            false += sum(1 for s, e in spans if e <= start or s >= start + len(expected))
        false += sum(len(list(recognizer(text))) for text in sets["negatives"])
        results[recognizer.label] = {
            "positives": len(sets["positives"]),
            "negatives": len(sets["negatives"]),
            "precision": round(hits / (hits + false), 4) if hits + false else 0.0,
            "recall": round(hits / (hits + misses), 4),
        }
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
