"""`conform`, the span conventions applied to the merged entities one by one, in the order that
`RULES` lists them: a span cut into the parts it holds (a list, a place after an organization's legal
suffix, a date and its place), its edges trimmed, its type corrected and its label's edges applied,
then the rules that read neighbouring entities. Each kind of rule lives in its own module; this one
holds the order and what every span goes through."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from nerkit import places
from nerkit.conventions.dates import date_edges, date_parts
from nerkit.conventions.names import SIGN_OFF, untitled
from nerkit.conventions.organizations import (
    LEGAL_SUFFIX,
    employers,
    only_a_title,
    organization_or_place,
    placed,
    with_legal_suffix,
)
from nerkit.conventions.rules import check
from nerkit.conventions.spans import EDGE, NAME_TYPES, items
from nerkit.conventions.whereabouts import (
    PEOPLES,
    before_address_parts,
    is_country,
    postcode_towns,
    state_codes,
    street,
    town_of_site,
)
from nerkit.entities import Entity

_ABBREVIATION = re.compile(
    r"(?:\b(?:Corp|Inc|Ltd|Co|Bros|Mfg|Intl|Assn|Dept|Univ|Jr|Sr|St|Ave|Rd|Blvd|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep"
    r"|Sept|Oct|Nov|Dec|Esq|Plc|Gov|Gen|Mt|Ft)|(?:\b[A-Za-z]\.)+[A-Za-z]|(?<=\s)[A-Z])\.$"
)
_CLOSING = {"(": ")", "[": "]", "{": "}"}
_OPENING = {closing: opening for opening, closing in _CLOSING.items()}
_DETERMINER = re.compile(r"(?:(?:[Tt]he|THE|[Aa]n?|of|for|at|from|by|with|to|in|IN|on)\s+)+")
"""An article or a lowercase preposition the model took in before a name: "the board of Siemens"."""
_LIST_COMMA = re.compile(r",\s+")
_NEIGHBOURS = (
    ("placed", placed),
    ("employers", employers),
    ("postcode-towns", postcode_towns),
    ("state-codes", state_codes),
)
"""The rules that read an entity's neighbours, in the order they run, after every span is conformed."""


def conform(
    text: str, entities: Sequence[Entity], keep_titles: bool = False, skip: frozenset[str] = frozenset()
) -> list[Entity]:
    """Apply the span conventions of docs/conventions.md: no entity starts or ends with punctuation or
    whitespace (a period that ends an abbreviation stays: "Corp.", "M.D."); PERSON leaves out greetings,
    honorifics and titles ("Hi", "Dr.", "President") unless `keep_titles`; ORGANIZATION takes the legal suffix
    that follows it ("Siemens AG") and ends at one followed by a comma ("Siemens AG, Munich"); ORGANIZATION
    and LOCATION split at list commas (`_parts`) and a name with an organization's word ("Café", "University",
    "Logistics") is one, and an ORGANIZATION that is only the name of a business region, a country or a city
    of a million people is that place ("Nordics", "Munich"); a DATE_TIME that is only a count takes the unit
    after it ("six" in "within six weeks"), one takes the modifier the model left before it ("next" of "the
    next three years"), and one of digits is a date's shape or no date ("2025/114"). Pattern matches are kept
    as their recognizers found them. An entity with nothing left is dropped. The rules named in `skip`
    (`RULES`) are left out."""
    check(skip)
    kept = []
    for whole in entities:
        if whole.source == "pattern":
            kept.append(whole)  # a format's own characters, as in (415) 555-0143
            continue
        for entity in _parts(text, whole, skip):
            start, end = _trim(text, entity.start, entity.end, skip)
            if entity.label in PEOPLES:
                located = "country" not in skip and is_country(text, start, end)
                entity = replace(entity, label="LOCATION" if located else "NRP")
            if entity.label in NAME_TYPES:
                town = town_of_site(text, start, end) if "facility" not in skip else None
                if town is not None:
                    end, entity = town, replace(entity, label="LOCATION")
                entity = organization_or_place(text, entity, start, end, skip)
                if ("street" not in skip and street(text, start, end)) or (
                    "sign-off" not in skip and SIGN_OFF.fullmatch(text, start, end)
                ):
                    continue
                if "address-parts" not in skip:
                    entity, end = before_address_parts(text, entity, start, end)
            if entity.label == "PERSON" and not keep_titles:
                start, end = untitled(text, start, end, skip)
            elif entity.label == "ORGANIZATION":
                end = with_legal_suffix(text, start, end) if "legal-suffix" not in skip else end
                if only_a_title(text, start, end, skip):
                    continue
            elif entity.label == "DATE_TIME":
                start, end = date_edges(text, start, end, skip)
            one_letter = end - start == 1 and (text[start].islower() or entity.label in NAME_TYPES)
            if one_letter and "one-letter" not in skip:
                continue  # no name is one letter: chat's "u", "r", a unit's "M" after a code's digits
            if end > start and (start, end) != (entity.start, entity.end):
                entity = replace(entity, start=start, end=end, text=text[start:end])
            if end > start:
                kept.append(entity)
    found = _apart(text, kept, skip)
    for name, rule in _NEIGHBOURS:
        found = found if name in skip else rule(text, found)
    return found


def _parts(text: str, entity: Entity, skip: frozenset[str]) -> list[Entity]:
    """A DATE_TIME may be a date and a place, or two dates (`date_parts`). An ORGANIZATION or LOCATION
    never holds a list: "Doctoral Office, University of Bologna" and "Munich, Germany" are two, and known
    places joined by "and" are places ("Kisumu and Eldoret"); each then held to its label's conventions
    (so "Senior Data Scientist, Allegro" keeps only Allegro). A comma before a legal suffix separates
    nothing ("Co., Ltd."); one after it does, and what follows is a place ("Siemens AG, Munich": `placed`)
    unless it ends in a legal suffix of its own (another organization)."""
    if entity.label == "DATE_TIME":
        return date_parts(text, entity, skip)
    if entity.label not in ("ORGANIZATION", "LOCATION"):
        return [entity]
    listed = items(text, entity.start, entity.end)
    if "place-list" not in skip and len(listed) > 1 and all(places.is_place(text[a:b]) for a, b in listed):
        return [replace(entity, start=a, end=b, text=text[a:b], label="LOCATION") for a, b in listed]
    pieces, start = [], entity.start
    commas = _LIST_COMMA.finditer(text, entity.start, entity.end) if "list-split" not in skip else ()
    for comma in commas:
        if entity.label == "ORGANIZATION" and LEGAL_SUFFIX.match(text, comma.start()):
            continue
        pieces.append((start, comma.start()))
        start = comma.end()
    pieces.append((start, entity.end))
    if pieces == [(entity.start, entity.end)]:
        return [entity]
    return [replace(entity, start=a, end=b, text=text[a:b]) for a, b in pieces if b > a]


def _trim(text: str, start: int, end: int, skip: frozenset[str]) -> tuple[int, int]:
    """Edges without punctuation ("trim"), but a bracket stays when its partner is inside: `(415)
    555-0143`; an entity ends before a bracket it opens and does not close ("14:00-16:00 (CET"). No
    article or lowercase preposition starts it ("determiner")."""
    trim = "trim" not in skip
    opened = text.rfind("(", start, end) if trim else -1
    if opened > start and text.find(")", opened, end) < 0:
        end = opened
    while trim and start < end and text[start] in EDGE:
        if text[start] in _CLOSING and _CLOSING[text[start]] in text[start + 1 : end]:
            break
        start += 1
    determiner = _DETERMINER.match(text, start, end) if "determiner" not in skip else None
    start = determiner.end() if determiner and determiner.end() < end else start
    while trim and end > start and text[end - 1] in EDGE:
        if text[end - 1] == "." and _ABBREVIATION.search(text, start, end):
            break
        if text[end - 1] in _OPENING and _OPENING[text[end - 1]] in text[start : end - 1]:
            break
        end -= 1
    return start, end


def _apart(text: str, entities: list[Entity], skip: frozenset[str]) -> list[Entity]:
    """Entities in text order that do not overlap ("apart"): an entity that grew over the next one (a
    legal suffix the model tagged alone: "Sharma Textiles Pvt" + "Ltd." gives "Sharma Textiles Pvt.
    Ltd.") takes it in, and one it grew into part of keeps only what is left of it."""
    apart: list[Entity] = []
    for entity in sorted(entities, key=lambda entity: (entity.start, -entity.end)):
        if "apart" not in skip and apart and entity.start < apart[-1].end:
            if entity.end <= apart[-1].end:
                continue
            start, end = _trim(text, apart[-1].end, entity.end, skip)
            if end <= start:
                continue
            entity = replace(entity, start=start, end=end, text=text[start:end])
        apart.append(entity)
    return apart
