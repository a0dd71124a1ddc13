"""The nouns of extraction: `Entity`, a span of the original text, and `Redaction`, text with spans
replaced; plus `merge`, the one policy that settles overlaps, and `redact`."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from nerkit.operators import Anonymizer

Source = Literal["model", "pattern"]
RedactStyle = Literal["label", "mask", "hash", "pseudonym", "encrypt"]


@dataclass(frozen=True, order=True)
class Entity:
    """A span of the original text: `text == original[start:end]`, always.

    `score` is the mean of the model's probabilities for the span's words, or for a pattern match its
    recognizer's precision given the context (see `nerkit.patterns`).
    """

    start: int
    end: int
    label: str
    text: str
    score: float = 1.0
    source: Source = "model"
    value: dict[str, Any] | None = field(default=None, compare=False)
    """The machine-readable value, for labels that have one (see `nerkit.values`)."""
    explanation: dict[str, Any] | None = field(default=None, compare=False)
    """Which recognizer found it, with which check and context word (`explain=True`)."""

    def to_dict(self) -> dict[str, Any]:
        found = {
            "text": self.text,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "source": self.source,
        }
        if self.value is not None:
            found["value"] = self.value
        if self.explanation is not None:
            found["explanation"] = self.explanation
        return found


class Redaction(str):
    """The redacted text, usable as a plain string, plus `replacements`: for each replaced entity,
    where it was (`start`, `end`) and where its replacement is (`redacted_start`, `redacted_end`)."""

    replacements: list[dict[str, Any]]

    def __new__(cls, text: str, replacements: list[dict[str, Any]]) -> Redaction:
        redaction = super().__new__(cls, text)
        redaction.replacements = replacements
        return redaction

    @property
    def text(self) -> str:
        return str(self)


def merge(model: Sequence[Entity], patterns: Sequence[tuple[Entity, bool]]) -> list[Entity]:
    """Settle overlaps: structured pattern matches (email, phone, URL, IP, money, percent, degree,
    user rules) win over anything they overlap; otherwise the longer span wins, then the model (whose
    score is a real probability), then the higher score. The result is sorted and non-overlapping."""
    candidates = [(2 if structured else 1, entity) for entity, structured in patterns]
    candidates += [(1, entity) for entity in model]
    ranked = sorted(
        candidates,
        key=lambda item: (
            -item[0],
            -(item[1].end - item[1].start),
            item[1].source != "model",
            -item[1].score,
            item[1].start,
        ),
    )
    kept: list[Entity] = []  # sorted by start and non-overlapping, so ends are sorted too
    for _, entity in ranked:
        position = bisect.bisect_left(kept, entity.start, key=lambda other: other.start)
        clear_before = position == 0 or kept[position - 1].end <= entity.start
        clear_after = position == len(kept) or entity.end <= kept[position].start
        if clear_before and clear_after:
            kept.insert(position, entity)
    return kept


def redact(
    text: str,
    entities: Iterable[Entity],
    style: RedactStyle | Anonymizer = "label",
    pseudonyms: dict[tuple[str, str], str] | None = None,
) -> Redaction:
    """Replace entities by their label's operator (see `nerkit.operators`): a style applies one operator
    to every label (`label` gives `[PERSON]`, `mask` asterisks of the same length, `hash` a keyed
    `[PERSON:1a2b3c4d5e6f]`, `pseudonym` `PERSON_1`, `encrypt` a token `nerkit deanonymize` restores).
    `pseudonyms` carries the numbering across texts, unless the anonymizer's scope is one document."""
    anonymizer = Anonymizer.from_style(style) if isinstance(style, str) else style
    pseudonyms = {} if pseudonyms is None or anonymizer.scope == "document" else pseudonyms
    pieces: list[str] = []
    replacements = []
    position = shift = 0
    for entity in sorted(entities):
        replacement = anonymizer.replacement(entity.label, entity.text, pseudonyms)
        pieces += [text[position : entity.start], replacement]
        replacements.append(
            {
                "label": entity.label,
                "operator": anonymizer.operator(entity.label).kind,
                "start": entity.start,
                "end": entity.end,
                "redacted_start": entity.start + shift,
                "redacted_end": entity.start + shift + len(replacement),
            }
        )
        shift += len(replacement) - (entity.end - entity.start)
        position = entity.end
    pieces.append(text[position:])
    return Redaction("".join(pieces), replacements)
