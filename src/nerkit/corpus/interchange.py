"""Annotation-tool formats: Label Studio JSON, doccano and Prodigy JSONL, brat standoff and spaCy's
`DocBin`, in and out, as `SpanRecord`s (a text and its character spans).

Offsets are checked against the text on the way in (a span outside its text, or whose recorded surface
text differs from the text at its offsets, is an error naming the file and record). Overlapping spans
are refused unless the caller asks to keep the longest; what was skipped or resolved is counted in
`Notes`, never dropped silently. `corpus.read_file` turns records into word-level sentences and
`corpus.write_file` writes sentences through these writers, so every format is also training and
evaluation input.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from nerkit.errors import NerkitError
from nerkit.extras import require

Span = tuple[int, int, str]
Overlaps = Literal["refuse", "longest"]


@dataclass(frozen=True)
class SpanRecord:
    id: str
    text: str
    spans: tuple[Span, ...]
    line: int = 0
    """Where the record starts in its file (a line, or the task's position in a JSON list)."""


Notes = Counter
"""What a reader did besides reading: `overlaps resolved`, `discontinuous spans skipped`..."""


def checked(record: SpanRecord, path: Path, overlaps: Overlaps, notes: Notes) -> SpanRecord:
    """The record with its spans inside the text, sorted and non-overlapping (or an error naming the
    record, or for a line-per-record file, its line)."""
    who = f"record {record.id}: " if record.id != str(record.line) else ""
    for start, end, label in record.spans:
        if not (0 <= start < end <= len(record.text)) or not label:
            raise NerkitError(
                "E007",
                f"{who}span [{start}, {end}, {label!r}] is outside its text of {len(record.text)} characters",
                path=path,
                line=record.line or None,
            )
    kept: list[Span] = []
    for span in (
        sorted(record.spans, key=lambda s: (-(s[1] - s[0]), s[0]))
        if overlaps == "longest"
        else sorted(record.spans)
    ):
        clash = [other for other in kept if span[0] < other[1] and other[0] < span[1]]
        if clash and overlaps == "refuse":
            raise NerkitError(
                "E007",
                f"{who}span {list(span)} overlaps {list(clash[0])}",
                path=path,
                line=record.line or None,
                hint="Pass --overlaps longest to keep the longest of overlapping spans.",
            )
        if clash:
            notes["overlapping spans dropped (longest kept)"] += 1
            continue
        kept.append(span)
    return SpanRecord(record.id, record.text, tuple(sorted(kept)), record.line)


def _surface(record_id: str, text: str, span: Span, expected: Any, path: Path, line: int) -> None:
    if isinstance(expected, str) and text[span[0] : span[1]] != expected:
        raise NerkitError(
            "E007",
            f"record {record_id}: offsets [{span[0]}, {span[1]}] hold {text[span[0] : span[1]]!r}, "
            f"but the record says {expected!r}",
            path=path,
            line=line or None,
        )


def read_labelstudio(path: Path, notes: Notes) -> list[SpanRecord]:
    """A Label Studio JSON export: a list of tasks with `data.text` and `annotations[].result[]` of
    `labels` regions (the first annotation that is not cancelled; predictions are read when a task has
    no annotation)."""
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise NerkitError("E006", f"not a Label Studio JSON export ({error})", path=path) from None
    if not isinstance(tasks, list):
        raise NerkitError("E006", "a Label Studio export is a JSON list of tasks", path=path)
    records = []
    for number, task in enumerate(tasks, start=1):
        data = task.get("data", {}) if isinstance(task, dict) else {}
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str):
            raise NerkitError("E006", f"task {number} has no data.text string", path=path, line=number)
        done = [a for a in task.get("annotations", []) if isinstance(a, dict) and not a.get("was_cancelled")]
        source = done[0] if done else (task.get("predictions") or [{}])[0]
        spans = []
        for region in source.get("result", []) if isinstance(source, dict) else []:
            value = region.get("value", {}) if isinstance(region, dict) else {}
            if region.get("type") not in ("labels", None) or "start" not in value:
                notes["non-label regions skipped"] += 1
                continue
            for label in value.get("labels", [])[:1]:
                span = (int(value["start"]), int(value["end"]), str(label))
                if 0 <= span[0] < span[1] <= len(text):
                    _surface(str(task.get("id", number)), text, span, value.get("text"), path, number)
                spans.append(span)
        records.append(SpanRecord(str(task.get("id", number)), text, tuple(spans), number))
    return records


def labelstudio_tasks(
    records: Iterable[SpanRecord], predictions: bool, model: str = "nerkit"
) -> Iterator[dict]:
    """Tasks for Label Studio's import: the spans as `annotations`, or as `predictions` to pre-annotate
    (`from_name` "label" and `to_name` "text", as in Label Studio's NER labeling template)."""
    for record in records:
        result = [
            {
                "id": f"{record.id}-{index}",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": start, "end": end, "text": record.text[start:end], "labels": [label]},
            }
            for index, (start, end, label) in enumerate(record.spans)
        ]
        key = "predictions" if predictions else "annotations"
        entry: dict[str, Any] = {"result": result}
        if predictions:
            entry["model_version"] = model
        yield {"data": {"text": record.text}, key: [entry]}


def write_labelstudio(records: Iterable[SpanRecord], handle: TextIO, predictions: bool = False) -> None:
    handle.write("[\n")
    for index, task in enumerate(labelstudio_tasks(records, predictions)):
        handle.write((",\n" if index else "") + json.dumps(task, ensure_ascii=False))
    handle.write("\n]\n")


def write_doccano(records: Iterable[SpanRecord], handle: TextIO) -> None:
    for record in records:
        handle.write(
            json.dumps({"text": record.text, "label": [list(s) for s in record.spans]}, ensure_ascii=False)
        )
        handle.write("\n")


def write_prodigy(records: Iterable[SpanRecord], handle: TextIO) -> None:
    for record in records:
        spans = [{"start": start, "end": end, "label": label} for start, end, label in record.spans]
        handle.write(json.dumps({"text": record.text, "spans": spans}, ensure_ascii=False) + "\n")


def read_brat(path: Path, notes: Notes) -> list[SpanRecord]:
    """brat standoff: `name.txt` and `name.ann` side by side (give either, or a directory of pairs).
    Only text-bound annotations (`T` lines) are entities; a discontinuous one (`0 5;9 14`) is skipped
    and counted, never merged into one span."""
    files = sorted(path.glob("*.ann")) if path.is_dir() else [path.with_suffix(".ann")]
    records = []
    for ann in files:
        txt = ann.with_suffix(".txt")
        try:
            text = txt.read_text(encoding="utf-8")
            lines = ann.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise NerkitError("E010", f"cannot read the brat pair: {error}", path=ann) from None
        spans = []
        for number, line in enumerate(lines, start=1):
            if not line.startswith("T"):
                continue
            parts = line.split("\t")
            if len(parts) < 2 or len(parts[1].split(" ", 1)) < 2:
                raise NerkitError("E006", "expected 'T<n>\\tLABEL START END\\tTEXT'", path=ann, line=number)
            label, offsets = parts[1].split(" ", 1)
            if ";" in offsets:
                notes["discontinuous spans skipped"] += 1
                continue
            try:
                start, end = (int(value) for value in offsets.split())
            except ValueError:
                raise NerkitError(
                    "E006", f"offsets {offsets!r} are not two integers", path=ann, line=number
                ) from None
            if 0 <= start < end <= len(text):
                _surface(
                    ann.stem, text, (start, end, label), parts[2] if len(parts) > 2 else None, ann, number
                )
            spans.append((start, end, label))
        records.append(SpanRecord(ann.stem, text, tuple(spans), 0))
    if not records:
        raise NerkitError("E002", "no .ann files found", path=path)
    return records


def write_brat(records: Iterable[SpanRecord], directory: Path) -> None:
    """One `.txt`/`.ann` pair per record into `directory` (which the caller creates atomically)."""
    for number, record in enumerate(records, start=1):
        name = f"doc{number:06d}"
        (directory / f"{name}.txt").write_text(record.text, encoding="utf-8")
        lines = [
            f"T{index}\t{label} {start} {end}\t{record.text[start:end]}"
            for index, (start, end, label) in enumerate(record.spans, start=1)
        ]
        (directory / f"{name}.ann").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def read_docbin(path: Path, notes: Notes) -> list[SpanRecord]:
    """spaCy's binary `.spacy` files, read with spaCy's own `DocBin` (entities from `doc.ents`)."""
    require("spacy", "reading .spacy files")
    import spacy
    from spacy.tokens import DocBin

    try:
        docs = list(DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab))
    except Exception as error:  # spaCy raises several types for a file that is not a DocBin
        raise NerkitError("E006", f"not a spaCy DocBin ({str(error).splitlines()[0]})", path=path) from None
    return [
        SpanRecord(
            str(number), doc.text, tuple((e.start_char, e.end_char, e.label_) for e in doc.ents), number
        )
        for number, doc in enumerate(docs, start=1)
    ]


def write_docbin(records: Iterable[SpanRecord], path: Path) -> None:
    require("spacy", "writing .spacy files")
    import spacy
    from spacy.tokens import DocBin

    nlp, docs = spacy.blank("xx"), DocBin(store_user_data=False)
    for record in records:
        doc = nlp.make_doc(record.text)
        spans = [
            doc.char_span(start, end, label=label, alignment_mode="expand")
            for start, end, label in record.spans
        ]
        doc.ents = [span for span in spans if span is not None]
        docs.add(doc)
    docs.to_disk(path)
