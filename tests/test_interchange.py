"""Annotation-tool formats in and out (nerkit.corpus.interchange): every format round-trips, offsets are
checked on the way in, overlaps are refused or resolved, nothing is dropped without being counted."""

import json

import pytest

from nerkit.corpus import read_file, write_file
from nerkit.corpus.types import Sentence
from nerkit.errors import NerkitError

SENTENCES = [
    Sentence(("Alice", "visited", "New", "York", "."), ("B-PER", "O", "B-LOC", "I-LOC", "O")),
    Sentence(("Bob", "works", "at", "Acme", "Corp", "."), ("B-PER", "O", "O", "B-ORG", "I-ORG", "O")),
]


@pytest.mark.parametrize(
    ("format", "name"),
    [
        ("doccano", "out.jsonl"),
        ("prodigy", "out.jsonl"),
        ("labelstudio", "out.json"),
        ("brat", "out"),
        ("spacy", "out.spacy"),
    ],
)
def test_every_format_gives_back_the_same_spans(tmp_path, format, name):
    write_file(SENTENCES, tmp_path / name, format)
    read = read_file(tmp_path / name)
    assert [(s.words, s.tags) for s in read.sentences] == [(s.words, s.tags) for s in SENTENCES]


def test_a_json_list_is_read_as_a_label_studio_export(tmp_path):
    write_file(SENTENCES, tmp_path / "tasks.json", "labelstudio")
    assert json.loads((tmp_path / "tasks.json").read_text())[0]["annotations"][0]["result"][0]["value"] == {
        "start": 0,
        "end": 5,
        "text": "Alice",
        "labels": ["PER"],
    }
    assert len(read_file(tmp_path / "tasks.json").sentences) == 2


def test_a_label_studio_region_whose_text_differs_from_its_offsets_is_refused(tmp_path):
    task = {"id": 7, "data": {"text": "Alice met Bob"}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 0, "end": 5, "text": "Alicia", "labels": ["PER"]}}
    ]}]}  # fmt: skip
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([task]))
    with pytest.raises(NerkitError, match=r"record 7.*'Alice'.*'Alicia'") as refused:
        read_file(path)
    assert refused.value.path == str(path)


def test_discontinuous_brat_spans_are_counted_not_merged(tmp_path):
    (tmp_path / "a.txt").write_text("Alice and Bob Smith met.")
    (tmp_path / "a.ann").write_text("T1\tPER 0 5\tAlice\nT2\tPER 0 5;14 19\tAlice Smith\n")
    read = read_file(tmp_path / "a.ann")
    assert read.sentences[0].spans == [(0, 1, "PER")]
    assert read.repairs["discontinuous spans skipped"] == 1


def test_overlapping_spans_are_refused_unless_the_longest_is_kept(tmp_path):
    path = tmp_path / "overlap.json"
    regions = [
        {"type": "labels", "value": {"start": 0, "end": 8, "text": "New York", "labels": ["LOC"]}},
        {"type": "labels", "value": {"start": 4, "end": 8, "text": "York", "labels": ["LOC"]}},
    ]
    path.write_text(json.dumps([{"data": {"text": "New York is big"}, "annotations": [{"result": regions}]}]))
    with pytest.raises(NerkitError, match="overlaps"):
        read_file(path)
    read = read_file(path, overlaps="longest")
    assert read.sentences[0].spans == [(0, 2, "LOC")]
    assert read.repairs["overlapping spans dropped (longest kept)"] == 1


def test_doccano_and_prodigy_records_are_training_input_as_they_are(tmp_path):
    (tmp_path / "doccano.jsonl").write_text(
        '{"text": "Alice met Bob", "label": [[0, 5, "PER"], [10, 13, "PER"]]}\n'
    )
    (tmp_path / "prodigy.jsonl").write_text(
        '{"text": "Alice met Bob", "spans": [{"start": 0, "end": 5, "label": "PER"}]}\n'
    )
    assert read_file(tmp_path / "doccano.jsonl").sentences[0].tags == ("B-PER", "O", "B-PER")
    assert read_file(tmp_path / "prodigy.jsonl").sentences[0].tags == ("B-PER", "O", "O")


def test_a_prodigy_record_with_its_own_tokens_is_read_by_its_spans(tmp_path):
    record = {
        "text": "Alice met Bob",
        "tokens": [
            {"text": "Alice", "start": 0, "end": 5, "id": 0},
            {"text": "met", "start": 6, "end": 9, "id": 1},
        ],
        "spans": [{"start": 10, "end": 13, "label": "PER", "token_start": 2, "token_end": 2}],
    }
    (tmp_path / "prodigy.jsonl").write_text(json.dumps(record) + "\n")
    assert read_file(tmp_path / "prodigy.jsonl").sentences[0].tags == ("O", "O", "B-PER")


def test_a_doccano_record_may_call_its_spans_labels(tmp_path):
    (tmp_path / "doccano.jsonl").write_text('{"text": "Alice met Bob", "labels": [[0, 5, "PER"]]}\n')
    assert read_file(tmp_path / "doccano.jsonl").sentences[0].tags == ("B-PER", "O", "O")


def test_overlapping_spans_in_jsonl_follow_the_same_choice(tmp_path):
    path = tmp_path / "doccano.jsonl"
    path.write_text('{"text": "New York is big", "label": [[0, 8, "LOC"], [4, 8, "LOC"]]}\n')
    with pytest.raises(NerkitError, match="overlaps"):
        read_file(path)
    read = read_file(path, overlaps="longest")
    assert read.sentences[0].tags == ("B-LOC", "I-LOC", "O", "O")
    assert read.repairs["overlapping spans dropped (longest kept)"] == 1
