"""Readers for GMB CSV, CoNLL-style column files and JSONL.

Each reader checks its input as it goes and stops at the first problem with the file and line, so a
user never has to guess which of a million rows is wrong. Tags are validated, the file's scheme is
detected and everything is normalised to IOB2; repairs are counted (or refused in strict mode).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nerkit.corpus.interchange import Overlaps, SpanRecord, checked
from nerkit.corpus.types import Sentence, neighbours
from nerkit.errors import NerkitError
from nerkit.labels import detect_scheme, is_valid_tag, tags_from_spans, to_iob2
from nerkit.text import word_offsets

GMB_HEADER = ["Sentence #", "Word", "POS", "Tag"]
_GMB_ID = re.compile(r"^Sentence:\s*(\d+)$")
_DOCSTART = "-DOCSTART-"


@dataclass
class _Raw:
    """A sentence as read, before its tags are normalised; one line number per word. Sentences of the
    same `document` next to each other in the file are each other's context."""

    id: int
    document: int = 0
    words: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def add(self, word: str, tag: str, line: int) -> None:
        self.words.append(word)
        self.tags.append(tag)
        self.lines.append(line)


@dataclass(frozen=True)
class ReadResult:
    sentences: list[Sentence]
    repairs: Counter[str]


def _check_tag(tag: str, path: Path, line: int) -> None:
    if not is_valid_tag(tag):
        raise NerkitError(
            "E003",
            f"unknown tag {tag!r}: expected O or B-/I-/E-/S- followed by an entity type (e.g. B-per)",
            path=path,
            line=line,
        )


def _normalise(raws: list[_Raw], path: Path, strict: bool) -> ReadResult:
    scheme = detect_scheme(raw.tags for raw in raws)
    repairs: Counter[str] = Counter()
    sentences = []
    for raw in raws:
        tags, fixes = to_iob2(raw.tags, scheme)
        for fix in fixes:
            if strict:
                raise NerkitError(
                    "E004",
                    f"invalid {scheme} sequence: {fix.kind} ({fix.before!r} after "
                    f"{raw.tags[fix.index - 1] if fix.index else 'the sentence start'!r})",
                    path=path,
                    line=raw.lines[fix.index],
                    hint=f"Fix the tag, or drop --strict to repair it as {fix.after!r}.",
                )
            repairs[fix.kind] += 1
        sentences.append(Sentence(tuple(raw.words), tuple(tags), raw.id, raw.lines[0] if raw.lines else 0))
    around = neighbours([sentence.words for sentence in sentences], [raw.document for raw in raws], ())
    linked = [
        replace(sentence, before=before, after=after)
        for sentence, (before, after) in zip(sentences, around, strict=True)
    ]
    return ReadResult(linked, repairs)


def _utf8_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Lines of a UTF-8 file with 1-based numbers, failing on the line that does not decode."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise NerkitError(
                    "E005",
                    f"bytes at column {error.start + 1} are not valid UTF-8",
                    path=path,
                    line=number,
                    hint="Re-save the file as UTF-8.",
                ) from None
            if "\x00" in text:
                raise NerkitError("E005", "NUL byte in text (is this a binary file?)", path=path, line=number)
            yield number, text.rstrip("\r\n")


def read_gmb(path: Path, strict: bool = False) -> ReadResult:
    """GMB / Kaggle `ner_dataset.csv`: latin-1, sentence id only on each sentence's first row.

    Read with the csv module rather than pandas so that words such as `None`, `NA` or `nan` stay words.
    """
    raws: list[_Raw] = []
    with path.open(encoding="latin-1", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise NerkitError("E002", "empty file: expected a GMB header " + ",".join(GMB_HEADER), path=path)
        if [cell.strip().lstrip("\ufeff") for cell in header] != GMB_HEADER:
            raise NerkitError(
                "E002",
                f"header is {','.join(header)!r}, expected {','.join(GMB_HEADER)!r}",
                path=path,
                line=1,
            )
        line = reader.line_num
        for row in _csv_rows(reader, path):
            first_line, line = line + 1, reader.line_num
            if not row or row == [""]:
                continue
            if any("\x00" in cell for cell in row):
                raise NerkitError(
                    "E005", "NUL byte in text (is this a binary file?)", path=path, line=first_line
                )
            if len(row) != len(GMB_HEADER):
                raise NerkitError(
                    "E001",
                    f"row has {len(row)} columns, expected {len(GMB_HEADER)} ({','.join(GMB_HEADER)})",
                    path=path,
                    line=first_line,
                    hint="Quote fields that contain commas.",
                )
            sentence_id, word, _pos, tag = row
            if sentence_id.strip():
                match = _GMB_ID.match(sentence_id.strip())
                if match is None:
                    raise NerkitError(
                        "E001",
                        f"sentence id {sentence_id!r} is not of the form 'Sentence: N'",
                        path=path,
                        line=first_line,
                    )
                raws.append(_Raw(int(match[1])))
            elif not raws:
                raise NerkitError(
                    "E001",
                    "the first row has no sentence id (expected 'Sentence: 1')",
                    path=path,
                    line=first_line,
                )
            _check_tag(tag.strip(), path, first_line)
            raws[-1].add(word, tag.strip(), first_line)
    if not raws:
        raise NerkitError("E002", "no sentences found: expected rows after the header", path=path)
    return _normalise(raws, path, strict)


def _csv_rows(reader: Any, path: Path) -> Iterator[list[str]]:
    """The csv module's rows, with its errors (a field past its size limit, a stray quote) turned into
    one that names the line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise NerkitError(
                "E001", f"unreadable CSV row: {error}", path=path, line=reader.line_num
            ) from None


def _is_comment(columns: list[str]) -> bool:
    return columns[0].startswith("#") and (len(columns) < 2 or not is_valid_tag(columns[-1]))


_COLUMN = re.compile(r"[^ \t\r\n\f\v]+")
"""A column of a CoNLL line: columns are separated by ASCII blanks alone, so a word keeps a no-break space
(GMB has "5\u00a0storm") and a file nerkit writes reads back the same."""


def read_conll(path: Path, strict: bool = False) -> ReadResult:
    """Column files: word first, tag last, blank lines between sentences (CoNLL-2003, CoNLL-U-like)."""
    raws: list[_Raw] = []
    current: _Raw | None = None
    expected_columns: int | None = None
    document = 0
    for line, text in _utf8_lines(path):
        columns = _COLUMN.findall(text)
        if not columns or columns[0] == _DOCSTART:
            current = None
            document += bool(columns)
            continue
        if _is_comment(columns):
            continue
        if len(columns) < 2:
            raise NerkitError(
                "E001",
                f"line has 1 column ({text.strip()[:40]!r}), expected at least 2 (word ... TAG)",
                path=path,
                line=line,
            )
        if expected_columns is None:
            expected_columns = len(columns)
        elif len(columns) != expected_columns:
            raise NerkitError(
                "E001",
                f"line has {len(columns)} columns, expected {expected_columns} like the first token line",
                path=path,
                line=line,
            )
        _check_tag(columns[-1], path, line)
        if current is None:
            current = _Raw(len(raws) + 1, document)
            raws.append(current)
        current.add(columns[0], columns[-1], line)
    if not raws:
        raise NerkitError("E002", "no sentences found: expected lines of 'word ... TAG'", path=path)
    return _normalise(raws, path, strict)


def _record_from_tokens(record: dict, path: Path, line: int, number: int) -> _Raw:
    tokens, tags = record["tokens"], record.get("tags", record.get("ner_tags"))
    if not isinstance(tokens, list) or not isinstance(tags, list):
        raise NerkitError("E006", "'tokens' and 'tags' must be lists", path=path, line=line)
    if len(tokens) != len(tags):
        raise NerkitError(
            "E006",
            f"{len(tokens)} tokens but {len(tags)} tags: expected one tag per token",
            path=path,
            line=line,
        )
    raw = _Raw(number, document=number)
    for token, tag in zip(tokens, tags, strict=True):
        if not isinstance(token, str) or not isinstance(tag, str):
            raise NerkitError("E006", "tokens and tags must be strings", path=path, line=line)
        _check_tag(tag, path, line)
        raw.add(token, tag, line)
    return raw


def _entity_triples(record: dict, path: Path, line: int) -> list[tuple[int, int, str]]:
    entities = record.get("entities", record.get("spans", record.get("label", record.get("labels", []))))
    if not isinstance(entities, list):
        raise NerkitError("E006", "'entities' must be a list of [start, end, label]", path=path, line=line)
    triples = []
    for entity in entities:
        if isinstance(entity, dict):
            entity = [entity.get("start"), entity.get("end"), entity.get("label")]
        if not (
            isinstance(entity, list | tuple)
            and len(entity) == 3
            and isinstance(entity[0], int)
            and isinstance(entity[1], int)
            and isinstance(entity[2], str)
            and entity[2]
        ):
            raise NerkitError(
                "E006",
                f"entity {entity!r} is not [start, end, label] with integer offsets",
                path=path,
                line=line,
            )
        triples.append((entity[0], entity[1], entity[2]))
    return sorted(triples)


def _checked_spans(
    record: dict, path: Path, line: int, overlaps: Overlaps, notes: Counter[str]
) -> SpanRecord:
    """A `{"text", "entities"}` record as a `SpanRecord`, its spans checked against the text
    (`interchange.checked`, as every annotation-tool format is)."""
    text = record.get("text")
    if not isinstance(text, str):
        raise NerkitError("E006", "'text' must be a string", path=path, line=line)
    spans = tuple(_entity_triples(record, path, line))
    return checked(SpanRecord(str(record.get("id", line)), text, spans, line), path, overlaps, notes)


def _record_from_spans(record: SpanRecord, path: Path, number: int) -> _Raw:
    """A checked record's text cut into words (as extraction cuts text, and at every span edge), with
    the tags its spans give them."""
    text, triples, line = record.text, record.spans, record.line
    offsets = word_offsets(text, cuts=[edge for start, end, _ in triples for edge in (start, end)])
    word_spans = []
    for start, end, label in triples:
        inside = [index for index, (first, last) in enumerate(offsets) if start <= first and last <= end]
        if not inside:
            raise NerkitError(
                "E007",
                f"span [{start}, {end}, {label!r}] covers no word, only whitespace",
                path=path,
                line=line,
            )
        word_spans.append((inside[0], inside[-1] + 1, label))
    raw = _Raw(number, document=number)
    for (start, end), tag in zip(offsets, tags_from_spans(len(offsets), word_spans), strict=True):
        raw.add(text[start:end], tag, line)
    return raw


def sentences_from_records(records: Iterable[SpanRecord], path: Path, strict: bool = False) -> ReadResult:
    """Checked text-and-spans records (from any annotation-tool format) as word-level sentences."""
    raws = [_record_from_spans(record, path, number) for number, record in enumerate(records, start=1)]
    if not raws:
        raise NerkitError("E002", "no records found", path=path)
    return _normalise(raws, path, strict)


def json_objects(path: Path) -> Iterator[tuple[int, dict]]:
    """The JSON object on each non-blank line of a UTF-8 file, with its line number, streamed."""
    for line, text in _utf8_lines(path):
        if text.strip():
            yield line, json_object(text, path, line)


def json_object(text: str, path: Path | None = None, line: int | None = None) -> dict:
    """One line of JSONL as the object it must hold (also for engines that read lines elsewhere)."""
    try:
        record = json.loads(text)
    except RecursionError:
        raise NerkitError("E006", "not valid JSON (nesting too deep)", path=path, line=line) from None
    except ValueError as error:  # also 5,000-digit numbers, which are not JSONDecodeErrors
        message = getattr(error, "msg", None) or str(error).split(";")[0]
        raise NerkitError("E006", f"not valid JSON ({message})", path=path, line=line) from None
    if not isinstance(record, dict):
        raise NerkitError("E006", "expected a JSON object per line", path=path, line=line)
    return record


def read_text_spans(path: Path) -> list[SpanRecord]:
    """`{"text": ..., "entities": [[start, end, label], ...]}` records as they are, not cut into words:
    the extraction pipeline cuts them, as it cuts any raw text."""
    found = latest_records(json_objects(path), Counter())
    records = [_checked_spans(record, path, line, "refuse", Counter()) for line, record in found]
    if not records:
        raise NerkitError("E002", "no records found: expected one JSON object per line", path=path)
    return records


def latest_records(objects: Iterable[tuple[int, dict]], notes: Counter[str]) -> list[tuple[int, dict]]:
    """The records an append-only annotation file means (`nerkit annotate`'s, Label Studio's): a later
    line of the same `id` and text replaces the earlier one, and `{"id": ..., "deleted": true}` forgets
    that id. Lines without an id, and one id over different texts (a document's id on each of its
    sentences), all count. Each line replaced or forgotten is counted in `notes`, so none goes unsaid."""
    kept: dict[object, tuple[int, dict]] = {}
    by_id: dict[str, list[object]] = {}
    for index, (line, record) in enumerate(objects):
        if "id" not in record:
            kept[index] = (line, record)
            continue
        identity = str(record["id"])
        if record.get("deleted") is True:
            forgotten = [key for key in by_id.pop(identity, []) if kept.pop(key, None) is not None]
            notes["annotation forgotten by a later deletion line"] += len(forgotten)
            continue
        key = (identity, json.dumps(record.get("text", record.get("tokens")), ensure_ascii=False))
        notes["annotation replaced by a later line of its id"] += kept.pop(key, None) is not None
        kept[key] = (line, record)
        by_id.setdefault(identity, []).append(key)
    return list(kept.values())


def read_jsonl(path: Path, strict: bool = False, overlaps: Overlaps = "refuse") -> ReadResult:
    """One JSON object per line: `{"tokens": [...], "tags": [...]}` or annotation-tool style
    `{"text": "...", "entities": [[start, end, label], ...]}` with character offsets (doccano's
    `label`/`labels`, Prodigy's `spans` of `{start, end, label}`; Prodigy's own `tokens` are ignored,
    the text is cut into words as extraction cuts it)."""
    raws: list[_Raw] = []
    notes: Counter[str] = Counter()
    for line, record in latest_records(json_objects(path), notes):
        if "tokens" in record and "text" not in record:
            raws.append(_record_from_tokens(record, path, line, len(raws) + 1))
        elif "text" in record:
            found = _checked_spans(record, path, line, overlaps, notes)
            raws.append(_record_from_spans(found, path, len(raws) + 1))
        else:
            raise NerkitError(
                "E006",
                "object has neither 'tokens' (with 'tags') nor 'text' (with 'entities')",
                path=path,
                line=line,
            )
    if not raws:
        raise NerkitError("E002", "no records found: expected one JSON object per line", path=path)
    result = _normalise(raws, path, strict)
    return ReadResult(result.sentences, result.repairs + notes)
