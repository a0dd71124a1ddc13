"""The inline-markup reader of nerkit's own document test sets, and the sets themselves."""

from pathlib import Path

import pytest

from nerkit.corpus.marked import read_marked
from nerkit.errors import NerkitError

DOCUMENTS = Path(__file__).parent / "data" / "documents" / "documents.txt"


def test_markup_becomes_plain_text_with_exact_spans(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text(
        "### id=a split=dev\nHi [[Dr. Weber|PERSON:Weber]], see [[Lyon|LOCATION]] and [[3,500|]] rows.\n"
    )
    (document,) = read_marked(path)
    assert document.text == "Hi Dr. Weber, see Lyon and 3,500 rows."
    assert [document.text[s:e] for s, e, _ in document.spans] == ["Weber", "Lyon"]
    assert document.fields == {"id": "a", "split": "dev"}


def test_an_inner_entity_not_inside_its_text_is_an_error_with_the_line(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("# comment\n### id=a\n[[Dr. Weber|PERSON:Mayer]]\n")
    with pytest.raises(NerkitError, match=r"E007.*d.txt:2"):
        read_marked(path)


def test_the_documents_set_has_40_documents_and_400_spans_split_in_two_halves():
    documents = read_marked(DOCUMENTS)
    assert len(documents) >= 40 and sum(len(d.spans) for d in documents) >= 400
    assert {d.fields["split"] for d in documents} == {"dev", "heldout"}
    for document in documents:
        assert all(document.text[s:e] == document.text[s:e].strip() for s, e, _ in document.spans)
