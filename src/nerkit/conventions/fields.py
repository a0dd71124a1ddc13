"""What a document's layout says a name is: the type a header field gives the names of its value
("Employee: Kwame Mensah" is a person, "Languages: Spanish, German" names nobody), and the type a
table's column gives its cells ("Amara Nwosu" in a column of people). A model reading two words with
no sentence around them guesses; the field's name and the column know (`layout`)."""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from nerkit import places
from nerkit.conventions.names import TITLE
from nerkit.conventions.organizations import ENDS_LEGAL, JOB_TITLE, ORGANIZATION_WORD
from nerkit.conventions.rules import check
from nerkit.conventions.spans import NAME_TYPES, covered, items
from nerkit.entities import Entity

_ITEM_TAIL = re.compile(r"\s*(?:\([^()]*\))?[\s.]*")
_NAME_WORD = r"[A-Z](?:[a-z]+(?:[A-Z][a-z]+)?|['\u2019][A-Z][a-z]+)(?:-[A-Z]?[a-z]+)*"
_PLAIN_NAME = re.compile(rf"{_NAME_WORD}(?: {_NAME_WORD}){{1,2}}")
"""Two or three capitalised words, as a person's name is written in a form."""
_LEADING_TITLE = re.compile(rf"\s*{TITLE.pattern}\s*|\s+", re.IGNORECASE)


def typed(
    text: str,
    entities: Sequence[Entity],
    fields: Iterable[tuple[int, int, str]],
    skip: frozenset[str] = frozenset(),
) -> list[Entity]:
    """A name the model found as a whole item of a typed field's value (`layout.FIELD_LABELS`) takes
    the field's type: "Employee: Kwame Mensah" is a person and "Employer: Cartus" an organization,
    however the model reads two words with no sentence around them. A people field lists people
    (split at commas, semicolons and "and", also inside a name the model ran across them); an item may
    start with titles ("Mr Girard") and end in a remark in brackets ("Claire Dubois (chair)"). Only
    model entities of name types change, and only to another name type; a field of no names (`label`
    "": languages, skills) drops them. `skip` leaves out the types ("typed-fields"), the split of a name
    run across a people field's items ("field-list") and the people found in items the model left empty
    ("field-people")."""
    check(skip)
    fields = list(fields)
    retype = "typed-fields" not in skip
    if "field-list" not in skip:
        people = [(start, end) for start, end, label in fields if label == "PERSON"]
        entities = [part for entity in entities for part in _listed_people(text, entity, people)]
    relabel: dict[tuple[int, int], str] = {}
    names = sorted(e for e in entities if e.source == "model" and e.label in NAME_TYPES)
    starts = [entity.start for entity in names]

    def within(left: int, right: int) -> list[Entity]:
        return names[bisect.bisect_left(starts, left) : bisect.bisect_left(starts, right)]

    found: list[Entity] = []
    for start, end, label in fields:
        if not label:
            if retype:
                relabel.update({(entity.start, entity.end): "" for entity in within(start, end)})
            continue
        for left, right in items(text, start, end) if label == "PERSON" else [(start, end)]:
            inside = within(left, right)
            alone = inside[0] if len(inside) == 1 else None
            if alone and alone.label != label and _fills(text, left, right, alone):
                if retype:
                    relabel[(alone.start, alone.end)] = label
            elif label == "PERSON" and "field-people" not in skip and not covered(entities, left, right):
                found += _field_person(text, left, right)
    kept = []
    for entity in entities:
        label = relabel.get((entity.start, entity.end), entity.label)
        if label:
            kept.append(replace(entity, label=label) if label != entity.label else entity)
    return sorted(kept + found) if found else kept


def _listed_people(text: str, entity: Entity, people: list[tuple[int, int]]) -> list[Entity]:
    """A model name inside a people field that runs across the list's separators ("Marc Lefevre and
    Aoife") is one name per item."""
    if entity.source != "model" or entity.label not in NAME_TYPES:
        return [entity]
    if not any(start <= entity.start and entity.end <= end for start, end in people):
        return [entity]
    parts = items(text, entity.start, entity.end)
    if len(parts) == 1:
        return [entity]
    return [
        replace(entity, start=left, end=right, text=text[left:right]) for left, right in parts if right > left
    ]


def _fills(text: str, start: int, end: int, entity: Entity) -> bool:
    """Whether `entity` is all of `text[start:end]` but for titles before it and a bracketed remark
    after it."""
    if entity.end > end:
        return False
    position = start
    while position < entity.start:
        title = TITLE.match(text, position, entity.start)
        if text[position].isspace():
            position += 1
        elif title is not None:
            position = title.end()
        else:
            return False
    return _ITEM_TAIL.fullmatch(text, entity.end, end) is not None


def _field_person(text: str, start: int, end: int) -> list[Entity]:
    """A people field's item the model left empty that is written as a name ("Interviewer: George
    Mills"), after its titles and before a bracketed remark, and that names no organization, place or
    title: the field says it is a person."""
    position = start
    while (title := _LEADING_TITLE.match(text, position, end)) is not None:
        position = title.end()
    name = _PLAIN_NAME.match(text, position, end)
    if name is None or _ITEM_TAIL.fullmatch(text, name.end(), end) is None:
        return []
    words = name.group()
    unnamed = ORGANIZATION_WORD.search(words) or JOB_TITLE.search(words) or ENDS_LEGAL.search(words)
    unnamed = unnamed or places.is_place(words)
    if unnamed or any(map(TITLE.fullmatch, words.split())):
        return []
    explanation = {"recognizer": "field", "check": "a people field's item written as a name"}
    return [Entity(name.start(), name.end(), "PERSON", words, 0.85, "pattern", explanation=explanation)]


def columns(
    text: str,
    entities: Sequence[Entity],
    cells: Iterable[tuple[int, int]],
    skip: frozenset[str] = frozenset(),
) -> list[Entity]:
    """A table's column holds one type of name: a model name that fills its cell takes the type most
    names filling cells of its column have, when at least two agree and no other type ties ("09:30
    Amara Nwosu   Data Analyst" in a schedule whose other rows name people). A column is the cells
    that start at the same offset in the lines of two or more cells of one block (column-padded
    tables, `layout`). Nothing changes when `skip` holds "columns"."""
    check(skip)
    if "columns" in skip:
        return list(entities)
    blank_lines = [match.end() for match in re.finditer("\n\n", text)]
    rows: defaultdict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for start, end in cells:
        block = bisect.bisect_right(blank_lines, start)
        rows[(block, text.rfind("\n", 0, start) + 1)].append((start, end))
    names = {(e.start, e.end): e for e in entities if e.source == "model" and e.label in NAME_TYPES}
    votes: defaultdict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    filled: dict[tuple[int, int], tuple[int, int]] = {}
    for (block, line), row in rows.items():
        for cell in row if len(row) >= 2 else []:
            if cell in names:
                column = (block, cell[0] - line)
                votes[column][names[cell].label] += 1
                filled[cell] = column
    relabel = {}
    for cell, column in filled.items():
        (top, count), *rest = votes[column].most_common()
        if count >= 2 and (not rest or rest[0][1] < count) and names[cell].label != top:
            relabel[cell] = top
    return [
        replace(entity, label=relabel[(entity.start, entity.end)])
        if (entity.start, entity.end) in relabel
        else entity
        for entity in entities
    ]
