"""Documents with inline gold entities, `[[text|LABEL]]`, as nerkit's own document test sets are written.

Easier to write and review by hand than character offsets: the reader turns the markup into the plain
text and exact spans. `[[Dr. Weber|PERSON:Weber]]` marks the text "Dr. Weber" and the entity "Weber"
inside it; `[[3,500|]]` is plain text (a reminder that it is deliberately no entity). Each document
starts with `### id=... kind=... split=...`; lines starting with `#` before the first document are
comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nerkit.errors import NerkitError

_MARK = re.compile(r"\[\[(?P<text>[^\]|]+)\|(?P<label>[A-Z_]*)(?::(?P<inner>[^\]]+))?\]\]")
_HEADER = re.compile(r"^### (?P<fields>.+)$")


@dataclass(frozen=True)
class GoldDocument:
    """Plain text with gold character spans `(start, end, label)`, and the header's fields."""

    id: str
    text: str
    spans: tuple[tuple[int, int, str], ...]
    fields: dict[str, str] = field(default_factory=dict)


def read_marked(path: str | Path) -> list[GoldDocument]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as error:
        raise NerkitError("E010", f"cannot read {path.name}: {error}", path=path) from None
    documents: list[GoldDocument] = []
    header: tuple[dict[str, str], int] | None = None
    body: list[str] = []
    for number, line in enumerate([*lines, "### end=1"], start=1):
        found = _HEADER.match(line)
        if found is None:
            if header is not None:
                body.append(line)
            continue
        if header is not None:
            documents.append(_document(header[0], "\n".join(body).rstrip("\n"), path, header[1]))
        fields = dict(pair.split("=", 1) for pair in found["fields"].split() if "=" in pair)
        header, body = (fields, number), []
    return documents


def _document(fields: dict[str, str], marked: str, path: Path, line: int) -> GoldDocument:
    text, spans, position = "", [], 0
    for match in _MARK.finditer(marked):
        text += marked[position : match.start()]
        start = len(text)
        text += match["text"]
        if match["label"]:
            inner = match["inner"] or match["text"]
            offset = match["text"].find(inner)
            if offset < 0:
                raise NerkitError("E007", f"{inner!r} is not inside {match['text']!r}", path=path, line=line)
            spans.append((start + offset, start + offset + len(inner), match["label"]))
        position = match.end()
    text += marked[position:]
    if "[[" in text or "]]" in text:
        raise NerkitError("E007", "unclosed or malformed [[text|LABEL]] markup", path=path, line=line)
    return GoldDocument(fields.get("id", str(line)), text, tuple(spans), fields)
