from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nerkit.entities import Entity, merge
from nerkit.errors import NerkitError
from nerkit.ner import NER


@pytest.fixture
def ner(toy_ner):
    return toy_ner


def test_extract_finds_entities_with_readable_labels_and_exact_offsets(ner):
    text = "Alice visited Paris on Monday."
    entities = ner.extract(text, labels=["PERSON", "LOCATION", "DATE_TIME"])
    assert [(e.text, e.label, e.start, e.end, e.source) for e in entities] == [
        ("Alice", "PERSON", 0, 5, "model"),
        ("Paris", "LOCATION", 14, 19, "model"),
        ("Monday", "DATE_TIME", 23, 29, "model"),
    ]
    assert all(0.0 < entity.score <= 1.0 for entity in entities)


def test_pattern_entities_come_with_the_model_ones(ner):
    text = "Bob works at Acme in London. Mail bob@acme.com or call +1 415-555-2671."
    found = {(e.text, e.label, e.source) for e in ner.extract(text)}
    assert ("bob@acme.com", "EMAIL", "pattern") in found
    assert ("+1 415-555-2671", "PHONE_NUMBER", "pattern") in found
    assert ("Acme", "ORGANIZATION", "model") in found


def test_label_names_can_be_overridden_at_load(ner, tmp_path):
    renamed = NER(ner.tagger, label_names={"geo": "PLACE"})
    assert [e.label for e in renamed.extract("Alice visited Paris on Monday.") if e.text == "Paris"] == [
        "PLACE"
    ]


def test_labels_filter_keeps_only_the_asked_labels(ner):
    assert [e.label for e in ner.extract("Alice visited Paris on Monday.", labels=["LOCATION"])] == [
        "LOCATION"
    ]


def test_extract_batch_matches_extract_one_by_one(ner):
    texts = [
        "Alice visited Paris on Monday.",
        "",
        "Carol met Bob in Berlin.",
        "Globex said the Acme deal left.",
    ]
    assert ner.extract_batch(texts) == [ner.extract(text) for text in texts]


def test_extract_batch_refuses_a_single_string(ner):
    with pytest.raises(NerkitError, match="list of texts"):
        ner.extract_batch("Alice visited Paris")


def test_sentences_longer_than_the_model_are_tagged_in_windows(ner):
    text = " ".join(["Alice visited Paris on Monday"] * 40)
    entities = ner.extract(text, labels=["PERSON"])
    assert len(ner.segmenter.sentences(text).__next__()) == 200  # one sentence, far over 32 subwords
    assert len(entities) >= 36  # window edges cost the tiny model a little context
    assert entities[-1].start == text.rindex("Alice")
    assert all(text[e.start : e.end] == "Alice" for e in entities)


def test_a_long_document_is_processed_in_bounded_pieces(ner):
    text = "Alice visited Paris on Monday.\n\n" * 3000
    entities = ner.extract(text, labels=["PERSON"])
    assert len(entities) == 3000


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_unicode_text_gives_exact_sorted_non_overlapping_offsets(ner, text):
    entities = ner.extract(text)
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text
    assert all(a.end <= b.start for a, b in pairwise(entities))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "👩‍👩‍👧 🎉",
        "東京で会いましょう",
        "e\u0301\u0301\u0301",
        "\x00\x01\x1b[31m",
        "\u200b\u200d",
    ],
)
def test_awkward_text_never_raises(ner, text):
    for entity in ner.extract(text):
        assert text[entity.start : entity.end] == entity.text


def test_structured_pattern_wins_over_an_overlapping_model_entity():
    model = [Entity(0, 10, "ORGANIZATION", "a" * 10, 0.99)]
    pattern = [(Entity(5, 15, "EMAIL", "b" * 10, 1.0, "pattern"), True)]
    assert merge(model, pattern) == [pattern[0][0]]


def test_longer_span_wins_between_model_and_unstructured_pattern():
    model = [Entity(0, 12, "DATE_TIME", "x" * 12, 0.6)]
    pattern = [(Entity(0, 6, "DATE_TIME", "x" * 6, 1.0, "pattern"), False)]
    assert merge(model, pattern) == model


def test_merge_keeps_disjoint_entities_sorted():
    a, b, c = Entity(20, 25, "A", "aaaaa"), Entity(0, 3, "B", "bbb"), Entity(10, 12, "C", "cc")
    assert merge([a, b], [(c, True)]) == [b, c, a]


def test_redact_with_labels_and_a_replacement_map(ner):
    text = "Alice visited Paris on Monday."
    redaction = ner.redact(text, labels=["PERSON", "LOCATION"])
    assert redaction == "[PERSON] visited [LOCATION] on Monday."
    assert redaction.text == str(redaction)
    first = redaction.replacements[0]
    assert (first["start"], first["end"]) == (0, 5)
    assert redaction.text[first["redacted_start"] : first["redacted_end"]] == "[PERSON]"
    second = redaction.replacements[1]
    assert redaction.text[second["redacted_start"] : second["redacted_end"]] == "[LOCATION]"


def test_mask_redaction_keeps_every_offset(ner):
    text = "Alice visited Paris on Monday."
    redacted = ner.redact(text, labels=["PERSON"], style="mask").text
    assert redacted == "***** visited Paris on Monday."


def test_hash_redaction_is_stable_for_the_same_entity_under_one_key(ner, monkeypatch):
    monkeypatch.setenv("NERKIT_KEY", "a secret")
    first = ner.redact("Alice visited Paris.", labels=["PERSON"], style="hash").text
    second = ner.redact("Then Alice left.", labels=["PERSON"], style="hash").text
    token = first.split()[0]
    assert token.startswith("[PERSON:") and token in second


def test_unknown_redaction_style_is_an_error(ner):
    with pytest.raises(NerkitError, match="unknown redaction style"):
        ner.redact("x", style="shred")


@pytest.fixture
def seen_contexts(ner, monkeypatch):
    """The contexts the tagger is asked to read, recorded on their way to the real predict."""
    seen: list = []
    predict = ner.tagger.predict

    def spy(sentences, *args, contexts=None, **kwargs):
        seen.append(contexts)
        return predict(sentences, *args, contexts=contexts, **kwargs)

    monkeypatch.setattr(ner.tagger, "predict", spy)
    return seen


def test_neighbouring_sentences_of_the_same_text_are_passed_as_context(ner, seen_contexts):
    ner.extract_batch(["Alice met Bob. Carol left.", "Paris."])
    assert seen_contexts == [
        [
            ([], ["Carol", "left", "."]),
            (["Alice", "met", "Bob", "."], []),
            ([], []),
        ]
    ]


def test_evaluation_reads_each_gold_sentence_with_its_neighbours(ner, seen_contexts):
    from nerkit.corpus import Sentence

    ner.evaluate([Sentence(("alice",), ("B-per",), before=("bob", "met"), after=("today",))])
    assert seen_contexts == [[(("bob", "met"), ("today",))]]


def test_a_header_date_is_one_date_time_with_its_weekday_and_zone(toy_ner):
    text = "Date: Mon, 14 Apr 2025 08:15:30 +0200\nSubject: hello"
    dates = [entity.text for entity in toy_ner.extract(text) if entity.label == "DATE_TIME"]
    assert dates == ["Mon, 14 Apr 2025 08:15:30 +0200"]


_DATED_MAIL = "Date: Tue, 18 Nov 2025 10:02:11 +0100\nSubject: invoice\n\nPlease pay by 30 November."


def test_a_yearless_date_counts_from_the_message_s_own_date_header(toy_ner):
    dates = {entity.text: entity.value for entity in toy_ner.extract(_DATED_MAIL, labels=["DATE_TIME"])}
    assert dates["30 November"] == {"value": "2025-11-30T00:00:00+01:00", "grain": "day"}


def test_a_weekday_counts_from_a_date_header_written_without_a_zone(toy_ner):
    text = "Date: 30 November 2026\nSubject: visit\n\nCan we meet on Tuesday at 10:00?"
    dates = {entity.text: entity.value for entity in toy_ner.extract(text, labels=["DATE_TIME"])}
    assert dates["Tuesday at 10:00"]["value"].startswith("2026-12-01T10:00:00")


def test_a_reference_time_given_outweighs_the_date_header(toy_ner):
    from datetime import UTC, datetime

    from nerkit.ner import ExtractOptions

    options = ExtractOptions(labels=("DATE_TIME",), reference_time=datetime(2027, 1, 5, tzinfo=UTC))
    dates = {entity.text: entity.value for entity in toy_ner.extract(_DATED_MAIL, options=options)}
    assert dates["30 November"] == {"value": "2027-11-30T00:00:00+00:00", "grain": "day"}


def test_no_entity_crosses_a_line_of_a_signature_or_a_field_name(toy_ner):
    text = "Best regards,\nMichael O'Brien\nSiemens AG, Munich\nInvoice date: 3 March 2025"
    for entity in toy_ner.extract(text):
        assert "\n" not in entity.text and "Invoice" not in entity.text


def test_evaluate_text_scores_the_extraction_pipeline_by_character_spans(toy_ner):
    text = "Mail alice@acme.com\nor call +1 415-555-2671"
    gold = [[(5, 19, "EMAIL"), (28, 43, "PHONE_NUMBER")]]
    evaluation = toy_ner.evaluate_text([text], gold)
    assert evaluation.exact.per_type["EMAIL"].f1 == 1.0
    assert evaluation.exact.per_type["PHONE_NUMBER"].recall == 1.0
    assert evaluation.partial.micro.recall == 1.0


def test_a_field_value_is_typed_in_extraction(toy_ner):
    text = "Employee: Alice\nLanguages: Alice"
    found = [(entity.text, entity.label, entity.start) for entity in toy_ner.extract(text)]
    assert ("Alice", "PERSON", 10) in found and all(start != 27 for _, _, start in found)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("2013        MSc Mathematics", "2013"),
        ("2015 - 2019    Data Analyst", "2015 - 2019"),
        ("2019 - present   Lead", "2019"),
    ],
)
def test_a_cell_of_years_is_a_date(toy_ner, row, expected):
    from nerkit.ner import ExtractOptions

    first = toy_ner.extract(row, options=ExtractOptions(explain=True))[0]
    assert (first.text, first.label, first.explanation["check"]) == (expected, "DATE_TIME", "year cell")


def test_warm_up_loads_the_place_tables_a_first_text_would(toy_ner):
    from nerkit import places

    places._country_names()  # read by an earlier text; the tables below were not
    tables = (places._table, places._cities, places._city_names)
    for table in tables:
        table.cache_clear()
    toy_ner.warm_up()
    assert [table.cache_info().currsize for table in tables] == [1, 1, 1]
