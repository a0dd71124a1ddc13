"""Places and what only looks like one: GMB's `gpe` told apart into countries and nationalities, the town
of a site named by it, streets with house numbers (addresses are not annotated), and the parts of a
postal address that say a name is a town or a state ("Norwich" above "NR2 3AX", "ME" of "Portland, ME
04101"). Named so as not to be taken for `nerkit.places`, the place lists these rules ask."""

from __future__ import annotations

import re
from dataclasses import replace

from nerkit import places
from nerkit.conventions.spans import SPACED_DASH, covered
from nerkit.entities import Entity

PEOPLES = {"NRP", "GPE"}
"""GMB's `gpe`, shown as NRP (GPE by models trained before nerkit 0.3): nationalities, and countries."""
_COUNTRY_CODE = re.compile(r"(?:[A-Z]\.){2,3}|[A-Z]{2,3}")


def is_country(text: str, start: int, end: int) -> bool:
    """A country, state or city (or a country's initials: "UK", "U.S.") is a LOCATION whichever GMB tag
    the model learnt it from; the rest of `gpe` is nationalities, religions and political groups."""
    return places.is_any_place(text[start:end]) or bool(_COUNTRY_CODE.fullmatch(text, start, end))


_FACILITY = re.compile(
    r"\s+(?:warehouse|depot|office|offices|plant|store|site|branch|hub|factory|facility|campus|headquarters)$",
    re.IGNORECASE,
)
"""A site named by its town ("our Dallas warehouse", "the Sheffield office"): the town is the place."""


def town_of_site(text: str, start: int, end: int) -> int | None:
    """Where the town ends in a name of a site named by its town (`_FACILITY`); None for any other name."""
    site = _FACILITY.search(text, start, end)
    return site.start() if site and places.is_place(text[start : site.start()]) else None


_STREET_WORD = re.compile(
    r"(?:\w+(?:stra(?:ß|ss)e|str\.|gasse|allee|weg|platz)|.*\s(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Boulevard"
    r"|Blvd\.?|Drive|Way|Rue|Via|Calle))$",
    re.IGNORECASE,
)
_HOUSE_NUMBER_AFTER = re.compile(r"[ \t]+\d{1,4}[a-z]?\b")
_HOUSE_NUMBER_BEFORE = re.compile(r"\b\d{1,4}[a-z]?[ \t]+$")
_HOUSE_NUMBER_FIRST = re.compile(r"\d{1,4}[a-z]?[ \t]+")


def street(text: str, start: int, end: int) -> bool:
    """A street with its house number ("Flughafenstraße 12", "18 Elm Street"), the number inside the
    span or beside it: part of an address, which nerkit does not annotate, not a place."""
    number_first = _HOUSE_NUMBER_FIRST.match(text, start, end)
    number_last = _HOUSE_NUMBER_AFTER.search(text, start, end)
    name_start = number_first.end() if number_first else start
    name_end = number_last.start() if number_last and number_last.end() == end else end
    if not _STREET_WORD.match(text, name_start, name_end):
        return False
    return bool(
        name_start > start
        or name_end < end
        or _HOUSE_NUMBER_AFTER.match(text, end)
        or _HOUSE_NUMBER_BEFORE.search(text, max(start - 6, 0), start)
    )


_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}"
_POSTCODE = re.compile(rf"\s+{_UK_POSTCODE}\b")
"""A British postcode at a name's end, whole or its first half ("Manchester M1 3HE", "Bristol BS1" of
"Bristol BS1 4DJ"): the name is the town of an address."""
_POSTCODE_AFTER = re.compile(rf"[ \t]*\n?[ \t]*{_UK_POSTCODE}\b")
"""The same postcode just outside the name, on its line or the next ("Norwich" above "NR2 3AX")."""
_TOWN_BEFORE_POSTCODE = re.compile(
    rf"(?P<town>[A-Z][a-z]+(?:[ \t-][A-Z][a-z]+){{0,2}}),?[ \t]+{_UK_POSTCODE}\b"
)
_STATE_BEFORE_POSTCODE = re.compile(
    r"(?:(?<=,[ \t])|(?<=[a-z][ \t]))(?P<state>[A-Z]{2,3})[ \t]+"
    r"(?P<postcode>\d{5}(?:-\d{4})?|\d{4}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)\b"
)
"""A state's postal code and a postcode after a town: "Portland, ME 04101", "Balmain NSW 2041"."""


def before_address_parts(text: str, entity: Entity, start: int, end: int) -> tuple[Entity, int]:
    """A name ends before a spaced dash, and before a postcode, which makes it a place, as does a
    postcode after it on its line or the next ("Norwich" above "NR2 3AX")."""
    dash = SPACED_DASH.search(text, start, end)
    end = dash.start() if dash else end
    postcode = _POSTCODE.search(text, start, end + len(" 4DJ"))  # room for a postcode's second half
    if postcode is not None and start < postcode.start() < end <= postcode.end():
        return replace(entity, label="LOCATION"), postcode.start()
    if _POSTCODE_AFTER.match(text, end):
        return replace(entity, label="LOCATION"), end
    return entity, end


def postcode_towns(text: str, entities: list[Entity]) -> list[Entity]:
    """A known town before a British postcode is the address's place, also where the model found
    nothing ("Bristol BS1 4DJ" below a street): the last one, two or three capitalised words before it
    that name a place (`places.is_place`) and that no entity covers."""
    found = []
    for match in _TOWN_BEFORE_POSTCODE.finditer(text):
        words = list(re.finditer(r"\S+", match.group("town")))
        offset = match.start("town")
        end = match.end("town")
        for word in words:
            start = offset + word.start()
            if places.is_place(text[start:end]):
                if not covered(entities, start, end):
                    explanation = {"recognizer": "LOCATION", "check": "a town before a postcode"}
                    found.append(
                        Entity(
                            start, end, "LOCATION", text[start:end], 0.9, "pattern", explanation=explanation
                        )
                    )
                break
    return sorted([*entities, *found]) if found else entities


def state_codes(text: str, entities: list[Entity]) -> list[Entity]:
    """A state written as its postal code between a town and a postcode is a LOCATION ("Portland, ME
    04101", "Balmain NSW 2041"), and so is the name that runs into it: the model's ORGANIZATION
    "Balmain NSW" is the town "Balmain" and the state "NSW". The postcode is no entity (the model read
    the 2026 of "Bondi NSW 2026" as a year)."""
    for match in _STATE_BEFORE_POSTCODE.finditer(text):
        if not places.is_state_code(match.group("state"), match.group("postcode")):
            continue
        postcode = match.span("postcode")
        entities = [e for e in entities if (e.start, e.end) != postcode or e.source == "pattern"]
        start, end = match.span("state")
        covering = [entity for entity in entities if entity.start < end and start < entity.end]
        explanation = {"recognizer": "LOCATION", "check": "a state before a postcode"}
        state = Entity(start, end, "LOCATION", text[start:end], 0.9, "pattern", explanation=explanation)
        if not covering:
            entities = sorted([*entities, state])
        elif len(covering) == 1 and (covering[0].start, covering[0].end) == (start, end):
            entities = [replace(e, label="LOCATION") if e is covering[0] else e for e in entities]
        elif len(covering) == 1 and covering[0].start < start and covering[0].end == end:
            town = covering[0]
            stop = town.start + len(text[town.start : start].rstrip(", \t"))
            town = replace(town, end=stop, text=text[town.start : stop], label="LOCATION")
            entities = sorted([*(e for e in entities if e is not covering[0]), town, state])
    return entities
