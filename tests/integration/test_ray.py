"""Batch extraction on Ray Data gives exactly what single-process `nerkit extract` gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.documents import generated_id

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


def _lines(out: Path) -> list[bytes]:
    """Every line Ray wrote under `out`, sorted: its files hold the records in no set order."""
    return sorted(line for file in out.glob("*.json*") for line in file.read_bytes().splitlines())


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
    expected = sorted(local.read_bytes().splitlines())
    assert len(expected) == 300
    assert _lines(out) == expected
    assert any(b'"label": "EMAIL"' in line for line in expected)


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
    expected = sorted(local.read_bytes().splitlines())
    assert _lines(out) == expected
    records = [json.loads(line) for line in expected]
    assert all("@" not in record["text"] for record in records)
    assert {r["label"] for record in records for r in record["replacements"]} == {"EMAIL"}


def test_every_engine_writes_the_same_records_with_ids_as_given(tmp_path):
    """In this process, in worker processes and on Ray, with the shipped model: string and numeric ids as
    they were, one made from the text where there is none, values as JSON objects; a line separator
    (U+2028) written as it is inside a text splits no record."""
    records = [
        {"id": "a-1", "text": "Mail bob@acme.com about the Paris office."},
        {"id": 7, "text": "David Chen will be in Nairobi on 3 May 2024."},
        {"text": "Call +1 415-555-2671 and ask for Maria Lopez."},
        {"id": 8, "text": "Nothing to see here.\u2028Angela Merkel met Emmanuel Macron."},
    ]
    source = tmp_path / "mixed.jsonl"
    lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in records]
    source.write_text("".join(lines), encoding="utf-8")
    local, workers, on_ray = tmp_path / "local.jsonl", tmp_path / "workers.jsonl", tmp_path / "ray"
    runner = CliRunner()
    for flags, out in (
        ([], local),
        (["--workers", "2"], workers),
        (["--engine", "ray", "--actors", "1"], on_ray),
    ):
        result = runner.invoke(app, ["extract", "--input", str(source), *flags, "--output", str(out)])
        assert result.exit_code == 0, result.output
    ray.shutdown()
    expected = sorted(local.read_bytes().splitlines())
    assert sorted(workers.read_bytes().splitlines()) == expected
    assert _lines(on_ray) == expected
    written = [json.loads(line) for line in local.read_bytes().splitlines()]
    assert [record["id"] for record in written] == ["a-1", 7, generated_id(records[2]["text"]), 8]
    email = next(entity for entity in written[0]["entities"] if entity["label"] == "EMAIL")
    assert email["value"] == {"email": "bob@acme.com"}
