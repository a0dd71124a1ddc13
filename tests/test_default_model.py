"""The model nerkit ships: used whenever no model is named, from Python and from every command."""

import json

import pytest
from typer.testing import CliRunner

import nerkit
from nerkit.cli import app
from nerkit.modeldir import DEFAULT_MODEL

TEXT = "David Chen from the Red Cross will be in Nairobi on Tuesday. Mail maria@example.org."


@pytest.fixture(scope="module")
def ner():
    return nerkit.load()


def test_it_is_compact_enough_to_ship():
    size = sum(file.stat().st_size for file in DEFAULT_MODEL.iterdir())
    assert size <= 30_000_000


def test_load_with_no_argument_uses_the_int8_onnx_model(ner):
    assert ner.tagger.backend == "onnx-int8"
    assert "per" in {label[2:] for label in ner.labels if label != "O"}


def test_it_finds_people_places_times_and_emails(ner):
    found = {(entity.text, entity.label) for entity in ner.extract(TEXT)}
    assert {("David Chen", "PERSON"), ("Nairobi", "LOCATION"), ("Tuesday", "DATE_TIME")} <= found
    assert ("maria@example.org", "EMAIL") in found


def test_extract_command_without_model_uses_it():
    result = CliRunner().invoke(app, ["extract", TEXT, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    labels = {entity["label"] for entity in json.loads(result.stdout)["entities"]}
    assert {"PERSON", "LOCATION", "EMAIL"} <= labels
