"""The shipped model with the whole pipeline on the documents set's dev half: a guard that a change to
layout, recognizers or conventions does not lose what they were tuned to find (the figure each change
reports is `bench/documents.py --split dev`; the held-out half is never used here)."""

from pathlib import Path

import pytest

import nerkit
from nerkit.corpus.marked import read_marked
from nerkit.evaluate import span_report

DOCUMENTS = Path(__file__).parents[1] / "data" / "documents" / "documents.txt"
DEV_FLOOR = 0.93
"""About a point under what the shipped model scores on dev (MODEL_CARD.md), for int8 drift between CPUs."""


@pytest.mark.slow
def test_the_shipped_model_keeps_its_documents_dev_score():
    ner = nerkit.load()
    documents = [d for d in read_marked(DOCUMENTS) if d.fields.get("split") == "dev"]
    predicted = [[(e.start, e.end, e.label) for e in ner.extract(d.text)] for d in documents]
    labels = sorted({label for d in documents for _, _, label in d.spans})  # what the set annotates
    report = span_report([d.spans for d in documents], predicted, labels=labels)
    assert len(documents) >= 100
    assert report.micro.f1 >= DEV_FLOOR
