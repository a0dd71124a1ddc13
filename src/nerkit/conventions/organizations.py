"""Organizations: the legal suffix a name takes and ends at, the words that make a name an
organization's, the spans that look like one but are a job title, a team or a document's title, and
the names the model read as places that a document's wording shows to be employers, or organizations
that stand where a place does."""

from __future__ import annotations

import re
from dataclasses import replace

from nerkit import places
from nerkit.entities import Entity
from nerkit.patterns import LEGAL_FORM

LEGAL_SUFFIX = re.compile(rf"(?:\.?,?[ \t]+{LEGAL_FORM})+")
ENDS_LEGAL = re.compile(LEGAL_SUFFIX.pattern + r"\W*$")
_SUFFIX_ENDS_LINE = re.compile(LEGAL_SUFFIX.pattern + r"(?=[ \t]*\n)")
"""A legal suffix at the end of its line ends the name: "Cascade Foods S.A.\nHeld in Lyon"."""
JOB_TITLE = re.compile(
    r"(?:(?:senior|junior|chief|managing|executive|general|head|lead|principal|deputy|assistant|vice|data"
    r"|sales|account|project|product|software|operating|financial|technology|marketing|finance|purchasing"
    r"|procurement|operations|hr|legal|regional|country|branch|plant|quality|research|business|customer|ux|ui"
    r"|service|support|communications|programme|program|protocol|events|office|press|security|safety"
    r"|compliance|risk|treasury|it|of|and|&)\s+)*"
    r"(?:director|manager|officer|analyst|engineer|scientist|executive|president|partner|consultant|assistant"
    r"|developer|accountant|secretary|coordinator|specialist|lead|head|chair|chairman|chairwoman|chairperson"
    r"|translator|interpreter|administrator|representative|advisor|adviser|architect|designer|editor"
    r"|principal|teacher|headteacher|headmaster|headmistress|lecturer|professor|dean|ceo|cfo|cto|coo|cio|cmo"
    r"|ciso|vp|svp|evp|gp|team|desk)s?",
    re.IGNORECASE,
)
"""An ORGANIZATION that is only a job title ("Managing Director", "Chief Operating Officer", "GP") or a
department's team ("Events team", "Operations Desk") is none."""
_DOCUMENT_TITLE = re.compile(
    r".*\b(?:Agreement|Report|Invoice|Notice|Summary|Contract|Minutes|Confirmation|Receipt|Statement|Memo"
    r"|Memorandum|Certificate|Proposal|Quotation)$",
    re.IGNORECASE,
)
"""An ORGANIZATION that names a kind of document ("Service Agreement", "LABORATORY REPORT") is a title."""
_JOINED_NAMES = re.compile(r"[^\W\d_][ ]?[&+][ ]?[^\W\d_]")
"""Names joined by "&" or "+" name a firm: "Kuehne+Nagel", "Procter & Gamble", "Smith & Partners"."""
ORGANIZATION_WORD = re.compile(
    r"\b(?:Café|Cafe|Restaurant|Bakery|Bistro|University|College|Institute|Academy|School|Clinic"
    r"|Association|Society|Council|Committee|Ministry|Department|Agency|Authority|Commission|Airlines"
    r"|Airways|Motors|Foods|Systems|Technologies|Solutions|Consulting|Logistics|Laboratories|Labs|Group"
    r"|Holdings|Company|Corporation|Industries|Organization|Organisation|Services|Insurance|Media"
    r"|Press|Network|Universidad|Universidade|Université|Universität|Universiteit|Università|Uniwersytet"
    r"|Klinik|Clínica|Clinica|Praxis|Imobiliária|Inmobiliaria|Immobilien|Hospitals?|Hotels?|Inn"
    r"|Medical Cent(?:re|er)|Health Cent(?:re|er))\b"
)
"""Words that make a name an organization's ("Café Lindner", "Meridian Logistics"), whatever the
model read it as: each is an organization's in nearly every GMB name that holds it ("Bank", "Union" and
"Party" are places too often: "West Bank", "Soviet Union"), or the same in another language (a
university, a clinic or doctor's practice, an estate agency: "Praxis am Markt", "Imobiliária Sol"), or
a business a document deals with as one: a hospital, a medical centre, a hotel or an inn ("St Olav's
Hospital", "Harbourside Inn"; GMB tags half its few hotels as places, the documents convention makes a
booking's hotel and a patient's hospital organizations)."""
_TEAM_AFTER = re.compile(r"[ \t]+(?:team|Team|TEAM)\b")
"""A name before "team" is an organization's, not a person's: "Hello Bellamy Farms team"."""
_LARGE_CITY = 1_000_000
"""A city this large read as an organization is the city: companies named after a town are named after
smaller ones (Toyota, Nokia)."""


def organization_or_place(text: str, entity: Entity, start: int, end: int, skip: frozenset[str]) -> Entity:
    """A name in `text[start:end]` holding an organization's word ("organization-word"), names joined by
    "&" or "+" ("joined-names") and a person's name before "team" ("team") are an ORGANIZATION; else an
    ORGANIZATION that is only the name of a business region, a country or a city of a million people
    ("only-a-place": "Nordics", "Munich"), with no legal suffix after it, is that place."""
    if (
        ("organization-word" not in skip and ORGANIZATION_WORD.search(text, start, end))
        or ("joined-names" not in skip and _JOINED_NAMES.search(text, start, end))
        or ("team" not in skip and entity.label == "PERSON" and _TEAM_AFTER.match(text, end))
    ):
        return replace(entity, label="ORGANIZATION")
    if (
        "only-a-place" not in skip
        and entity.label == "ORGANIZATION"
        and LEGAL_SUFFIX.match(text, end) is None
        and places.is_place(text[start:end], _LARGE_CITY)
    ):
        return replace(entity, label="LOCATION")
    return entity


def with_legal_suffix(text: str, start: int, end: int) -> int:
    """Where an ORGANIZATION ends: after the legal suffix that follows it ("Siemens AG"), or at a legal
    suffix that ends its line."""
    suffix = LEGAL_SUFFIX.match(text, end)
    end = suffix.end() if suffix else end
    line_end = _SUFFIX_ENDS_LINE.search(text, start, end)
    return line_end.end() if line_end else end


def only_a_title(text: str, start: int, end: int, skip: frozenset[str]) -> bool:
    """Whether an ORGANIZATION is only a job title or a team ("job-title") or a kind of document
    ("document-title"): no organization at all."""
    return bool(
        ("job-title" not in skip and JOB_TITLE.fullmatch(text, start, end))
        or ("document-title" not in skip and _DOCUMENT_TITLE.fullmatch(text, start, end))
    )


_FROM = re.compile(r"\s+from\s+")
_EMPLOYER_CITY = re.compile(r"[ \t]*[,\u2013\u2014][ \t]*")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def employers(text: str, entities: list[Entity]) -> list[Entity]:
    """A name the model read as a place that no place list knows (`places.is_any_place`) is a company
    where people are introduced by their employer, "Jonas from Bosch", and where a CV's dated line names
    one before its city, "2016-2024    Iberdrola, Bilbao". A known town stays a place: "Maria from
    Gdansk", "Aarhus, Denmark"."""
    found = list(entities)
    for index, entity in enumerate(found):
        if entity.source != "model" or entity.label != "LOCATION":
            continue
        before = found[index - 1] if index else None
        after = found[index + 1] if index + 1 < len(found) else None
        introduced = (
            before is not None
            and before.label == "PERSON"
            and _FROM.fullmatch(text, before.end, entity.start)
        )
        dated_row = (
            after is not None
            and after.label == "LOCATION"
            and _EMPLOYER_CITY.fullmatch(text, entity.end, after.start)
            and places.is_city(after.text)
            and _YEAR.search(text, text.rfind("\n", 0, entity.start) + 1, _line_end(text, entity.end))
        )
        if (introduced or dated_row) and not places.is_any_place(entity.text):
            found[index] = replace(entity, label="ORGANIZATION")
    return found


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


_COMMA_BETWEEN = re.compile(r",[ \t]*")


def placed(text: str, entities: list[Entity]) -> list[Entity]:
    """An organization the model found right after another's legal suffix and a comma is where that
    one is ("Sharma Textiles Pvt. Ltd., Jaipur"), as when the model ran both into one name."""
    found = list(entities)
    for index in range(1, len(found)):
        before, entity = found[index - 1], found[index]
        if (
            entity.label == "ORGANIZATION"
            and before.label == "ORGANIZATION"
            and ENDS_LEGAL.search(before.text)
            and not ENDS_LEGAL.search(entity.text)
            and _COMMA_BETWEEN.fullmatch(text, before.end, entity.start)
        ):
            found[index] = replace(entity, label="LOCATION")
    return found
