"""A document's entities grouped by what they refer to: "which people and organisations does this
document mention, and how often".

Mentions join a group when their normalised text is the same (case, spacing and a possessive "'s"
ignored; whatever label each got, the group takes the most common), or when they are a short form of
a longer name seen in the document: a surname or first name of a PERSON ("David Chen" ... "Chen"), an
ORGANIZATION without its legal suffix or with words left out at the end ("Siemens AG" ... "Siemens"),
an acronym of an organisation ("World Health Organization" ... "WHO"). A short form that fits two
different groups joins neither, rather than guess.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nerkit.entities import Entity
from nerkit.patterns import LEGAL_FORM

GROUPED = ("PERSON", "ORGANIZATION", "LOCATION", "NRP")
"""Labels whose short forms refer back to a longer mention; other labels group by exact text."""
_LEGAL = re.compile(rf"(?:,?\s+{LEGAL_FORM})+$")


@dataclass
class Group:
    """One thing a document mentions: its fullest name, its label, and every mention's offsets."""

    name: str
    label: str
    mentions: list[tuple[int, int]] = field(default_factory=list)
    labels: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.mentions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "count": self.count,
            "first": self.mentions[0][0],
            "offsets": [list(offsets) for offsets in self.mentions],
        }


def summarize(entities: Sequence[Entity]) -> list[Group]:
    """Groups in order of first mention. The label of a group is its mentions' most common label (ties
    go to the longest mention's)."""
    groups: list[Group] = []
    keys: dict[str, Group] = {}
    for entity in sorted(entities, key=lambda e: (-len(_words(e.text)), e.start)):
        key = _normal(entity.text)
        group = keys.get(key) or _longer_form(entity, groups)
        if group is None:
            group = Group(entity.text, entity.label)
            groups.append(group)
        keys.setdefault(key, group)
        group.mentions.append((entity.start, entity.end))
        group.labels[entity.label] += 1
    for group in groups:
        group.mentions.sort()
        group.label = max(group.labels, key=lambda label: (group.labels[label], label == group.label))
    return sorted(groups, key=lambda group: group.mentions[0])


def _longer_form(entity: Entity, groups: list[Group]) -> Group | None:
    if entity.label not in GROUPED:
        return None
    short = _words(_normal(entity.text))
    fits = [g for g in groups if g.label == entity.label and _short_form(short, g, entity.label)]
    return fits[0] if len(fits) == 1 else None


def _short_form(short: list[str], group: Group, label: str) -> bool:
    full = _words(_normal(group.name))
    if len(short) >= len(full) or not short:
        return False
    if label == "PERSON":
        return len(short) == 1 and short[0] in (full[0], full[-1])
    bare = _words(_normal(_LEGAL.sub("", group.name)))
    if short == bare[: len(short)]:
        return True
    initials = "".join(word[0] for word in bare if word not in ("of", "and", "the", "for"))
    return len(short) == 1 and len(short[0]) >= 2 and short[0] == initials


def _normal(text: str) -> str:
    return re.sub(r"['\u2019]s$", "", " ".join(text.split())).casefold()


def _words(text: str) -> list[str]:
    return text.replace(".", " ").split()
