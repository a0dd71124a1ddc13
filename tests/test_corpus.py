import json

import pytest
from conftest import make_sentences, write

from nerkit.corpus import (
    Sentence,
    content_fingerprint,
    read_corpus,
    read_file,
    reference_split,
    stats,
    write_file,
)
from nerkit.errors import NerkitError

GMB = (
    "Sentence #,Word,POS,Tag\r\n"
    "Sentence: 1,Thousands,NNS,O\r\n"
    ",of,IN,O\r\n"
    ",London,NNP,B-geo\r\n"
    ',",",",",O\r\n'
    "Sentence: 2,None,NN,O\r\n"
    ",NA,NN,O\r\n"
    ",Mr.,NNP,B-per\r\n"
    ",Blair,NNP,I-per\r\n"
)


def test_gmb_forward_fills_sentence_ids_and_keeps_quoted_commas(tmp_path):
    result = read_file(write(tmp_path / "ner.csv", GMB, "latin-1"))
    first, second = result.sentences
    assert first.words == ("Thousands", "of", "London", ",")
    assert first.tags == ("O", "O", "B-geo", "O")
    assert (first.id, second.id) == (1, 2)


def test_gmb_keeps_words_that_pandas_would_read_as_missing(tmp_path):
    result = read_file(write(tmp_path / "ner.csv", GMB, "latin-1"))
    assert result.sentences[1].words == ("None", "NA", "Mr.", "Blair")


def test_gmb_reads_latin1_bytes(tmp_path):
    path = tmp_path / "ner.csv"
    path.write_bytes("Sentence #,Word,POS,Tag\nSentence: 1,Café,NN,O\n".encode("latin-1"))
    assert read_file(path).sentences[0].words == ("Café",)


def test_gmb_row_with_wrong_column_count_names_file_and_line(tmp_path):
    path = write(tmp_path / "ner.csv", "Sentence #,Word,POS,Tag\nSentence: 1,a,DT,O\n,b,O\n")
    with pytest.raises(NerkitError, match=r"ner\.csv:3: row has 3 columns, expected 4") as error:
        read_file(path)
    assert error.value.line == 3


def test_gmb_first_row_without_sentence_id_is_an_error(tmp_path):
    path = write(tmp_path / "ner.csv", "Sentence #,Word,POS,Tag\n,a,DT,O\n")
    with pytest.raises(NerkitError, match="first row has no sentence id"):
        read_file(path)


def test_gmb_wrong_header_is_an_error(tmp_path):
    path = write(tmp_path / "ner.csv", "id,word,tag\n1,a,O\n")
    with pytest.raises(NerkitError, match=r":1: header is"):
        read_file(path)


def test_unknown_tag_names_its_line(tmp_path):
    path = write(tmp_path / "ner.csv", "Sentence #,Word,POS,Tag\nSentence: 1,a,DT,O\n,b,NN,PERSON\n")
    with pytest.raises(NerkitError, match=r"ner\.csv:3: unknown tag 'PERSON'"):
        read_file(path)


STRAY_INSIDE = "Sentence #,Word,POS,Tag\nSentence: 1,a,DT,O\n,Bob,NNP,I-per\nSentence: 2,Rome,NNP,B-geo\n"


def test_stray_inside_tag_is_repaired_and_counted_by_default(tmp_path):
    path = write(tmp_path / "ner.csv", STRAY_INSIDE)
    result = read_file(path)
    assert result.sentences[0].tags == ("O", "B-per")
    assert result.repairs == {"I- that follows nothing": 1}


def test_strict_mode_refuses_a_stray_inside_tag_with_its_line(tmp_path):
    path = write(tmp_path / "ner.csv", STRAY_INSIDE)
    with pytest.raises(NerkitError, match=r"ner\.csv:3: invalid IOB2 sequence: I- that follows nothing"):
        read_file(path, strict=True)


CONLL = """-DOCSTART- -X- O O

# sent_id = 1
EU NNP B-NP I-ORG
rejects VBZ B-VP O
German JJ B-NP I-MISC
call NN I-NP O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER
# NN O O
"""


def test_conll_skips_docstart_and_comments_and_takes_the_last_column(tmp_path):
    result = read_file(write(tmp_path / "train.txt", CONLL))
    assert [sentence.words for sentence in result.sentences] == [
        ("EU", "rejects", "German", "call"),
        ("Peter", "Blackburn", "#"),
    ]


def test_conll_iob1_is_normalised_to_iob2_without_repairs(tmp_path):
    result = read_file(write(tmp_path / "train.txt", CONLL))
    assert result.sentences[0].tags == ("B-ORG", "O", "B-MISC", "O")
    assert result.sentences[1].tags == ("B-PER", "I-PER", "O")
    assert result.repairs == {}


def test_conll_sentence_numbers_and_lines_follow_the_file(tmp_path):
    result = read_file(write(tmp_path / "train.txt", CONLL))
    assert [(sentence.id, sentence.line) for sentence in result.sentences] == [(1, 4), (2, 9)]


def test_conll_inconsistent_column_count_is_an_error(tmp_path):
    path = write(tmp_path / "train.txt", "a DT O\nb NN\n")
    with pytest.raises(NerkitError, match=r"train\.txt:2: line has 2 columns, expected 3"):
        read_file(path)


def test_conll_single_column_is_an_error(tmp_path):
    path = write(tmp_path / "train.txt", "a O\nb\n")
    with pytest.raises(NerkitError, match=r"train\.txt:2: line has 1 column"):
        read_file(path)


def test_undecodable_bytes_name_their_line(tmp_path):
    path = tmp_path / "train.txt"
    path.write_bytes(b"a O\nb\xff\xfe O\n")
    with pytest.raises(NerkitError, match=r"train\.txt:2: bytes at column 2 are not valid UTF-8"):
        read_file(path)


def test_empty_conll_file_is_an_error(tmp_path):
    with pytest.raises(NerkitError, match="no sentences found"):
        read_file(write(tmp_path / "train.txt", "\n\n"))


def test_jsonl_tokens_and_tags(tmp_path):
    path = write(tmp_path / "d.jsonl", json.dumps({"tokens": ["Ann", "left"], "tags": ["B-per", "O"]}) + "\n")
    assert read_file(path).sentences[0] == Sentence(("Ann", "left"), ("B-per", "O"), 1, 1)


def test_jsonl_character_spans_become_word_tags(tmp_path):
    record = {"text": "Ann Lee flew to Paris.", "entities": [[0, 7, "per"], [16, 21, "geo"]]}
    sentence = read_file(write(tmp_path / "d.jsonl", json.dumps(record) + "\n")).sentences[0]
    assert sentence.words == ("Ann", "Lee", "flew", "to", "Paris", ".")
    assert sentence.tags == ("B-per", "I-per", "O", "O", "B-geo", "O")


def test_jsonl_annotation_file_keeps_the_last_line_of_each_id_and_forgets_deleted_ids(tmp_path):
    lines = [
        {"id": "a", "text": "Ann left.", "spans": [[0, 3, "per"]]},
        {"id": "b", "text": "Bo came.", "spans": [[0, 2, "per"]]},
        {"id": "a", "text": "Ann left.", "spans": []},
        {"id": "b", "deleted": True},
        {"text": "Cy sat.", "spans": [[0, 2, "per"]]},
    ]
    result = read_file(write(tmp_path / "labelled.jsonl", "".join(json.dumps(x) + "\n" for x in lines)))
    assert [(s.words, s.tags) for s in result.sentences] == [
        (("Ann", "left", "."), ("O", "O", "O")),
        (("Cy", "sat", "."), ("B-per", "O", "O")),
    ]
    assert result.repairs["annotation replaced by a later line of its id"] == 1
    assert result.repairs["annotation forgotten by a later deletion line"] == 1


def test_jsonl_one_id_over_different_texts_keeps_every_text(tmp_path):
    lines = [{"id": "doc-1", "text": "Ann left."}, {"id": "doc-1", "text": "Bo came."}]
    lines = [line | {"entities": []} for line in lines]
    result = read_file(write(tmp_path / "d.jsonl", "".join(json.dumps(x) + "\n" for x in lines)))
    assert [s.words[0] for s in result.sentences] == ["Ann", "Bo"]
    assert not result.repairs


def test_raw_text_records_keep_the_last_line_of_each_annotated_text(tmp_path):
    from nerkit.corpus.readers import read_text_spans

    lines = [
        {"id": "a", "text": "Ann left.", "entities": [[0, 3, "per"]]},
        {"id": "a", "text": "Ann left.", "entities": []},
        {"id": "b", "text": "Bo came.", "entities": []},
        {"id": "b", "deleted": True},
    ]
    records = read_text_spans(write(tmp_path / "d.jsonl", "".join(json.dumps(x) + "\n" for x in lines)))
    assert [(r.text, r.spans) for r in records] == [("Ann left.", ())]


def test_jsonl_span_inside_a_word_splits_the_word(tmp_path):
    record = {"text": "NYC-based", "entities": [{"start": 0, "end": 3, "label": "geo"}]}
    sentence = read_file(write(tmp_path / "d.jsonl", json.dumps(record) + "\n")).sentences[0]
    assert sentence.words == ("NYC", "-based")
    assert sentence.tags == ("B-geo", "O")


def test_jsonl_span_past_the_end_of_its_text_is_an_error(tmp_path):
    lines = [
        json.dumps({"tokens": ["a"], "tags": ["O"]}),
        json.dumps({"text": "Ann", "entities": [[0, 9, "per"]]}),
    ]
    path = write(tmp_path / "d.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(
        NerkitError, match=r"d\.jsonl:2: span \[0, 9, 'per'\] is outside its text of 3 characters"
    ):
        read_file(path)


def test_jsonl_overlapping_spans_are_an_error(tmp_path):
    path = write(
        tmp_path / "d.jsonl", json.dumps({"text": "Ann Lee", "entities": [[0, 7, "per"], [4, 7, "per"]]})
    )
    with pytest.raises(NerkitError, match="overlaps"):
        read_file(path)


def test_jsonl_invalid_json_names_its_line(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"tokens": ["a"], "tags": ["O"]}\n{"tokens": [\n')
    with pytest.raises(NerkitError, match=r"d\.jsonl:2: not valid JSON"):
        read_file(path)


def test_jsonl_length_mismatch_is_an_error(tmp_path):
    path = write(tmp_path / "d.jsonl", json.dumps({"tokens": ["a", "b"], "tags": ["O"]}))
    with pytest.raises(NerkitError, match="2 tokens but 1 tags"):
        read_file(path)


def test_reference_split_uses_sentence_numbers():
    sentences = [Sentence(("w",), ("O",), id=number) for number in range(1, 21)]
    parts = reference_split(sentences)
    assert [s.id for s in parts["test"]] == [10, 20]
    assert [s.id for s in parts["validation"]] == [9, 19]
    assert len(parts["train"]) == 16


def test_stats_counts_entities_and_length_percentiles():
    summary = stats(make_sentences()[:5])
    assert summary["sentences"] == 5
    assert summary["tokens"] == 32
    assert summary["entities"] == {"per": 5, "org": 4, "geo": 3, "tim": 2}
    assert summary["length"]["max"] == 7


def test_named_corpus_missing_says_where_to_put_it(tmp_path):
    with pytest.raises(
        NerkitError, match=r"corpus 'gmb' not found: expected .*gmb/ner_dataset\.csv"
    ) as error:
        read_corpus("gmb", data_dir=tmp_path)
    assert "--data-dir" in str(error.value)


def test_named_corpus_resolves_in_the_data_dir(tmp_path):
    (tmp_path / "gmb").mkdir()
    write(tmp_path / "gmb" / "ner_dataset.csv", GMB)
    corpus = read_corpus("gmb", data_dir=tmp_path)
    assert corpus.name == "gmb"
    assert len(corpus.sentences) == 2
    assert corpus.fingerprint.startswith("sha256:")


_BUILT = Sentence(("Rosa", "Kowalczyk", "wrote"), ("B-per", "I-per", "O"), source="gmb")


def test_built_sentences_have_the_same_fingerprint_when_they_are_the_same():
    copy = Sentence(("Rosa", "Kowalczyk", "wrote"), ("B-per", "I-per", "O"), source="gmb")
    assert content_fingerprint({"train": [_BUILT]}) == content_fingerprint({"train": [copy]})


@pytest.mark.parametrize(
    "changed",
    [
        Sentence(("Rosa", "Kowalczyk", "wrote"), ("B-per", "O", "O"), source="gmb"),
        Sentence(("rosa", "kowalczyk", "wrote"), ("B-per", "I-per", "O"), source="gmb"),
        Sentence(("Rosa", "Kowalczyk", "wrote"), ("B-per", "I-per", "O"), source="gmb-lower"),
        Sentence(("Rosa", "Kowalczyk", "wrote"), ("B-per", "I-per", "O"), before=("Hi",), source="gmb"),
    ],
    ids=["tag", "word", "source", "context"],
)
def test_built_sentences_change_their_fingerprint_with_any_word_tag_context_or_source(changed):
    assert content_fingerprint({"train": [_BUILT]}) != content_fingerprint({"train": [changed]})


def test_a_sentence_moved_to_another_split_changes_the_fingerprint():
    assert content_fingerprint({"train": [_BUILT], "test": []}) != content_fingerprint(
        {"train": [], "test": [_BUILT]}
    )


def test_data_dir_comes_from_the_environment(tmp_path, monkeypatch):
    (tmp_path / "gmb").mkdir()
    write(tmp_path / "gmb" / "ner_dataset.csv", GMB)
    monkeypatch.setenv("NERKIT_DATA_DIR", str(tmp_path))
    assert len(read_corpus("gmb").sentences) == 2


def test_explicit_split_files_are_used_as_given(tmp_path):
    train = write(tmp_path / "a.txt", "Ann B-per\n\nBob B-per\n")
    validation = write(tmp_path / "b.txt", "Cy B-per\n")
    corpus = read_corpus(train=train, validation=validation)
    assert (len(corpus["train"]), len(corpus["validation"]), len(corpus["test"])) == (2, 1, 0)


def test_a_corpus_and_split_files_together_are_refused(tmp_path):
    train = write(tmp_path / "a.txt", "Ann B-per\n")
    with pytest.raises(NerkitError, match="both a corpus"):
        read_corpus("gmb", train=train)


def test_directory_with_train_dev_test_files(tmp_path):
    for name in ("train.txt", "dev.txt", "test.txt"):
        write(tmp_path / name, "Ann B-per\n")
    corpus = read_corpus(tmp_path)
    assert sorted(corpus.splits) == ["test", "train", "validation"]


@pytest.mark.parametrize("suffix", ["txt", "jsonl", "csv"])
def test_writers_round_trip(tmp_path, suffix):
    sentences = make_sentences()[:5]
    write_file(sentences, tmp_path / f"out.{suffix}")
    back = read_file(tmp_path / f"out.{suffix}").sentences
    assert [(s.words, s.tags) for s in back] == [(s.words, s.tags) for s in sentences]


@pytest.mark.parametrize("suffix", ["txt", "jsonl", "csv"])
def test_a_word_with_a_no_break_space_round_trips_whole(tmp_path, suffix):
    sentences = [Sentence(("a", "category", "5\u00a0storm"), ("O", "O", "O"))]
    write_file(sentences, tmp_path / f"out.{suffix}")
    assert read_file(tmp_path / f"out.{suffix}").sentences[0].words == ("a", "category", "5\u00a0storm")


@pytest.mark.parametrize("suffix", ["txt", "jsonl", "csv"])
def test_an_unlabelled_word_round_trips_as_unknown(tmp_path, suffix):
    sentences = [Sentence(("British", "troops", "left"), ("?", "O", "O"))]
    write_file(sentences, tmp_path / f"out.{suffix}")
    assert read_file(tmp_path / f"out.{suffix}").sentences[0].tags == ("?", "O", "O")


def test_jsonl_spans_writer_round_trips_through_character_offsets(tmp_path):
    sentences = make_sentences()[:5]
    write_file(sentences, tmp_path / "out.jsonl", "jsonl-spans")
    assert "entities" in (tmp_path / "out.jsonl").read_text().splitlines()[0]
    back = read_file(tmp_path / "out.jsonl").sentences
    assert [(s.words, s.tags) for s in back] == [(s.words, s.tags) for s in sentences]


def test_gmb_writer_refuses_characters_latin1_cannot_hold(tmp_path):
    with pytest.raises(NerkitError, match="cannot be written as latin-1"):
        write_file([Sentence(("東京",), ("B-geo",))], tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


TWO_DOCUMENTS = """-DOCSTART- O

Ann B-PER
left O

Bob B-PER

-DOCSTART- O

Carol B-PER
"""


def test_conll_sentences_see_their_neighbours_within_a_document_only(tmp_path):
    ann, bob, carol = read_file(write(tmp_path / "test.txt", TWO_DOCUMENTS)).sentences
    assert ann.context == ((), ("Bob",))
    assert bob.context == (("Ann", "left"), ())
    assert carol.context == ((), ())


def test_gmb_sentences_see_the_sentences_next_to_them(tmp_path):
    first, second = read_file(write(tmp_path / "ner_dataset.csv", GMB, "latin-1")).sentences
    assert first.after == second.words and second.before == first.words
    assert first.before == () and second.after == ()


def test_jsonl_records_are_documents_of_their_own(tmp_path):
    lines = [json.dumps({"tokens": [word], "tags": ["O"]}) for word in ("one", "two")]
    first, second = read_file(write(tmp_path / "d.jsonl", "\n".join(lines) + "\n")).sentences
    assert first.context == second.context == ((), ())


def test_neighbours_take_no_part_in_sentence_equality():
    assert Sentence(("a",), ("O",), before=("b",)) == Sentence(("a",), ("O",))
