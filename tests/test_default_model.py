"""The model nerkit ships: used whenever no model is named, or the name default is given, from Python and
from every command."""

import json
import os
from pathlib import Path

import pytest
from conftest import make_sentences
from typer.testing import CliRunner

import nerkit
from nerkit.cli import app
from nerkit.corpus import write_file
from nerkit.modeldir import DEFAULT_MODEL

TEXT = "David Chen from the Red Cross will be in Nairobi on Tuesday. Mail maria@example.org."


@pytest.fixture(scope="module")
def ner():
    return nerkit.load()


def test_what_extraction_reads_is_compact_and_the_training_weights_are_half_precision():
    from nerkit.modeldir import HALF_WEIGHTS_FILE

    sizes = {file.name: file.stat().st_size for file in DEFAULT_MODEL.iterdir()}
    assert sum(size for name, size in sizes.items() if name != HALF_WEIGHTS_FILE) <= 30_000_000
    assert sizes[HALF_WEIGHTS_FILE] <= 50_000_000


def test_training_continues_from_the_shipped_model_s_half_precision_weights():
    from nerkit.model import Tagger

    tagger = Tagger.load(DEFAULT_MODEL, backend="torch")
    assert tagger.backend == "torch" and next(tagger.model.parameters()).dtype.is_floating_point
    assert str(next(tagger.model.parameters()).dtype) == "torch.float32"


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


def test_the_name_default_and_no_name_both_resolve_to_the_shipped_directory():
    assert nerkit.model_path("default") == nerkit.model_path(Path("default")) == DEFAULT_MODEL
    assert nerkit.model_path(None) == DEFAULT_MODEL


def test_any_other_name_is_a_model_directory():
    assert nerkit.model_path("models/default") == Path("models/default")


def test_a_directory_named_default_is_reached_by_its_absolute_path(tmp_path):
    assert nerkit.model_path(tmp_path / "default") == tmp_path / "default"


def test_load_by_name_gives_the_shipped_model(ner):
    assert nerkit.load("default").metadata == ner.metadata


def test_the_spacy_component_takes_the_name():
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("nerkit", config={"model": "default"})
    assert ("maria@example.org", "EMAIL") in {(span.text, span.label_) for span in nlp(TEXT).ents}


def test_extract_command_takes_the_name():
    result = CliRunner().invoke(app, ["extract", TEXT, "--model", "default", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    labels = {entity["label"] for entity in json.loads(result.stdout)["entities"]}
    assert {"PERSON", "LOCATION", "EMAIL"} <= labels


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """The toy sentences as a GMB file: 4 validation sentences, each with an organisation."""
    (tmp_path / "gmb").mkdir()
    write_file(make_sentences(), tmp_path / "gmb" / "ner_dataset.csv")
    return tmp_path


def test_evaluate_command_takes_the_name(data_dir):
    arguments = ["evaluate", "gmb", "--model", "default", "--data-dir", str(data_dir), "--json"]
    result = CliRunner().invoke(app, [*arguments, "--split", "validation"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sentences"] == 4


def test_report_command_takes_the_name_and_shows_it(data_dir, tmp_path):
    out = tmp_path / "report"
    arguments = ["report", "default", "--data", "gmb", "--data-dir", str(data_dir), "--out", str(out)]
    result = CliRunner().invoke(app, [*arguments, "--quiet"])
    assert result.exit_code == 0, result.output
    (model,) = json.loads((out / "summary.json").read_text(encoding="utf-8"))["models"]
    assert model["name"] == "default"


@pytest.mark.parametrize(
    "arguments",
    [
        ["calibrate", "default", "--data", "gmb"],
        ["export", "default", "--onnx"],
        ["average", "default", "x", "--out", "unused"],
    ],
    ids=["calibrate", "export", "average"],
)
def test_commands_that_write_or_need_pytorch_weights_refuse_the_shipped_model(arguments):
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: [E085]") and "not the shipped default model" in result.stderr


def test_the_shipped_model_is_refused_by_its_path_too():
    from nerkit.errors import NerkitError
    from nerkit.modeldir import own_model

    with pytest.raises(NerkitError, match="E085"):
        own_model(str(DEFAULT_MODEL), "averaging")


def test_serve_command_hands_the_shipped_directory_to_its_workers(monkeypatch):
    import uvicorn

    for name in ("NERKIT_SERVE_MODEL", "NERKIT_SERVE_LOAD", "NERKIT_SERVE_CONFIG"):
        monkeypatch.setenv(name, "")  # restored after the test: the command sets them for its workers
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    result = CliRunner().invoke(app, ["serve", "--model", "default", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert os.environ["NERKIT_SERVE_MODEL"] == str(DEFAULT_MODEL)
