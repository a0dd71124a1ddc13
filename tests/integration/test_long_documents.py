"""A 1 MB document goes through `extract` in bounded pieces without failing (slow: about a minute)."""

import time

import pytest

pytestmark = pytest.mark.slow

PARAGRAPH = "Alice visited Paris on Monday. Mail bob@acme.com or call +1 415-555-2671 about the $5 fee.\n\n"


def test_a_one_megabyte_document_is_extracted_with_exact_offsets(toy_ner):
    text = PARAGRAPH * (1_000_000 // len(PARAGRAPH) + 1)
    assert len(text) >= 1_000_000
    started = time.perf_counter()
    entities = toy_ner.extract(text)
    print(f"1 MB extract: {time.perf_counter() - started:.1f} s, {len(entities)} entities")
    paragraphs = text.count(PARAGRAPH)
    by_label = {
        label: sum(e.label == label for e in entities) for label in ("EMAIL", "PHONE_NUMBER", "MONEY")
    }
    assert by_label == {"EMAIL": paragraphs, "PHONE_NUMBER": paragraphs, "MONEY": paragraphs}
    assert all(text[e.start : e.end] == e.text for e in entities)
