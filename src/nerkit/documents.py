"""Documents in and entities out, streaming, for `nerkit extract`.

Inputs are read one record at a time (a 1 GB JSONL file never sits in memory) and checked as they go,
with file and line in every error. Outputs are written to a temporary sibling and renamed into place
at the end, so a bad record half-way through leaves no partial output file behind.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from nerkit.corpus.interchange import SpanRecord, labelstudio_tasks
from nerkit.corpus.readers import json_objects
from nerkit.entities import Entity
from nerkit.errors import NerkitError
from nerkit.files import file_format
from nerkit.labels import tags_from_spans
from nerkit.text import Segmenter, word_spans

if TYPE_CHECKING:
    from nerkit.ner import Result

ENTITY_FORMATS = ("jsonl", "csv", "conll", "labelstudio")
CSV_FIELDS = ["id", "start", "end", "label", "text", "score", "source", "value"]
"""`value` is the entity's normalised value as JSON (empty when it has none)."""


@dataclass(frozen=True)
class Document:
    id: Any
    """The input's own id exactly as given (a JSON number stays a number), `generated_id` for a record
    without one, or a name: "text", "stdin", a .txt file's stem."""
    text: str


def generated_id(text: str) -> str:
    """The id of a record given without one. Made from the text alone, so that every engine gives the
    same id: Ray reads files in pieces, in parallel, and never knows on which line a record stood."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def record_document(
    record: Mapping[str, Any], field: str, path: Path | None = None, line: int | None = None
) -> Document:
    """A JSONL, CSV or Parquet record as a document, read the same way by every engine: the text in
    `field`, the record's own `id` as it is (`generated_id` when it has none or an empty one)."""
    text = record.get(field)
    if not isinstance(text, str):
        raise NerkitError(
            "E043",
            f"expected an object with a string field {field!r}",
            path=path,
            line=line,
            hint="Name the field with --text-field.",
        )
    given = record.get("id")
    return Document(generated_id(text) if given is None or given == "" else given, text)


def entity_record(document: Document, result: Result) -> dict[str, Any]:
    """The record every engine writes for one document (this process, `--workers` and Ray alike): its
    id with its entities (and summary), or, when redacting, its redacted text with the replacements."""
    if result.redacted is not None:
        return {"id": document.id, "text": result.redacted.text, "replacements": result.redacted.replacements}
    record: dict[str, Any] = {"id": document.id, "entities": [entity.to_dict() for entity in result.entities]}
    if result.summary is not None:
        record["summary"] = [group.to_dict() for group in result.summary]
    return record


def json_line(record: Mapping[str, Any]) -> str:
    """A record as one line of JSONL, spelled the same by every engine, so their outputs compare byte
    for byte."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def read_documents(
    path: Path | None, text_field: str = "text", text_column: str = "text"
) -> Iterator[Document]:
    """Documents from a .txt file (one document), .jsonl (one per line, text in `text_field`),
    .csv (one per row, text in `text_column`), or standard input when `path` is None."""
    if path is None:
        yield Document("stdin", sys.stdin.read())
        return
    if not path.is_file():
        raise NerkitError("E010", f"file not found: {path}")
    syntax = file_format(path)
    if syntax in {"jsonl", "json"}:
        yield from _jsonl_documents(path, text_field)
    elif syntax == "csv":
        yield from _csv_documents(path, text_column)
    else:
        try:
            yield Document(path.stem, path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as error:
            raise NerkitError(
                "E005", f"bytes at offset {error.start} are not valid UTF-8", path=path
            ) from None


def _jsonl_documents(path: Path, field: str) -> Iterator[Document]:
    for number, record in json_objects(path):
        yield record_document(record, field, path, number)


def _csv_documents(path: Path, column: str) -> Iterator[Document]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or column not in reader.fieldnames:
                raise NerkitError(
                    "E043",
                    f"no column {column!r} (columns: {', '.join(reader.fieldnames or [])})",
                    path=path,
                    line=1,
                    hint="Name the column with --text-column.",
                )
            for row in reader:
                if row.get(column) is None:
                    raise NerkitError("E043", f"row has no {column!r} value", path=path, line=reader.line_num)
                yield record_document(row, column, path, reader.line_num)
    except UnicodeDecodeError as error:
        raise NerkitError("E005", f"bytes at offset {error.start} are not valid UTF-8", path=path) from None
    except csv.Error as error:
        raise NerkitError("E001", f"malformed CSV ({error})", path=path) from None


class EntityWriter:
    """Writes each document's entities (or redaction) as JSONL, CSV, CoNLL or Label Studio tasks with
    the entities as predictions (a JSON list, to import and correct in Label Studio); call `close` at
    the end."""

    def __init__(self, handle: TextIO, format: str, segmenter: Segmenter | None = None) -> None:
        if format not in ENTITY_FORMATS:
            raise NerkitError(
                "E044", f"unknown output format {format!r}", hint=f"Use {', '.join(ENTITY_FORMATS)}."
            )
        self.handle = handle
        self.format = format
        self.segmenter = segmenter or Segmenter()
        self.csv = csv.DictWriter(handle, CSV_FIELDS, lineterminator="\n") if format == "csv" else None
        if self.csv is not None:
            self.csv.writeheader()
        self.tasks = 0
        if format == "labelstudio":
            handle.write("[\n")

    def write(self, document: Document, result: Result) -> None:
        entities = result.entities
        if result.redacted is not None and self.format != "jsonl":
            raise NerkitError("E044", "--redact writes JSONL or plain text", hint="Use --format jsonl.")
        if self.format == "jsonl":
            self.handle.write(json_line(entity_record(document, result)))
        elif self.format == "labelstudio":
            spans = tuple((entity.start, entity.end, entity.label) for entity in entities)
            (task,) = labelstudio_tasks([SpanRecord(document.id, document.text, spans)], predictions=True)
            task["data"]["id"] = document.id
            for region, entity in zip(task["predictions"][0]["result"], entities, strict=True):
                region["score"] = entity.score
            self.handle.write((",\n" if self.tasks else "") + json.dumps(task, ensure_ascii=False))
            self.tasks += 1
        elif self.csv is not None:
            for entity in entities:
                row = {"id": document.id, **entity.to_dict()}
                row["value"] = (
                    json.dumps(entity.value, ensure_ascii=False) if entity.value is not None else ""
                )
                self.csv.writerow({name: row.get(name, "") for name in CSV_FIELDS})
        else:
            self._conll(document, entities)

    def close(self) -> None:
        if self.format == "labelstudio":
            self.handle.write("\n]\n")

    def _conll(self, document: Document, entities: Sequence[Entity]) -> None:
        """Words of each sentence with the IOB2 tag of the entity they fall in."""
        self.handle.write(f"# id = {document.id}\n")
        for words in self.segmenter.sentences(document.text):
            spans = word_spans(words, ((entity.start, entity.end, entity.label) for entity in entities))
            for word, tag in zip(words, tags_from_spans(len(words), spans), strict=True):
                self.handle.write(f"{word.text}\t{tag}\n")
            self.handle.write("\n")
