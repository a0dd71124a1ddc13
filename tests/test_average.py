"""Averaging models (`nerkit average`): the mean of the weights, its provenance, and what is refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from conftest import FAST, make_toy_corpus
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.corpus import Corpus
from nerkit.errors import NerkitError
from nerkit.model import Tagger
from nerkit.train import TrainConfig, train
from nerkit.train.average import Ingredient, average


def _train(base: str, out: Path, seed: int, corpus: Corpus | None = None) -> Path:
    config = TrainConfig(base=base, seed=seed, **{**FAST, "epochs": 2})
    train(corpus or make_toy_corpus(), out, config, progress=False)
    return out


@pytest.fixture(scope="module")
def two_models(tiny_base: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ingredients")
    return _train(tiny_base, folder / "a", seed=1), _train(tiny_base, folder / "b", seed=2)


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return Tagger.load(path, backend="torch").network().state_dict()


def test_each_weight_is_the_weighted_mean_of_the_ingredients(two_models, tmp_path):
    a, b = two_models
    out = average([Ingredient(a, 3.0), Ingredient(b, 1.0)], tmp_path / "mean")
    mean, first, second = _weights(out), _weights(a), _weights(b)
    for name in ("transitions.scores", "encoder.shape_embeddings.weight", "encoder.model.classifier.weight"):
        assert torch.allclose(mean[name], 0.75 * first[name] + 0.25 * second[name], atol=1e-6), name


def test_the_ingredients_differ_so_the_mean_is_new(two_models):
    a, b = two_models
    assert not torch.equal(
        _weights(a)["encoder.model.classifier.weight"], _weights(b)["encoder.model.classifier.weight"]
    )


def test_averaging_a_model_with_itself_keeps_its_predictions(two_models, tmp_path):
    a, _ = two_models
    out = average([Ingredient(a), Ingredient(a)], tmp_path / "same")
    words = [["Alice", "visited", "Paris", "on", "Monday", "."]]
    assert Tagger.load(out).predict(words) == Tagger.load(a).predict(words)


def test_the_mean_records_its_ingredients_and_no_metrics(two_models, tmp_path):
    a, b = two_models
    metadata = Tagger.load(average([Ingredient(a), Ingredient(b, 2.0)], tmp_path / "mean")).metadata
    assert [(row["model"], row["weight"]) for row in metadata["averaged"]] == [(str(a), 1.0), (str(b), 2.0)]
    assert metadata["averaged"][0]["metrics"] == Tagger.load(a).metadata["metrics"]
    assert "metrics" not in metadata
    assert metadata["data"]["corpus"] == "average of 2 models"


def test_one_model_is_refused(two_models, tmp_path):
    with pytest.raises(NerkitError, match=r"E084.*two models or more"):
        average([Ingredient(two_models[0])], tmp_path / "one")


def test_models_with_other_labels_are_refused(two_models, tiny_base, tmp_path):
    toy = make_toy_corpus()
    no_dates = Corpus(
        "toy",
        {
            split: tuple(
                replace(s, tags=tuple("O" if t.endswith("tim") else t for t in s.tags)) for s in rows
            )
            for split, rows in toy.splits.items()
        },
    )
    other = _train(tiny_base, tmp_path / "other", seed=1, corpus=no_dates)
    with pytest.raises(NerkitError, match=r"E084.*differ in labels"):
        average([Ingredient(two_models[0]), Ingredient(other)], tmp_path / "mean")


@pytest.mark.parametrize("text", ["models/a=0", "models/a=-1", "models/a=heavy"])
def test_a_weight_that_is_not_positive_is_refused(text):
    with pytest.raises(NerkitError, match="E084"):
        Ingredient.parse(text)


def test_a_weight_follows_the_last_equals_sign():
    assert Ingredient.parse("runs/lr=5e-5=2") == Ingredient(Path("runs/lr=5e-5"), 2.0)


def test_the_command_writes_the_mean(two_models, tmp_path):
    a, b = two_models
    result = CliRunner().invoke(app, ["average", str(a), f"{b}=2", "--out", str(tmp_path / "mean")])
    assert result.exit_code == 0, result.output
    assert [row["weight"] for row in Tagger.load(tmp_path / "mean").metadata["averaged"]] == [1.0, 2.0]
