"""Calibrated scores (nerkit.calibration): the error measure, the temperature's effect, and the command
that stores it."""

import json

import numpy as np
import pytest

from nerkit.calibration import expected_calibration_error, fit_temperature
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

    found = fit_temperature(toy_ner.tagger, make_sentences()[:40])
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
