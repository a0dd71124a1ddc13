"""A document being written: text with the character spans of the entities written into it, and the
slots of a template that hold words which are no entity (`PLAIN`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Span = tuple[int, int, str]
PLAIN = frozenset(
    {
        "title", "department", "committee", "software", "product", "card_brand", "acronym", "version",
        "host", "code", "heading", "last_digits", "quantity",
    }
)  # fmt: skip
"""Template slots filled from `train.vocabulary`: written like names, annotated as nothing."""


@dataclass
class Document:
    """Text being written, with the spans of the entities written into it."""

    text: str = ""
    spans: list[Span] = field(default_factory=list)

    def add(self, piece: str, label: str | None = None) -> None:
        if label is not None and piece:
            self.spans.append((len(self.text), len(self.text) + len(piece), label))
        self.text += piece

    def template(
        self, pattern: str, fill: Callable[[str], str], transform: Callable[[str], str] = str
    ) -> None:
        """Write `pattern` with each `{label}` slot filled by `fill(label)`."""
        position = 0
        while position < len(pattern):
            opening = pattern.find("{", position)
            if opening < 0:
                self.add(transform(pattern[position:]))
                return
            closing = pattern.index("}", opening)
            self.add(transform(pattern[position:opening]))
            label = pattern[opening + 1 : closing]
            self.add(transform(fill(label)), None if label in PLAIN else label)
            position = closing + 1


def wrapped(document: Document, paragraph: Document, width: int | None) -> None:
    """Append `paragraph`, soft-wrapped at `width`: a space becomes a line break where a line would grow
    past it, so every span keeps its offsets."""
    text = list(paragraph.text)
    line_start, last_space = 0, -1
    for index, character in enumerate(text):
        if character == " ":
            last_space = index
        if width is not None and index - line_start >= width and last_space > line_start:
            text[last_space] = "\n"
            line_start = last_space + 1
    offset = len(document.text)
    document.text += "".join(text)
    document.spans += [(start + offset, end + offset, label) for start, end, label in paragraph.spans]
