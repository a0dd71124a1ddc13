"""Calibrated scores (nerkit.calibration): the error measure, the temperature's effect, and the command
that stores it."""

import json

import numpy as np
import pytest

from nerkit.calibration import decode, expected_calibration_error, fit
from nerkit.decode import Decoder


def test_scores_that_match_the_share_right_have_no_calibration_error():
    assert expected_calibration_error([0.75] * 4, [True, True, True, False]) == 0.0


def test_over_confident_scores_have_the_gap_as_their_error():
    assert expected_calibration_error([0.95] * 10, [True] * 5 + [False] * 5) == 0.45


def test_a_temperature_changes_the_scores_but_not_the_tags():
    labels = ["O", "B-per", "I-per"]
    probabilities = np.array([[0.2, 0.7, 0.1], [0.3, 0.1, 0.6], [0.8, 0.1, 0.1]])
    plain, warm = Decoder(labels)(probabilities), Decoder(labels, temperature=2.0)(probabilities)
    assert plain.tags == warm.tags
    assert all(hot < cold for hot, cold in zip(warm.scores, plain.scores, strict=True))


def test_the_temperature_travels_with_the_model_metadata():
    decoder = Decoder.from_metadata(["O", "B-per", "I-per"], {"temperature": 1.7})
    assert decoder.temperature == 1.7 and decoder.to_metadata() == {"temperature": 1.7}


def test_fitting_never_makes_the_error_worse(toy_ner):
    from conftest import make_sentences

    found = fit(toy_ner.tagger.decoder, decode(toy_ner.tagger, make_sentences()[:40]))
    assert found.ece_after <= found.ece_before
    assert toy_ner.tagger.decoder.temperature == 1.0


def test_calibrate_stores_the_temperature_and_min_score_drops_what_scores_below(toy_ner, tmp_path):
    from conftest import make_sentences
    from typer.testing import CliRunner

    from nerkit.cli import app
    from nerkit.corpus.writers import write_conll
    from nerkit.ner import NER, ExtractOptions

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    data = tmp_path / "data"
    data.mkdir()
    for name in ("train", "dev", "test"):
        with (data / f"{name}.txt").open("w") as handle:
            write_conll(make_sentences()[:30], handle)
    result = CliRunner().invoke(app, ["calibrate", str(model), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "temperature" in json.loads((model / "nerkit.json").read_text())
    ner = NER.load(model)
    text = "Alice visited Paris on Monday."
    everything = ner.extract(text)
    kept = ner.extract(text, options=ExtractOptions(min_score=0.99))
    assert kept == [entity for entity in everything if entity.score >= 0.99]


@pytest.mark.parametrize("score", [-0.1, 1.5])
def test_a_min_score_outside_zero_to_one_is_refused_by_the_cli(toy_ner, tmp_path, score):
    from typer.testing import CliRunner

    from nerkit.cli import app

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    result = CliRunner().invoke(app, ["extract", "x", "--model", str(model), "--min-score", str(score)])
    assert result.exit_code == 2


def _scored(*rows):
    from nerkit.calibration import Scored

    return [Scored(label, score, right) for label, score, right in rows]


def test_a_threshold_trades_recall_for_precision_per_label():
    from collections import Counter

    from nerkit.calibration import tradeoff

    found = _scored(("ORG", 0.9, True), ("ORG", 0.4, False), ("ORG", 0.3, False), ("PERSON", 0.8, True))
    curves = tradeoff(found, Counter({"ORG": 2, "PERSON": 1}))
    at = {point.threshold: point for point in curves["ORG"]}
    assert (at[0.0].precision, at[0.0].recall, at[0.0].kept) == (0.3333, 0.5, 3)
    assert (at[0.5].precision, at[0.5].recall, at[0.5].kept) == (1.0, 0.5, 1)
    assert at[0.95].kept == 0 and at[0.95].f1 == 0.0


def test_the_best_threshold_is_the_lowest_with_the_best_f1_and_keep_all_is_not_stored():
    from collections import Counter

    from nerkit.calibration import best_thresholds, tradeoff

    found = _scored(("ORG", 0.9, True), ("ORG", 0.4, False), ("PERSON", 0.8, True), ("PERSON", 0.2, True))
    thresholds = best_thresholds(tradeoff(found, Counter({"ORG": 1, "PERSON": 2})))
    assert thresholds == {"ORG": 0.45}


def test_a_gold_label_the_model_never_predicts_has_a_curve_of_zeros():
    from collections import Counter

    from nerkit.calibration import tradeoff

    curves = tradeoff([], Counter({"MONEY": 3}))
    assert all(point.recall == 0.0 and point.kept == 0 for point in curves["MONEY"])


def test_document_scoring_counts_exact_spans_and_leaves_pattern_matches_at_full_score():
    from nerkit.calibration import scored_documents
    from nerkit.entities import Entity

    entities = [
        Entity(0, 5, "PERSON", "Alice", 0.6),
        Entity(10, 20, "EMAIL", "a@acme.com", 0.5, "pattern"),
        Entity(25, 30, "ORGANIZATION", "Acme.", 0.7),
    ]
    gold = [(0, 5, "PERSON"), (10, 20, "EMAIL"), (25, 29, "ORGANIZATION")]
    found, counts = scored_documents([(entities, gold)])
    assert [(s.label, s.score, s.right) for s in found] == [
        ("PERSON", 0.6, True),
        ("EMAIL", 1.0, True),
        ("ORGANIZATION", 0.7, False),
    ]
    assert counts == {"PERSON": 1, "EMAIL": 1, "ORGANIZATION": 1}


def _toy_model_with_thresholds(toy_ner, tmp_path, thresholds):
    from nerkit.modeldir import set_metadata
    from nerkit.ner import NER

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    set_metadata(model, {"thresholds": thresholds})
    return NER.load(model)


def test_stored_thresholds_drop_the_model_s_entities_below_them_unless_turned_off(toy_ner, tmp_path):
    from nerkit.ner import ExtractOptions

    text = "Alice visited Paris on Monday, write to alice@acme.com."
    everything = toy_ner.extract(text)
    labels = {entity.label for entity in everything if entity.source == "model"}
    assert labels, "the toy model finds nothing to threshold"
    ner = _toy_model_with_thresholds(toy_ner, tmp_path, {label: 1.01 for label in labels})
    kept = ner.extract(text)
    assert kept == [entity for entity in everything if entity.source != "model"]
    assert ner.extract(text, options=ExtractOptions(thresholds=False)) == everything


def test_calibrate_on_documents_stores_per_label_thresholds_and_prints_the_trade_off(toy_ner, tmp_path):
    from typer.testing import CliRunner

    from nerkit.cli import app

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    marked = tmp_path / "dev.txt"
    marked.write_text(
        "### id=a kind=email split=dev\nAlice met Bob in [[Paris|LOCATION]] on [[Monday|DATE_TIME]].\n"
        "### id=b kind=email split=heldout\n[[Carol|PERSON]] is in Rome.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["calibrate", str(model), "--documents", str(marked)])
    assert result.exit_code == 0, result.output
    assert "1 dev documents" in result.output and "LOCATION" in result.output
    stored = json.loads((model / "nerkit.json").read_text())["thresholds"]
    assert isinstance(stored, dict) and all(0 < value < 1 for value in stored.values())


def test_calibrate_without_data_or_documents_says_what_to_pass(toy_ner, tmp_path):
    from typer.testing import CliRunner

    from nerkit.cli import app

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    result = CliRunner().invoke(app, ["calibrate", str(model)])
    assert result.exit_code != 0 and "E087" in result.output
