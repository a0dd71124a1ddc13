"""Batch extraction on Ray Data, for document collections larger than one machine.

nerkit brings no scheduler of its own: Ray Data reads JSONL or Parquet, runs `map_batches` over a pool
of actors that each load the model once and run the same pipeline as everywhere else (`NER.results`
with the same `ExtractOptions`), and writes JSONL or Parquet. The same call runs on a laptop (a local
Ray instance is started) or on a cluster (`address="ray://head:10001"` or `"auto"`), where the model
directory and the inputs must be readable from every node (shared disk or object store).

Ray is an optional extra: `pip install 'nerkit[ray]'`.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerkit.corpus.readers import json_object
from nerkit.documents import entity_record, json_line, record_document
from nerkit.errors import NerkitError

if TYPE_CHECKING:
    import pyarrow

    from nerkit.ner import ExtractOptions, LoadOptions

RAY_FORMATS = ("jsonl", "parquet")
JSON_EXTENSIONS = [
    f"{name}{packed}" for name in ("json", "jsonl") for packed in ("", ".gz", ".br", ".zst", ".lz4")
]
"""The JSONL files Ray reads in a directory (as its own JSON reader does, compressed or not)."""
LINE = "line"
"""The column that carries each JSONL record's line, from the files to the actors and back to files."""


@dataclass(frozen=True)
class RayOptions:
    """How the work is spread: `actors` model copies, each using `threads` CPU threads."""

    address: str | None = None
    actors: int = 2
    threads: int = 1
    batch_size: int = 64
    text_field: str = "text"
    output_format: str = "jsonl"


class _Extractor:
    """One actor: loads the model once, then runs the pipeline on every batch of records it is handed
    and gives back what the local engine writes for them (`entity_record`): JSON lines for JSONL, the
    records themselves for Parquet."""

    def __init__(
        self, model: str, loading: LoadOptions, options: ExtractOptions, ray_options: RayOptions, lines: bool
    ) -> None:
        self.ner = loading.load(model, ray_options.threads)  # built inside the actor: nothing big is shipped
        self.options = options
        self.text_field = ray_options.text_field
        self.parquet = ray_options.output_format == "parquet"
        self.lines = lines

    def __call__(self, batch: pyarrow.Table) -> pyarrow.Table:
        import pyarrow

        rows = batch.to_pylist()
        documents = [record_document(_record(row, self.lines), self.text_field) for row in rows]
        results = self.ner.results([document.text for document in documents], self.options)
        records = [
            entity_record(document, result) for document, result in zip(documents, results, strict=True)
        ]
        if self.parquet:
            return pyarrow.Table.from_pylist([_columnar(record) for record in records])
        return pyarrow.table({LINE: [json_line(record) for record in records]})


def _record(row: dict[str, Any], lines: bool) -> dict[str, Any]:
    """A record as its file holds it: JSONL comes as lines (`raylines`), parsed here by Python's `json`
    as the local engine parses them."""
    return json_object(row[LINE]) if lines else row


def _columnar(record: dict[str, Any]) -> dict[str, Any]:
    """Arrow gives a column one type, so in Parquet an entity's `value` (whose keys depend on the label)
    and `explanation` travel as JSON text, always present (null when the entity has none), and the
    `id` as text (one file may number some records and name others)."""
    record["id"] = str(record["id"])
    for entity in record.get("entities", []):
        for key in ("value", "explanation"):
            entity[key] = json.dumps(entity[key], ensure_ascii=False) if key in entity else None
    return record


def expand_inputs(inputs: Sequence[str | Path]) -> list[str]:
    """Files, directories and glob patterns (quoted, so the shell leaves them to nerkit); URIs such as
    `s3://bucket/docs/` go to Ray as they are."""
    paths: list[str] = []
    for pattern in map(str, inputs):
        if "://" in pattern:
            paths.append(pattern)
            continue
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches or not all(os.path.exists(path) for path in matches):
            raise NerkitError("E010", f"no input matches {pattern!r}", hint="Check the path or the glob.")
        paths += matches
    return paths


def extract_with_ray(
    model: str | Path | None,
    inputs: Sequence[str | Path],
    output: str | Path,
    options: RayOptions | None = None,
    loading: LoadOptions | None = None,
    extract: ExtractOptions | None = None,
) -> int:
    """Tag every record of `inputs` (JSONL or Parquet) and write, as files under the `output` directory,
    the records the local engine writes for them (`documents.entity_record`). Returns the number of
    records written."""
    from nerkit.modeldir import model_path
    from nerkit.ner import ExtractOptions, LoadOptions

    try:
        import ray
        import ray.data

        from nerkit.raylines import JsonLinesSink, JsonLinesSource
    except ImportError:
        raise NerkitError("E047", "the Ray engine needs Ray Data", hint="pip install 'nerkit[ray]'") from None
    options, loading, extract = options or RayOptions(), loading or LoadOptions(), extract or ExtractOptions()
    if options.output_format not in RAY_FORMATS:
        raise NerkitError("E049", f"Ray writes {' or '.join(RAY_FORMATS)}, not {options.output_format!r}")
    paths = expand_inputs(inputs)
    if not ray.is_initialized():
        # Locally, one CPU more than the actors hold, or the read tasks wait for a free CPU forever.
        cpus = None if options.address else max(os.cpu_count() or 1, options.actors * options.threads + 1)
        ray.init(address=options.address, num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    parquet = all(path.endswith(".parquet") or (os.path.isdir(path) and _has_parquet(path)) for path in paths)
    dataset = (
        ray.data.read_parquet(paths)
        if parquet
        else ray.data.read_datasource(JsonLinesSource(paths, LINE, JSON_EXTENSIONS))
    )
    for row in dataset.take(1):  # a wrong --text-field fails here, in one line, not inside an actor
        record_document(_record(row, not parquet), options.text_field)
    tagged = dataset.map_batches(
        _Extractor,
        fn_constructor_args=(str(model_path(model).resolve()), loading, extract, options, not parquet),
        compute=ray.data.ActorPoolStrategy(size=options.actors),
        batch_size=options.batch_size,
        batch_format="pyarrow",
        num_cpus=options.threads,
    )
    if options.output_format == "parquet":
        tagged.write_parquet(str(output))
    else:
        tagged.write_datasink(JsonLinesSink(str(output), LINE))
    return dataset.count()  # the inputs again, not the model work


def _has_parquet(directory: str) -> bool:
    return any(name.endswith(".parquet") for name in os.listdir(directory))
