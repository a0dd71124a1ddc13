"""Batch extraction on Ray Data gives exactly what single-process `nerkit extract` gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nerkit.cli import app

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray")

NAMES, PLACES = ["Alice", "Bob", "Carol"], ["Paris", "London", "Berlin"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    for part in range(2):
        with (folder / f"part{part}.jsonl").open("w") as handle:
            for index in range(150):
                text = f"{NAMES[index % 3]} visited {PLACES[index % 3 - 1]} on Monday. Mail x{index}@acme.com"
                handle.write(json.dumps({"id": f"{part}-{index}", "text": text}) + "\n")
    return folder


@pytest.fixture(scope="module", params=["toy", "default"])
def model(request, tmp_path_factory) -> Path:
    """A tiny fp32 model, and the shipped int8 default: int8 must not change with batch composition."""
    if request.param == "default":
        from nerkit.modeldir import DEFAULT_MODEL

        return Path(DEFAULT_MODEL)
    toy_ner = request.getfixturevalue("toy_ner")
    return toy_ner.tagger.save(tmp_path_factory.mktemp("model") / "toy", toy_ner.metadata)


def _by_id(lines) -> dict[str, list]:
    return {record["id"]: record["entities"] for record in map(json.loads, filter(None, lines))}


def _decoded(records: dict[str, list]) -> dict[str, list]:
    """Ray's entities with `value` and `explanation` read back from their JSON text, absent when null."""
    decoded = {}
    for key, entities in records.items():
        decoded[key] = [
            {
                name: json.loads(v) if name in ("value", "explanation") else v
                for name, v in e.items()
                if v is not None
            }
            for e in entities
        ]
    return decoded


def test_ray_output_equals_single_process_output(inputs, model, tmp_path):
    runner = CliRunner()
    local = tmp_path / "local.jsonl"
    pattern = str(inputs / "*.jsonl")
    result = runner.invoke(
        app, ["extract", "--model", str(model), "--input", pattern, "--output", str(local)]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "ray-out"
    result = runner.invoke(
        app, ["extract", "--model", str(model), "--input", pattern, "--engine", "ray", "--output", str(out)]
    )
    ray.shutdown()
    assert result.exit_code == 0, result.output
    assert "tagged 300 records" in result.stdout
    expected = _by_id(local.read_text().split("\n"))
    actual = _decoded(
        _by_id(line for file in sorted(out.glob("*.json*")) for line in file.read_text().split("\n"))
    )
    assert len(expected) == 300
    assert actual == expected
    assert any(entity["label"] == "EMAIL" for entities in actual.values() for entity in entities)


def test_ray_refuses_records_without_the_text_field(inputs, model, tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "extract",
            "--model",
            str(model),
            "--input",
            str(inputs / "part0.jsonl"),
            "--engine",
            "ray",
            "--text-field",
            "body",
            "--output",
            str(tmp_path / "out"),
        ],
    )
    ray.shutdown()
    assert result.exit_code == 1
    assert "[E043]" in result.stderr and "--text-field" in result.stderr


def test_ray_honours_redaction_and_labels_as_the_local_engine_does(inputs, model, tmp_path):
    runner = CliRunner()
    source = str(inputs / "part0.jsonl")
    options = ["--redact", "--redact-style", "mask", "--labels", "EMAIL"]
    local = tmp_path / "local.jsonl"
    result = runner.invoke(
        app, ["extract", "--model", str(model), "--input", source, "--output", str(local), *options]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "ray-out"
    arguments = ["extract", "--model", str(model), "--input", source, "--engine", "ray", "--output", str(out)]
    result = runner.invoke(app, [*arguments, *options])
    ray.shutdown()
    assert result.exit_code == 0, result.output
    expected = {record["id"]: record["text"] for record in map(json.loads, local.read_text().splitlines())}
    records = [
        json.loads(line) for file in sorted(out.glob("*.json*")) for line in file.read_text().splitlines()
    ]
    assert {record["id"]: record["redacted"] for record in records} == expected
    assert all(entity["label"] == "EMAIL" for record in records for entity in record["entities"])
    assert all("@" not in text for text in expected.values())
