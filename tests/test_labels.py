import pytest

from nerkit.labels import (
    allowed_transitions,
    detect_scheme,
    label_list,
    parse_tag,
    readable_names,
    spans,
    tags_from_spans,
    to_iob2,
)


def test_parse_tag_splits_prefix_and_type():
    assert parse_tag("B-per") == ("B", "per")
    assert parse_tag("I-geo-loc") == ("I", "geo-loc")
    assert parse_tag("O") == ("O", None)


@pytest.mark.parametrize("tag", ["", "X-per", "B-", "B per", "o", "PER"])
def test_parse_tag_rejects_malformed_tags(tag):
    with pytest.raises(ValueError, match="unknown tag"):
        parse_tag(tag)


def test_detect_scheme_sees_bioes_from_a_single_end_tag():
    assert detect_scheme([["B-per", "E-per", "O"]]) == "BIOES"


def test_detect_scheme_sees_iob1_when_entities_start_with_i():
    assert detect_scheme([["I-per", "I-per", "O", "I-geo"], ["I-per", "B-per"]]) == "IOB1"


def test_detect_scheme_defaults_to_iob2_when_b_starts_entities():
    assert detect_scheme([["B-per", "I-per", "O", "I-geo"]]) == "IOB2"


def test_iob1_converts_without_counting_repairs():
    tags, repairs = to_iob2(["I-per", "I-per", "B-per", "O", "I-geo"], "IOB1")
    assert tags == ["B-per", "I-per", "B-per", "O", "B-geo"]
    assert repairs == []


def test_bioes_converts_to_iob2():
    tags, repairs = to_iob2(["S-per", "B-geo", "I-geo", "E-geo", "O", "U-org", "B-org", "L-org"], "BIOES")
    assert tags == ["B-per", "B-geo", "I-geo", "I-geo", "O", "B-org", "B-org", "I-org"]
    assert repairs == []


def test_iob2_stray_inside_tag_is_repaired_and_reported():
    tags, repairs = to_iob2(["O", "I-per", "I-per", "B-geo", "I-org"])
    assert tags == ["O", "B-per", "I-per", "B-geo", "B-org"]
    assert [(repair.index, repair.kind) for repair in repairs] == [
        (1, "I- that follows nothing"),
        (4, "I- that follows nothing"),
    ]


def test_bioes_end_without_start_is_a_repair():
    tags, repairs = to_iob2(["O", "E-per"], "BIOES")
    assert tags == ["O", "B-per"]
    assert repairs[0].kind == "E- without a start"


def test_spans_are_end_exclusive_and_typed():
    assert spans(["B-per", "I-per", "O", "B-geo", "B-geo", "I-org"]) == [
        (0, 2, "per"),
        (3, 4, "geo"),
        (4, 5, "geo"),
        (5, 6, "org"),
    ]


def test_tags_from_spans_inverts_spans():
    tags = ["B-per", "I-per", "O", "B-geo", "B-geo", "I-geo", "O"]
    assert tags_from_spans(len(tags), spans(tags)) == tags


def test_label_list_is_stable_regardless_of_input_order():
    assert label_list(["per", "geo", "per"]) == ["O", "B-geo", "I-geo", "B-per", "I-per"]


def test_allowed_transitions_forbid_inside_without_its_start():
    labels = ["O", "B-per", "I-per", "B-geo", "I-geo"]
    start, follows = allowed_transitions(labels)
    assert start == [True, True, False, True, False]
    assert follows[0] == [True, True, False, True, False]  # after O
    assert follows[1] == [True, True, True, True, False]  # after B-per
    assert follows[4] == [True, True, False, True, True]  # after I-geo


def test_readable_names_map_corpus_codes_and_keep_unknown_types():
    assert readable_names(["geo", "tim", "PRODUCT"]) == {
        "geo": "LOCATION",
        "tim": "DATE_TIME",
        "PRODUCT": "PRODUCT",
    }


def test_readable_names_can_be_overridden():
    assert readable_names(["geo"], {"geo": "PLACE"}) == {"geo": "PLACE"}
