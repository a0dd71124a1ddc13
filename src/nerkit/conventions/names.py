"""People's names: what a PERSON span leaves out (greetings, honorifics, titles, a letter's closing, a
greeting that names nobody), and what a name stands for across a document (a given or family name for
the person named in full, a contract's short name for its party)."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from nerkit.conventions.rules import check
from nerkit.conventions.spans import EDGE, NAME_TYPES, covered
from nerkit.entities import Entity

_GREETINGS = (
    "hi|hello|hey|dear|thanks|thank you|good morning|good afternoon|good evening|greetings|cheers|attn"
    "|guten tag|hallo|liebe|lieber|sehr geehrte|sehr geehrter|bonjour|hola|estimado|estimada|buongiorno"
    "|ciao|salve|gentile|caro|cara|salut|olá|ola|oi|bom dia|boa tarde|prezado|prezada|querido|querida"
    "|buenos días|buenas tardes|hej|hoi|beste|geachte|moin|servus|grüezi"
)
_HONORIFICS = (
    r"mr|mrs|ms|miss|mx|dr|prof|professor|sir|madam|madame|dame|lord|lady|rev|reverend|fr|father|sister"
    r"|herr|frau|monsieur|mme|mlle|maître|señor|señora|sr|sra|don|doña"
)
_TITLES = (
    r"president|vice president|vice-president|prime minister|premier|minister|foreign minister|senator|sen"
    r"|congressman|congresswoman|representative|rep|governor|gov|mayor|king|queen|prince|princess|emperor"
    r"|pope|chancellor|general|gen|colonel|col|captain|capt|lieutenant|lt|sergeant|sgt|major|admiral|adm"
    r"|commander|judge|justice|secretary|secretary-general|ambassador|envoy|ceo|cfo|cto|coo|chairman"
    r"|chairwoman|chair|director|officer|sheikh|ayatollah|cardinal|bishop|archbishop|rabbi|imam|saint|st"
    r"|spokesman|spokeswoman|chief|leader|head|coach|nurse|agent|inspector|detective|officer"
)
TITLE = re.compile(rf"(?:{_GREETINGS}|{_HONORIFICS}|{_TITLES})\.?(?=\s|$)", re.IGNORECASE)
"""Words that stand before a name but are not part of it: greetings, honorifics and titles."""
SIGN_OFF = re.compile(
    r"(?:(?:best|kind|warm|warmest)\s+regards|regards|sincerely|yours\s+(?:sincerely|faithfully|truly)"
    r"|mit\s+freundlichen\s+grüßen|viele\s+grüße|beste\s+grüße|cordialement|bien\s+à\s+vous|saludos"
    r"|atentamente|un\s+saludo|cordiali\s+saluti|met\s+vriendelijke\s+groet(?:en)?|asante(?:\s+sana)?"
    r"|(?:muchas\s+)?gracias|grazie(?:\s+mille)?|merci(?:\s+beaucoup)?|danke(?:\s+schön)?"
    r"|(?:vielen|herzlichen)\s+dank|(?:muito\s+)?obrigad[oa]|tack|dank\s+je(?:\s+wel)?|cheers|thanks"
    r"|many\s+thanks)",
    re.IGNORECASE,
)
"""A letter's closing or thanks is no name ("Mit freundlichen Grüßen" read as an organization, "vielen
Dank" as a person)."""
_ADDRESSEE = re.compile(
    r"(?:(?:[\w-]+\s){1,2}(?:team|committee|department|desk)|hiring manager"
    r"|team|all|everyone|everybody|colleagues|customer|customers|friends|folks|guys|there|both|sirs"
    r"|sir or madam|sir/madam|y'all|you all|parents|students|staff|members|residents|neighbours|neighbors"
    r"|volunteers)",
    re.IGNORECASE,
)
"""Who a greeting speaks to when it names nobody: "Dear team", "Hi all", "Dear Hiring Team"."""


def untitled(text: str, start: int, end: int, skip: frozenset[str]) -> tuple[int, int]:
    """A PERSON span without the greetings, honorifics and titles before the name ("titles"); empty
    when it is the first words of a title ("Prime" of "Prime Minister") or a greeting's generic
    addressee ("addressee": "Dear team")."""
    titles, addressee = "titles" not in skip, "addressee" not in skip
    whole = TITLE.match(text, start) if titles else None
    if whole is not None and whole.end() >= end:
        return start, start  # the first words of a title: "Prime" of "Prime Minister"
    while True:
        if addressee and _ADDRESSEE.fullmatch(text, start, end):
            return start, start
        title = TITLE.match(text, start, end) if titles else None
        if title is None:
            break
        start = title.end()
        while start < end and text[start] in EDGE:
            start += 1
    return start, end


def namesakes(entities: Sequence[Entity], skip: frozenset[str] = frozenset()) -> list[Entity]:
    """A model name that is the given or family name of a person the document names in full is that
    person ("Kwame will transfer..." after "Employee: Kwame Mensah"; "Thanks, Isabel" after "Manager:
    Isabel Ferreira"): mail and notes name people in full once, then by one name. A name that also
    starts or ends a full name of another type ("Jordan" beside "Jordan Valley") changes nothing.
    Nothing changes when `skip` holds "namesakes"."""
    check(skip)
    if "namesakes" in skip:
        return list(entities)
    people: defaultdict[str, set[str]] = defaultdict(set)
    for entity in entities:
        words = entity.text.split()
        if len(words) >= 2 and entity.label in NAME_TYPES:
            for word in (words[0], words[-1]):
                people[word].add(entity.label)
    return [
        replace(entity, label="PERSON")
        if entity.source == "model"
        and entity.label in NAME_TYPES - {"PERSON"}
        and people.get(entity.text) == {"PERSON"}
        else entity
        for entity in entities
    ]


_ALIAS = re.compile(
    r"\(\s*(?:the\s+)?[\"\u201c](?P<alias>[A-Z][\w&.'-]*(?:\s[A-Z][\w&.'-]*){0,3})[\"\u201d]\s*\)"
)
"""A short name a contract defines for a party, in brackets and quotes: ("Brightwave")."""
_ROLE = re.compile(
    r"(?:Company|Supplier|Customer|Client|Buyer|Seller|Landlord|Tenant|Party|Parties|Employer|Employee"
    r"|Licensor|Licensee|Discloser|Recipient|Disclosing Party|Receiving Party|Contractor|Purchaser|Vendor"
    r"|Borrower|Lender|Guarantor|Lessor|Lessee|Consultant|Provider|Service Provider|Agreement|Affiliates?)"
)
"""Defined names that are a party's role, not its name: ("the Company"), ("Supplier")."""
_PARTY_REACH = 160
"""How far before its definition a party's name may stand: "X LLC, a Delaware limited liability
company ("X")"."""


def aliases(text: str, entities: Sequence[Entity], skip: frozenset[str] = frozenset()) -> list[Entity]:
    """A short name a contract defines for a party ("Brightwave" after "BRIGHTWAVE ANALYTICS LLC, a
    Delaware limited liability company") is that party's, in its definition and wherever else it
    appears; a role ("the Company", "Supplier") names nobody. Nothing is added when `skip` holds
    "aliases"."""
    check(skip)
    found = sorted(entities)
    if "aliases" in skip:
        return found
    for definition in _ALIAS.finditer(text):
        alias = definition.group("alias")
        if _ROLE.fullmatch(alias):
            continue
        parties = [
            entity
            for entity in found
            if entity.label in ("ORGANIZATION", "PERSON")
            and entity.end <= definition.start()
            and definition.start() - entity.end <= _PARTY_REACH
            and "\n\n" not in text[entity.end : definition.start()]
        ]
        if not parties:
            continue
        for mention in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", text):
            if not covered(found, mention.start(), mention.end()):
                bisect.insort(
                    found, replace(parties[-1], start=mention.start(), end=mention.end(), text=alias)
                )
    return found
