import pytest

from nerkit.corpus import Sentence
from nerkit.evaluate import differences, report_table, score


def test_perfect_prediction_scores_one():
    gold = [["B-per", "I-per", "O", "B-geo"]]
    report = score(gold, gold)
    assert report.micro.f1 == 1.0
    assert report.per_type["per"].support == 1


def test_a_wrong_edge_costs_the_whole_entity():
    report = score([["B-per", "I-per", "O"]], [["B-per", "O", "O"]])
    assert report.micro.precision == 0.0
    assert report.micro.recall == 0.0


def test_strict_mode_does_not_count_an_entity_started_by_i():
    report = score([["B-per", "O"]], [["I-per", "O"]])
    assert report.micro.f1 == 0.0


def test_micro_and_macro_differ_when_types_are_unbalanced():
    gold = [["B-geo", "B-geo", "B-geo", "B-per"]]
    predicted = [["B-geo", "B-geo", "B-geo", "O"]]
    report = score(gold, predicted)
    assert report.micro.f1 == pytest.approx(0.8571, abs=1e-4)
    assert report.macro_f1 == pytest.approx(0.5)
    assert report.per_type["per"].f1 == 0.0


def test_no_entities_anywhere_scores_zero_without_warnings():
    report = score([["O", "O"]], [["O", "O"]])
    assert report.micro.f1 == 0.0
    assert report.per_type == {}


def test_report_dict_has_the_documented_shape():
    data = score([["B-per"]], [["B-per"]]).to_dict()
    assert data["micro"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert data["per_type"]["per"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert data["macro_f1"] == 1.0


def test_differences_lists_only_sentences_with_wrong_spans():
    sentences = [Sentence(("Ann", "ran"), ("B-per", "O"), 1, 3), Sentence(("Bo",), ("B-per",), 2, 5)]
    rows = list(differences(sentences, [["B-per", "O"], ["B-geo"]]))
    assert len(rows) == 1
    assert rows[0]["line"] == 5
    assert rows[0]["missed"] == [{"start": 0, "end": 1, "type": "per", "text": "Bo"}]
    assert rows[0]["spurious"] == [{"start": 0, "end": 1, "type": "geo", "text": "Bo"}]


def test_report_table_has_a_row_per_type_plus_micro_and_macro():
    table = report_table(score([["B-per", "B-geo"]], [["B-per", "O"]]))
    assert table.row_count == 4


def test_span_report_counts_only_exact_edges_and_labels():
    from nerkit.evaluate import span_report

    gold = [[(0, 5, "PERSON"), (10, 16, "LOCATION")]]
    found = [[(0, 5, "PERSON"), (10, 15, "LOCATION"), (20, 25, "DATE_TIME")]]
    report = span_report(gold, found)
    assert (report.micro.precision, report.micro.recall) == (round(1 / 3, 4), 0.5)
    assert report.per_type["PERSON"].f1 == 1.0 and report.per_type["LOCATION"].f1 == 0.0


def test_span_report_partial_accepts_an_overlap_of_the_same_label_once():
    from nerkit.evaluate import span_report

    gold = [[(10, 16, "LOCATION")]]
    found = [[(10, 15, "LOCATION"), (12, 16, "LOCATION"), (10, 16, "PERSON")]]
    report = span_report(gold, found, partial=True)
    assert report.per_type["LOCATION"].recall == 1.0 and report.per_type["LOCATION"].precision == 0.5


def test_span_report_restricted_to_labels_ignores_the_others():
    from nerkit.evaluate import span_report

    report = span_report([[(0, 3, "EMAIL")]], [[(0, 3, "EMAIL"), (5, 9, "PERSON")]], labels=["EMAIL"])
    assert report.micro.f1 == 1.0 and list(report.per_type) == ["EMAIL"]
