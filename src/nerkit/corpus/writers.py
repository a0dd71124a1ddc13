"""Writers for the formats nerkit reads, so `nerkit data convert` round-trips.

Files are written to a temporary sibling and renamed into place, so a failure never leaves half a file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from nerkit.corpus.interchange import SpanRecord, write_doccano, write_labelstudio, write_prodigy
from nerkit.corpus.readers import GMB_HEADER
from nerkit.corpus.types import Sentence
from nerkit.text import detokenize


def write_conll(sentences: Iterable[Sentence], handle: TextIO) -> None:
    for sentence in sentences:
        for word, tag in zip(sentence.words, sentence.tags, strict=True):
            handle.write(f"{word} {tag}\n")
        handle.write("\n")


def write_jsonl(sentences: Iterable[Sentence], handle: TextIO) -> None:
    for sentence in sentences:
        handle.write(
            json.dumps({"tokens": list(sentence.words), "tags": list(sentence.tags)}, ensure_ascii=False)
        )
        handle.write("\n")


def write_jsonl_spans(sentences: Iterable[Sentence], handle: TextIO) -> None:
    """Annotation-tool style: words joined by spaces, entities as character spans into that text."""
    for record in records_from_sentences(sentences):
        entities = [list(span) for span in record.spans]
        handle.write(json.dumps({"text": record.text, "entities": entities}, ensure_ascii=False) + "\n")


def records_from_sentences(sentences: Iterable[Sentence]) -> Iterator[SpanRecord]:
    """Sentences as text-and-spans records: words joined by spaces, spans as character offsets."""
    for number, sentence in enumerate(sentences, start=1):
        text, offsets = detokenize(sentence.words)
        spans = tuple((offsets[start][0], offsets[end - 1][1], kind) for start, end, kind in sentence.spans)
        yield SpanRecord(str(sentence.id or number), text, spans)


def _span_writer(write: Callable[[Iterable[SpanRecord], TextIO], None]) -> Writer:
    return lambda sentences, handle: write(records_from_sentences(sentences), handle)


def write_gmb(sentences: Iterable[Sentence], handle: TextIO) -> None:
    """GMB CSV; the POS column is left empty because nerkit does not keep part-of-speech tags."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(GMB_HEADER)
    for number, sentence in enumerate(sentences, start=1):
        for index, (word, tag) in enumerate(zip(sentence.words, sentence.tags, strict=True)):
            writer.writerow([f"Sentence: {sentence.id or number}" if index == 0 else "", word, "", tag])


Writer = Callable[[Iterable[Sentence], TextIO], None]
WRITERS: dict[str, tuple[Writer, str]] = {
    "conll": (write_conll, "utf-8"),
    "jsonl": (write_jsonl, "utf-8"),
    "jsonl-spans": (write_jsonl_spans, "utf-8"),
    "gmb": (write_gmb, "latin-1"),
    "doccano": (_span_writer(write_doccano), "utf-8"),
    "prodigy": (_span_writer(write_prodigy), "utf-8"),
    "labelstudio": (_span_writer(write_labelstudio), "utf-8"),
}
