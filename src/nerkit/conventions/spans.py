"""What the convention rules of several kinds share: the name types, the characters an entity's edges
shed, the dash a name ends before, the items of a list, and whether a span is already found."""

from __future__ import annotations

import re
from collections.abc import Iterable

from nerkit.entities import Entity

NAME_TYPES = {"PERSON", "ORGANIZATION", "LOCATION", "NRP"}
EDGE = "\"'`.,;:!?()[]{}<>«»\u201c\u201d\u2018\u2019-\u2013\u2014/\\|*#@ \t\r\n"
SPACED_DASH = re.compile(r"\s[-\u2013\u2014]\s")
"""A name ends before a dash between spaces: "Clean Rivers Alliance - Volunteer update" is a title."""
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;]|\band\b)\s*")


def items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The items of a list in `text[start:end]`, split at commas, semicolons and "and"."""
    found, left = [], start
    for separator in _LIST_SEPARATOR.finditer(text, start, end):
        found.append((left, separator.start()))
        left = separator.end()
    return [*found, (left, end)]


def covered(entities: Iterable[Entity], start: int, end: int) -> bool:
    """Whether any of `entities` overlaps `[start, end)`: a rule that adds a name adds it only where
    nothing was found."""
    return any(entity.start < end and start < entity.end for entity in entities)
