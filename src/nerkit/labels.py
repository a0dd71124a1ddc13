"""Tag schemes, in one place.

Corpora arrive as IOB1, IOB2 or BIOES (with BILOU's L/U spellings); nerkit normalises everything to
IOB2 on read, so the rest of the package only ever sees one scheme. Broken sequences (an `I-` that
follows nothing, an `E-` with no start) are repaired the way conlleval reads them, and each repair is
reported so a user can decide whether to trust the data (or ask for `strict` and get an error).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Scheme = Literal["IOB1", "IOB2", "BIOES"]
Span = tuple[int, int, str]
"""Word span `(start, end, type)`, end exclusive."""

OUTSIDE = "O"
UNKNOWN = "?"
"""A training word whose label its corpus does not say (a type it does not annotate): it reads as
outside any entity for spans, and training skips it (no loss either way)."""
_TAG = re.compile(r"^(?P<prefix>[BIESLU])-(?P<type>\S+)$")
_BIOES_PREFIXES = {"E", "S", "L", "U"}


@dataclass(frozen=True)
class Repair:
    """One tag that had to be changed to make a valid IOB2 sequence."""

    index: int
    kind: str
    before: str
    after: str


def parse_tag(tag: str) -> tuple[str, str | None]:
    """Split a tag into prefix and entity type; `O` has no type. Raises ValueError on anything else."""
    if tag in (OUTSIDE, UNKNOWN):
        return tag, None
    match = _TAG.match(tag)
    if match is None:
        raise ValueError(f"unknown tag {tag!r}: expected O or B-/I-/E-/S- followed by an entity type")
    return match["prefix"], match["type"]


def is_valid_tag(tag: str) -> bool:
    try:
        parse_tag(tag)
    except ValueError:
        return False
    return True


def detect_scheme(sequences: Iterable[Sequence[str]]) -> Scheme:
    """Guess the scheme of a whole file.

    BIOES if any E-/S-/L-/U- appears. IOB1 if entities are started by `I-` and `B-` is only ever used
    to separate two adjacent entities of the same type; otherwise IOB2 (where a stray `I-` is an error).
    """
    i_starts = 0
    b_after_other = 0
    for tags in sequences:
        previous: str | None = None
        for tag in tags:
            prefix, kind = parse_tag(tag)
            if prefix in _BIOES_PREFIXES:
                return "BIOES"
            continues = previous == kind and kind is not None
            if prefix == "I" and not continues:
                i_starts += 1
            elif prefix == "B" and not continues:
                b_after_other += 1
            previous = kind
    return "IOB1" if i_starts and not b_after_other else "IOB2"


def to_iob2(tags: Sequence[str], scheme: Scheme = "IOB2") -> tuple[list[str], list[Repair]]:
    """Normalise one sentence to IOB2, returning the new tags and the repairs that were not mere
    scheme conversion (in IOB1, `I-` starting an entity is correct, so it is converted silently).
    `UNKNOWN` stays: a corpus nerkit wrote from a recipe reads back with its unlabelled words."""
    out: list[str] = []
    repairs: list[Repair] = []
    previous_type: str | None = None
    previous_prefix = OUTSIDE
    for index, tag in enumerate(tags):
        prefix, kind = parse_tag(tag)
        if kind is None:
            out.append(prefix)
            previous_type, previous_prefix = None, OUTSIDE
            continue
        inside_same = previous_type == kind and previous_prefix not in {"E", "S", "L", "U"}
        if prefix in {"B", "S", "U"}:
            new_prefix = "B"
        elif inside_same:
            new_prefix = "I"
        else:
            new_prefix = "B"
            if not (scheme == "IOB1" and prefix == "I"):
                kind_name = "I- that follows nothing" if prefix == "I" else f"{prefix}- without a start"
                repairs.append(Repair(index, kind_name, tag, f"B-{kind}"))
        out.append(f"{new_prefix}-{kind}")
        previous_type, previous_prefix = kind, prefix
    return out, repairs


def spans(tags: Sequence[str]) -> list[Span]:
    """Word spans of a valid IOB2 sequence."""
    found: list[Span] = []
    start: int | None = None
    kind: str | None = None
    for index, tag in enumerate([*tags, OUTSIDE]):
        prefix, tag_type = parse_tag(tag)
        if start is not None and (prefix != "I" or tag_type != kind):
            assert kind is not None
            found.append((start, index, kind))
            start, kind = None, None
        if prefix == "B" or (prefix == "I" and start is None):
            start, kind = index, tag_type
    return found


def tags_from_spans(length: int, word_spans: Iterable[Span]) -> list[str]:
    tags = [OUTSIDE] * length
    for start, end, kind in word_spans:
        tags[start] = f"B-{kind}"
        for index in range(start + 1, end):
            tags[index] = f"I-{kind}"
    return tags


def entity_types(sequences: Iterable[Sequence[str]]) -> list[str]:
    found = {parse_tag(tag)[1] for tags in sequences for tag in tags}
    return sorted(kind for kind in found if kind is not None)


def label_list(types: Iterable[str]) -> list[str]:
    """The model's output labels: `O` first, then `B-`/`I-` pairs in sorted type order, so the same
    types always give the same ids."""
    labels = [OUTSIDE]
    for kind in sorted(set(types)):
        labels += [f"B-{kind}", f"I-{kind}"]
    return labels


READABLE_NAMES: dict[str, str] = {
    "geo": "LOCATION",
    "gpe": "NRP",
    "per": "PERSON",
    "org": "ORGANIZATION",
    "tim": "DATE_TIME",
    "art": "ARTIFACT",
    "eve": "EVENT",
    "nat": "NATURAL_PHENOMENON",
    "PER": "PERSON",
    "LOC": "LOCATION",
    "ORG": "ORGANIZATION",
    "MISC": "MISC",
}
"""Names users understand for the corpus codes nerkit knows (GMB and CoNLL-2003); other types keep
their own name. GMB's `gpe` is mostly nationalities ("Iraqi", "British"), so it takes Presidio's NRP
(nationalities, religious and political groups); the countries it also holds are shown as LOCATION
(`conventions`)."""


def readable_names(types: Iterable[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    names = {kind: READABLE_NAMES.get(kind, kind) for kind in types}
    return names | dict(overrides or {})


def allowed_transitions(labels: Sequence[str]) -> tuple[list[bool], list[list[bool]]]:
    """Which labels may start a sentence, and which may follow which, in IOB2: `I-x` only after
    `B-x` or `I-x`; everything else anywhere."""
    parsed = [parse_tag(label) for label in labels]
    start = [prefix != "I" for prefix, _ in parsed]
    follows = [
        [prefix != "I" or previous_type == kind for prefix, kind in parsed] for _, previous_type in parsed
    ]
    return start, follows


def span_score(word_scores: Sequence[float], start: int, end: int) -> float:
    """An entity's score: the mean of its words' (what `Entity.score`, calibration and the report read)."""
    return sum(word_scores[start:end]) / (end - start)
