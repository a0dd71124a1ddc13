"""Dates and times: where a DATE_TIME span starts and ends (not the preposition before it nor the next
clause's word after it, with the unit of its count and its relative modifier), which digits are a date,
and the spans the model read as one date that are a date and a place ("Gothenburg, 4 August 2025",
"14:00 Zurich time") or two dates ("January 12 to May 8, 2026")."""

from __future__ import annotations

import re
from dataclasses import replace

from nerkit.conventions.spans import SPACED_DASH
from nerkit.entities import Entity
from nerkit.patterns import CALENDAR_NAME, COUNT, DATE_PATTERN, RELATIVE_MODIFIER, TIME_UNIT, UNIT_QUALIFIER

_LEADING_WORDS = (
    r"since|until|till|by|on|at|within|between|from|before|after|during|in|another"
    r"|ending|starting|commencing|effective"
)
"""Words that lead to a date without being part of it ("the tax year ending 5 April 2025"; not
"beginning", which names a date's part: "the beginning of May")."""
_PREPOSITION = re.compile(rf"(?:{_LEADING_WORDS})\s+", re.IGNORECASE)
_FUNCTION_WORD = re.compile(rf"(?:{_LEADING_WORDS}|and|to|or|the|of)", re.IGNORECASE)
"""A date the merge left with only a word around it ("between", "from"): no date at all."""
_MODIFIER = re.compile(
    rf"(?<![\w-])(?:{RELATIVE_MODIFIER}|(?<=this )coming|(?<=the )coming)[ \t]+$", re.IGNORECASE
)
"""A relative date's modifier, which the model sometimes leaves before it: "over the next three years"
("coming" only after "this" or "the": "engineers are coming tuesday")."""
_TRAILING_WORD = re.compile(r"\s+(?:between|and|to|from|on|in|by|until|till|or|at)$", re.IGNORECASE)
"""A date the model ran into the next clause: "3 March 2025 between"."""
_COUNT = re.compile(rf"(?:{COUNT}|a|an|a few|several)", re.IGNORECASE)
_EACH = re.compile(r"\b(?:each|every)$", re.IGNORECASE)
"""A recurring date the model cut before its unit: "the first day of each" month."""
_UNIT = re.compile(rf"\s+(?:{UNIT_QUALIFIER})?{TIME_UNIT}s?\b", re.IGNORECASE)
"""A duration's unit after its count, which the model sometimes leaves out: "within six weeks"."""
_NUMERIC = re.compile(r"[\d\s./:,\u2013-]+")
_DATE_PART = (
    r"(?:\d{1,2}(?:[./-]\d{1,2}(?:[./-]\d{2}(?:\d{2})?)?|[./-](?:1\d|20)\d\d|:\d\d(?::\d\d)?)?"
    r"|(?:1\d|20)\d\d(?:[./-]\d{1,2}){0,2})"
)
_NUMERIC_DATE = re.compile(rf"{_DATE_PART}(?:(?:\s*[\u2013-]\s*|,?\s+){_DATE_PART})*")
"""What a date written in digits alone looks like ("5/4", "05.04.2025", "2025-04", "04/2025", "2019",
"10:30", "2015 - 2019"); a model DATE_TIME of digits in another shape ("tender 2025/114", "2,000") is
a number."""
_NUMBER_OF = re.compile(r"([\d./-]+)\s+of\s+")
_RANGE_END = re.compile(rf"{DATE_PATTERN}|{_DATE_PART}|present|now|today|current|ongoing", re.IGNORECASE)
"""What may follow a range's dash: a date, digits in a date's shape, or "present"."""
_CITY_TIME = re.compile(r"\s+(?P<city>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+time$")
"""A time given in a city's zone: "14:00 Zurich time" is a time and a place."""
_DATELINE = re.compile(
    rf"(?P<place>(?!{CALENDAR_NAME},)"
    r"[A-Z][\w'.-]+(?:[ -][A-Z][\w'.-]+){0,2}),[ \t]+"
)
"""A letter's or a story's dateline, a place before its date: "Gothenburg, 4 August 2025"."""
_DATE = re.compile(DATE_PATTERN)
_DATE_JOINT = re.compile(r"\s+(?:to|until|till|through|and)\s+")
"""Between two dates the model read as one: "January 12 to May 8, 2026" is two (a dash keeps one range)."""


def date_parts(text: str, entity: Entity, skip: frozenset[str]) -> list[Entity]:
    """A time in a city's zone is a time and a place ("city-time": "14:00 Zurich time"), and so is a
    dateline ("dateline": "Gothenburg, 4 August 2025": the place, then a whole date; not "Monday, 4
    August"); two whole dates joined by "to", "until" or "and" are two ("date-joint": "January 12 to May
    8, 2026")."""
    zone = _CITY_TIME.search(text, entity.start, entity.end) if "city-time" not in skip else None
    if zone is not None and zone.start() > entity.start:
        return _date_and_place(text, entity, (entity.start, zone.start()), zone.span("city"))
    line = _DATELINE.match(text, entity.start, entity.end) if "dateline" not in skip else None
    if line is not None and _DATE.fullmatch(text, line.end(), entity.end):
        return _date_and_place(text, entity, (line.end(), entity.end), line.span("place"))
    if "date-joint" in skip:
        return [entity]
    preposition = _PREPOSITION.match(text, entity.start, entity.end)
    first = preposition.end() if preposition else entity.start
    for joint in _DATE_JOINT.finditer(text, first, entity.end):
        if _DATE.fullmatch(text, first, joint.start()) and _DATE.fullmatch(text, joint.end(), entity.end):
            return [
                replace(entity, start=left, end=right, text=text[left:right])
                for left, right in ((entity.start, joint.start()), (joint.end(), entity.end))
            ]
    return [entity]


def _date_and_place(text: str, entity: Entity, date: tuple[int, int], place: tuple[int, int]) -> list[Entity]:
    return [
        replace(entity, start=date[0], end=date[1], text=text[slice(*date)]),
        replace(entity, start=place[0], end=place[1], text=text[slice(*place)], label="LOCATION"),
    ]


def date_edges(text: str, start: int, end: int, skip: frozenset[str]) -> tuple[int, int]:
    """A date without the preposition before it and the next clause's word after it ("date-edges"),
    without what follows a dash that starts no date ("date-range"), with the unit after its count or
    "each" and the relative modifier before it ("date-parts"), and without a number in no date's shape
    before "of" ("date-digits": "2025-118 of 3 October 2025"); empty (start == end) when it is digits in
    no date's shape ("date-digits") or a function word alone ("date-edges")."""
    if "date-edges" not in skip:
        preposition = _PREPOSITION.match(text, start, end)
        start = preposition.end() if preposition and preposition.end() < end else start
        trailing = _TRAILING_WORD.search(text, start, end)
        end = trailing.start() if trailing and trailing.start() > start else end
    dash = SPACED_DASH.search(text, start, end) if "date-range" not in skip else None
    if dash is not None and not _RANGE_END.fullmatch(text, dash.end(), end):
        end = dash.start()  # "2026 - Day 1": a title's dash, not a range's
    if "date-parts" not in skip:
        counted = _COUNT.fullmatch(text, start, end) or _EACH.search(text, start, end)
        unit = _UNIT.match(text, end) if counted else None
        end = unit.end() if unit else end
        modifier = _MODIFIER.search(text, max(start - 12, 0), start)
        start = modifier.start() if modifier else start
    if "date-digits" not in skip:
        numbered = _NUMBER_OF.match(text, start, end)
        if (
            numbered
            and not _NUMERIC_DATE.fullmatch(numbered.group(1))
            and _DATE.fullmatch(text, numbered.end(), end)
        ):
            start = numbered.end()  # "invoice 2025-118 of 3 October 2025": a document's number, then its date
        if _NUMERIC.fullmatch(text, start, end) and not _NUMERIC_DATE.fullmatch(text, start, end):
            return start, start
    if "date-edges" not in skip and _FUNCTION_WORD.fullmatch(text, start, end):
        return start, start
    return start, end
