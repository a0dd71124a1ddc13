"""Span conventions (docs/conventions.md), applied after the model and the recognizers: what an
entity holds and what it leaves out ("Hi Maria" gives Maria; "Siemens AG, Munich" an organization and
a place), and what a document's fields say a name is ("Employee: Kwame Mensah" is a person). One
place, so `NER.extract`, the CLI, the server, Ray and raw-text evaluation all follow the same rules."""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from nerkit import places
from nerkit.entities import Entity
from nerkit.patterns import (
    CALENDAR_NAME,
    COUNT,
    DATE_PATTERN,
    LEGAL_FORM,
    RELATIVE_MODIFIER,
    TIME_UNIT,
    UNIT_QUALIFIER,
)

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
_CREDENTIALS = re.compile(r",?\s+(?:M\.?D\.?|Ph\.?\s?D\.?|Esq\.?|MBA|RN|DDS|J\.?D\.?)$")
_LEGAL_SUFFIX = re.compile(rf"(?:\.?,?[ \t]+{LEGAL_FORM})+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Corp|Inc|Ltd|Co|Bros|Mfg|Intl|Assn|Dept|Univ|Jr|Sr|St|Ave|Rd|Blvd|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep"
    r"|Sept|Oct|Nov|Dec|Esq|Plc|Gov|Gen|Mt|Ft)|(?:\b[A-Za-z]\.)+[A-Za-z]|(?<=\s)[A-Z])\.$"
)
_JOB_TITLE = re.compile(
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
_SIGN_OFF = re.compile(
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
_FACILITY = re.compile(
    r"\s+(?:warehouse|depot|office|offices|plant|store|site|branch|hub|factory|facility|campus|headquarters)$",
    re.IGNORECASE,
)
"""A site named by its town ("our Dallas warehouse", "the Sheffield office"): the town is the place."""
_PEOPLES = {"NRP", "GPE"}
"""GMB's `gpe`, shown as NRP (GPE by models trained before nerkit 0.3): nationalities, and countries."""
_COUNTRY_CODE = re.compile(r"(?:[A-Z]\.){2,3}|[A-Z]{2,3}")
_JOINED_NAMES = re.compile(r"[^\W\d_][ ]?[&+][ ]?[^\W\d_]")
"""Names joined by "&" or "+" name a firm: "Kuehne+Nagel", "Procter & Gamble", "Smith & Partners"."""
_ORGANIZATION_WORD = re.compile(
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
_FROM = re.compile(r"\s+from\s+")
_EMPLOYER_CITY = re.compile(r"[ \t]*[,\u2013\u2014][ \t]*")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_CLOSING = {"(": ")", "[": "]", "{": "}"}
_OPENING = {closing: opening for opening, closing in _CLOSING.items()}
_DETERMINER = re.compile(r"(?:(?:[Tt]he|THE|[Aa]n?|of|for|at|from|by|with|to|in|IN|on)\s+)+")
"""An article or a lowercase preposition the model took in before a name: "the board of Siemens"."""
_ADDRESSEE = re.compile(
    r"(?:(?:[\w-]+\s){1,2}(?:team|committee|department|desk)|hiring manager"
    r"|team|all|everyone|everybody|colleagues|customer|customers|friends|folks|guys|there|both|sirs"
    r"|sir or madam|sir/madam|y'all|you all|parents|students|staff|members|residents|neighbours|neighbors"
    r"|volunteers)",
    re.IGNORECASE,
)
"""Who a greeting speaks to when it names nobody: "Dear team", "Hi all", "Dear Hiring Team"."""
_EDGE = "\"'`.,;:!?()[]{}<>«»\u201c\u201d\u2018\u2019-\u2013\u2014/\\|*#@ \t\r\n"


def conform(text: str, entities: Sequence[Entity], keep_titles: bool = False) -> list[Entity]:
    """Apply the span conventions of docs/conventions.md: no entity starts or ends with punctuation or
    whitespace (a period that ends an abbreviation stays: "Corp.", "M.D."); PERSON leaves out greetings,
    honorifics and titles ("Hi", "Dr.", "President") unless `keep_titles`; ORGANIZATION takes the legal suffix
    that follows it ("Siemens AG") and ends at one followed by a comma ("Siemens AG, Munich"); ORGANIZATION
    and LOCATION split at list commas (`_parts`) and a name with an organization's word ("Café", "University",
    "Logistics") is one, and an ORGANIZATION that is only the name of a business region, a country or a city
    of a million people is that place ("Nordics", "Munich"); a DATE_TIME that is only a count takes the unit
    after it ("six" in "within six weeks"), one takes the modifier the model left before it ("next" of "the
    next three years"), and one of digits is a date's shape or no date ("2025/114"). Pattern matches are kept
    as their recognizers found them. An entity with nothing left is dropped."""
    kept = []
    for whole in entities:
        if whole.source == "pattern":
            kept.append(whole)  # a format's own characters, as in (415) 555-0143
            continue
        for entity in _parts(text, whole):
            start, end = _trim(text, entity.start, entity.end)
            if entity.label in _PEOPLES:
                entity = replace(entity, label="LOCATION" if _country(text, start, end) else "NRP")
            facility = _FACILITY.search(text, start, end) if entity.label in _NAME_TYPES else None
            if facility and places.is_place(text[start : facility.start()]):
                end, entity = facility.start(), replace(entity, label="LOCATION")
            if entity.label in _NAME_TYPES and (
                _ORGANIZATION_WORD.search(text, start, end)
                or _JOINED_NAMES.search(text, start, end)
                or (entity.label == "PERSON" and _TEAM_AFTER.match(text, end))
            ):
                entity = replace(entity, label="ORGANIZATION")
            elif entity.label == "ORGANIZATION" and _only_a_place(text, start, end):
                entity = replace(entity, label="LOCATION")
            if entity.label in _NAME_TYPES:
                if _street(text, start, end) or _SIGN_OFF.fullmatch(text, start, end):
                    continue
                if entity.label == "LOCATION" and _nationality(text, start, end):
                    entity = replace(entity, label="NRP")
                entity, end = _before_address_parts(text, entity, start, end)
            if entity.label == "PERSON" and not keep_titles:
                start, end = _untitled(text, start, end)
            elif entity.label == "ORGANIZATION":
                suffix = _LEGAL_SUFFIX.match(text, end)
                end = suffix.end() if suffix else end
                line_end = _SUFFIX_ENDS_LINE.search(text, start, end)
                end = line_end.end() if line_end else end
                if _JOB_TITLE.fullmatch(text, start, end) or _DOCUMENT_TITLE.fullmatch(text, start, end):
                    continue
            elif entity.label == "DATE_TIME":
                start, end = _date_edges(text, start, end)
            if end - start == 1 and (text[start].islower() or entity.label in _NAME_TYPES):
                continue  # no name is one letter: chat's "u", "r", a unit's "M" after a code's digits
            if end > start and (start, end) != (entity.start, entity.end):
                entity = replace(entity, start=start, end=end, text=text[start:end])
            if end > start:
                kept.append(entity)
    return _state_codes(text, _postcode_towns(text, _employers(text, _placed(text, _apart(text, kept)))))


def _employers(text: str, entities: list[Entity]) -> list[Entity]:
    """A name the model read as a place that no place list knows (`places.is_any_place`) is a company
    where people are introduced by their employer, "Jonas from Bosch", and where a CV's dated line names
    one before its city, "2016-2024    Iberdrola, Bilbao". A known town stays a place: "Maria from
    Gdansk", "Aarhus, Denmark"."""
    employers = list(entities)
    for index, entity in enumerate(employers):
        if entity.source != "model" or entity.label != "LOCATION":
            continue
        before = employers[index - 1] if index else None
        after = employers[index + 1] if index + 1 < len(employers) else None
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
            employers[index] = replace(entity, label="ORGANIZATION")
    return employers


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _postcode_towns(text: str, entities: list[Entity]) -> list[Entity]:
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
                if not _covered(entities, start, end):
                    explanation = {"recognizer": "LOCATION", "check": "a town before a postcode"}
                    found.append(
                        Entity(
                            start, end, "LOCATION", text[start:end], 0.9, "pattern", explanation=explanation
                        )
                    )
                break
    return sorted([*entities, *found]) if found else entities


def _state_codes(text: str, entities: list[Entity]) -> list[Entity]:
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


def _covered(entities: Iterable[Entity], start: int, end: int) -> bool:
    """Whether any of `entities` overlaps `[start, end)`: a rule that adds a name adds it only where
    nothing was found."""
    return any(entity.start < end and start < entity.end for entity in entities)


def _before_address_parts(text: str, entity: Entity, start: int, end: int) -> tuple[Entity, int]:
    """A name ends before a spaced dash, and before a postcode, which makes it a place, as does a
    postcode after it on its line or the next ("Norwich" above "NR2 3AX")."""
    dash = _SPACED_DASH.search(text, start, end)
    end = dash.start() if dash else end
    postcode = _POSTCODE.search(text, start, end + len(" 4DJ"))  # room for a postcode's second half
    if postcode is not None and start < postcode.start() < end <= postcode.end():
        return replace(entity, label="LOCATION"), postcode.start()
    if _POSTCODE_AFTER.match(text, end):
        return replace(entity, label="LOCATION"), end
    return entity, end


def _date_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """A date without the preposition before it, the next clause's word after it and what follows a
    dash that starts no date, with the unit after its count or "each" and the relative modifier before
    it, and without a number in no date's shape before "of" ("2025-118 of 3 October 2025"); empty
    (start == end) when it is digits in no date's shape or a function word alone."""
    preposition = _PREPOSITION.match(text, start, end)
    start = preposition.end() if preposition and preposition.end() < end else start
    trailing = _TRAILING_WORD.search(text, start, end)
    end = trailing.start() if trailing and trailing.start() > start else end
    dash = _SPACED_DASH.search(text, start, end)
    if dash is not None and not _RANGE_END.fullmatch(text, dash.end(), end):
        end = dash.start()  # "2026 - Day 1": a title's dash, not a range's
    counted = _COUNT.fullmatch(text, start, end) or _EACH.search(text, start, end)
    unit = _UNIT.match(text, end) if counted else None
    end = unit.end() if unit else end
    modifier = _MODIFIER.search(text, max(start - 12, 0), start)
    start = modifier.start() if modifier else start
    numbered = _NUMBER_OF.match(text, start, end)
    if (
        numbered
        and not _NUMERIC_DATE.fullmatch(numbered.group(1))
        and _DATE.fullmatch(text, numbered.end(), end)
    ):
        start = numbered.end()  # "invoice 2025-118 of 3 October 2025": a document's number, then its date
    if _NUMERIC.fullmatch(text, start, end) and not _NUMERIC_DATE.fullmatch(text, start, end):
        return start, start
    if _FUNCTION_WORD.fullmatch(text, start, end):
        return start, start
    return start, end


def _apart(text: str, entities: list[Entity]) -> list[Entity]:
    """Entities in text order that do not overlap: an entity that grew over the next one (a legal
    suffix the model tagged alone: "Sharma Textiles Pvt" + "Ltd." gives "Sharma Textiles Pvt. Ltd.")
    takes it in, and one it grew into part of keeps only what is left of it."""
    apart: list[Entity] = []
    for entity in sorted(entities, key=lambda entity: (entity.start, -entity.end)):
        if apart and entity.start < apart[-1].end:
            if entity.end <= apart[-1].end:
                continue
            start, end = _trim(text, apart[-1].end, entity.end)
            if end <= start:
                continue
            entity = replace(entity, start=start, end=end, text=text[start:end])
        apart.append(entity)
    return apart


def _placed(text: str, entities: list[Entity]) -> list[Entity]:
    """An organization the model found right after another's legal suffix and a comma is where that
    one is ("Sharma Textiles Pvt. Ltd., Jaipur"), as when the model ran both into one name."""
    placed = list(entities)
    for index in range(1, len(placed)):
        before, entity = placed[index - 1], placed[index]
        if (
            entity.label == "ORGANIZATION"
            and before.label == "ORGANIZATION"
            and _ENDS_LEGAL.search(before.text)
            and not _ENDS_LEGAL.search(entity.text)
            and _COMMA_BETWEEN.fullmatch(text, before.end, entity.start)
        ):
            placed[index] = replace(entity, label="LOCATION")
    return placed


_COMMA_BETWEEN = re.compile(r",[ \t]*")
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;]|\band\b)\s*")
_NAME_TYPES = {"PERSON", "ORGANIZATION", "LOCATION", "NRP"}
_ITEM_TAIL = re.compile(r"\s*(?:\([^()]*\))?[\s.]*")


def typed(text: str, entities: Sequence[Entity], fields: Iterable[tuple[int, int, str]]) -> list[Entity]:
    """A name the model found as a whole item of a typed field's value (`layout.FIELD_LABELS`) takes
    the field's type: "Employee: Kwame Mensah" is a person and "Employer: Cartus" an organization,
    however the model reads two words with no sentence around them. A people field lists people
    (split at commas, semicolons and "and", also inside a name the model ran across them); an item may
    start with titles ("Mr Girard") and end in a remark in brackets ("Claire Dubois (chair)"). Only
    model entities of name types change, and only to another name type; a field of no names (`label`
    "": languages, skills) drops them."""
    fields = list(fields)
    people = [(start, end) for start, end, label in fields if label == "PERSON"]
    entities = [part for entity in entities for part in _listed_people(text, entity, people)]
    relabel: dict[tuple[int, int], str] = {}
    names = sorted(e for e in entities if e.source == "model" and e.label in _NAME_TYPES)
    starts = [entity.start for entity in names]

    def within(left: int, right: int) -> list[Entity]:
        return names[bisect.bisect_left(starts, left) : bisect.bisect_left(starts, right)]

    found: list[Entity] = []
    for start, end, label in fields:
        if not label:
            relabel.update({(entity.start, entity.end): "" for entity in within(start, end)})
            continue
        for left, right in _items(text, start, end) if label == "PERSON" else [(start, end)]:
            inside = within(left, right)
            alone = inside[0] if len(inside) == 1 else None
            if alone and alone.label != label and _fills(text, left, right, alone):
                relabel[(alone.start, alone.end)] = label
            elif label == "PERSON" and not _covered(entities, left, right):
                found += _field_person(text, left, right)
    kept = []
    for entity in entities:
        label = relabel.get((entity.start, entity.end), entity.label)
        if label:
            kept.append(replace(entity, label=label) if label != entity.label else entity)
    return sorted(kept + found) if found else kept


_NAME_WORD = r"[A-Z](?:[a-z]+(?:[A-Z][a-z]+)?|['\u2019][A-Z][a-z]+)(?:-[A-Z]?[a-z]+)*"
_PLAIN_NAME = re.compile(rf"{_NAME_WORD}(?: {_NAME_WORD}){{1,2}}")
"""Two or three capitalised words, as a person's name is written in a form."""
_LEADING_TITLE = re.compile(rf"\s*{TITLE.pattern}\s*|\s+", re.IGNORECASE)


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
    unnamed = _ORGANIZATION_WORD.search(words) or _JOB_TITLE.search(words) or _ENDS_LEGAL.search(words)
    unnamed = unnamed or places.is_place(words)
    if unnamed or any(map(TITLE.fullmatch, words.split())):
        return []
    explanation = {"recognizer": "field", "check": "a people field's item written as a name"}
    return [Entity(name.start(), name.end(), "PERSON", words, 0.85, "pattern", explanation=explanation)]


def columns(text: str, entities: Sequence[Entity], cells: Iterable[tuple[int, int]]) -> list[Entity]:
    """A table's column holds one type of name: a model name that fills its cell takes the type most
    names filling cells of its column have, when at least two agree and no other type ties ("09:30
    Amara Nwosu   Data Analyst" in a schedule whose other rows name people). A column is the cells
    that start at the same offset in the lines of two or more cells of one block (column-padded
    tables, `layout`)."""
    blank_lines = [match.end() for match in re.finditer("\n\n", text)]
    rows: defaultdict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for start, end in cells:
        block = bisect.bisect_right(blank_lines, start)
        rows[(block, text.rfind("\n", 0, start) + 1)].append((start, end))
    names = {(e.start, e.end): e for e in entities if e.source == "model" and e.label in _NAME_TYPES}
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


def aliases(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """A short name a contract defines for a party ("Brightwave" after "BRIGHTWAVE ANALYTICS LLC, a
    Delaware limited liability company") is that party's, in its definition and wherever else it
    appears; a role ("the Company", "Supplier") names nobody."""
    found = sorted(entities)
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
            if not _covered(found, mention.start(), mention.end()):
                bisect.insort(
                    found, replace(parties[-1], start=mention.start(), end=mention.end(), text=alias)
                )
    return found


def namesakes(entities: Sequence[Entity]) -> list[Entity]:
    """A model name that is the given or family name of a person the document names in full is that
    person ("Kwame will transfer..." after "Employee: Kwame Mensah"; "Thanks, Isabel" after "Manager:
    Isabel Ferreira"): mail and notes name people in full once, then by one name. A name that also
    starts or ends a full name of another type ("Jordan" beside "Jordan Valley") changes nothing."""
    people: defaultdict[str, set[str]] = defaultdict(set)
    for entity in entities:
        words = entity.text.split()
        if len(words) >= 2 and entity.label in _NAME_TYPES:
            for word in (words[0], words[-1]):
                people[word].add(entity.label)
    return [
        replace(entity, label="PERSON")
        if entity.source == "model"
        and entity.label in _NAME_TYPES - {"PERSON"}
        and people.get(entity.text) == {"PERSON"}
        else entity
        for entity in entities
    ]


def _listed_people(text: str, entity: Entity, people: list[tuple[int, int]]) -> list[Entity]:
    """A model name inside a people field that runs across the list's separators ("Marc Lefevre and
    Aoife") is one name per item."""
    if entity.source != "model" or entity.label not in _NAME_TYPES:
        return [entity]
    if not any(start <= entity.start and entity.end <= end for start, end in people):
        return [entity]
    parts = _items(text, entity.start, entity.end)
    if len(parts) == 1:
        return [entity]
    return [
        replace(entity, start=left, end=right, text=text[left:right]) for left, right in parts if right > left
    ]


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    items, left = [], start
    for separator in _LIST_SEPARATOR.finditer(text, start, end):
        items.append((left, separator.start()))
        left = separator.end()
    return [*items, (left, end)]


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


_LIST_COMMA = re.compile(r",\s+")
_ENDS_LEGAL = re.compile(_LEGAL_SUFFIX.pattern + r"\W*$")
_SUFFIX_ENDS_LINE = re.compile(_LEGAL_SUFFIX.pattern + r"(?=[ \t]*\n)")
"""A legal suffix at the end of its line ends the name: "Cascade Foods S.A.\nHeld in Lyon"."""
_CITY_TIME = re.compile(r"\s+(?P<city>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+time$")
"""A time given in a city's zone: "14:00 Zurich time" is a time and a place."""
_SPACED_DASH = re.compile(r"\s[-\u2013\u2014]\s")
"""A name ends before a dash between spaces: "Clean Rivers Alliance - Volunteer update" is a title."""
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
_STREET_WORD = re.compile(
    r"(?:\w+(?:stra(?:ß|ss)e|str\.|gasse|allee|weg|platz)|.*\s(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Boulevard"
    r"|Blvd\.?|Drive|Way|Rue|Via|Calle))$",
    re.IGNORECASE,
)
_HOUSE_NUMBER_AFTER = re.compile(r"[ \t]+\d{1,4}[a-z]?\b")
_HOUSE_NUMBER_BEFORE = re.compile(r"\b\d{1,4}[a-z]?[ \t]+$")
_HOUSE_NUMBER_FIRST = re.compile(r"\d{1,4}[a-z]?[ \t]+")


def _street(text: str, start: int, end: int) -> bool:
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


_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ian|ean|an|ese|ish|i|tch|nch)")
_BEFORE_A_NOUN = re.compile(r" [a-z]")


def _nationality(text: str, start: int, end: int) -> bool:
    """A nationality adjective before a noun ("the Dutch broker", "Brazilian planemaker") is NRP, not a
    place: a word of a demonym's shape that is no known place
    (Milan, Japan and Oman are)."""
    return bool(
        _DEMONYM.fullmatch(text, start, end)
        and _BEFORE_A_NOUN.match(text, end)
        and not places.is_place(text[start:end])
    )


_DATELINE = re.compile(
    rf"(?P<place>(?!{CALENDAR_NAME},)"
    r"[A-Z][\w'.-]+(?:[ -][A-Z][\w'.-]+){0,2}),[ \t]+"
)
"""A letter's or a story's dateline, a place before its date: "Gothenburg, 4 August 2025"."""
_DATE = re.compile(DATE_PATTERN)
_DATE_JOINT = re.compile(r"\s+(?:to|until|till|through|and)\s+")
"""Between two dates the model read as one: "January 12 to May 8, 2026" is two (a dash keeps one range)."""


def _date_and_place(text: str, entity: Entity, date: tuple[int, int], place: tuple[int, int]) -> list[Entity]:
    return [
        replace(entity, start=date[0], end=date[1], text=text[slice(*date)]),
        replace(entity, start=place[0], end=place[1], text=text[slice(*place)], label="LOCATION"),
    ]


def _parts(text: str, entity: Entity) -> list[Entity]:
    """A time in a city's zone is a time and a place ("14:00 Zurich time"), and so is a dateline ("Gothenburg,
    4 August 2025": the place, then a whole date; not "Monday, 4 August"); two whole dates joined by "to",
    "until" or "and" are two ("January 12 to May 8, 2026"). An ORGANIZATION or LOCATION never holds a list:
    "Doctoral Office, University of Bologna" and "Munich, Germany" are two, and known places joined by "and"
    are places ("Kisumu and Eldoret"); each then held to its label's conventions (so "Senior Data Scientist,
    Allegro" keeps only Allegro). A comma before a legal suffix separates nothing ("Co., Ltd."), and an
    organization ends at a legal suffix followed by a comma: what follows is a place ("Siemens AG, Munich")
    unless it ends in a legal suffix of its own (another organization)."""
    if entity.label == "DATE_TIME":
        zone = _CITY_TIME.search(text, entity.start, entity.end)
        if zone is not None and zone.start() > entity.start:
            return _date_and_place(text, entity, (entity.start, zone.start()), zone.span("city"))
        line = _DATELINE.match(text, entity.start, entity.end)
        if line is not None and _DATE.fullmatch(text, line.end(), entity.end):
            return _date_and_place(text, entity, (line.end(), entity.end), line.span("place"))
        preposition = _PREPOSITION.match(text, entity.start, entity.end)
        first = preposition.end() if preposition else entity.start
        for joint in _DATE_JOINT.finditer(text, first, entity.end):
            if _DATE.fullmatch(text, first, joint.start()) and _DATE.fullmatch(text, joint.end(), entity.end):
                return [
                    replace(entity, start=left, end=right, text=text[left:right])
                    for left, right in ((entity.start, joint.start()), (joint.end(), entity.end))
                ]
    if entity.label not in ("ORGANIZATION", "LOCATION"):
        return [entity]
    listed = _items(text, entity.start, entity.end)
    if len(listed) > 1 and all(places.is_place(text[a:b]) for a, b in listed):
        return [replace(entity, start=a, end=b, text=text[a:b], label="LOCATION") for a, b in listed]
    end, places_after = entity.end, []
    if entity.label == "ORGANIZATION":
        inner = [m for m in _LEGAL_SUFFIX.finditer(text, entity.start, end) if text.startswith(",", m.end())]
        if inner:
            end = inner[0].end()
            places_after = [
                replace(part, label="ORGANIZATION" if _ENDS_LEGAL.search(part.text) else "LOCATION")
                for part in _parts(
                    text, replace(entity, start=end + 1, text=text[end + 1 : entity.end], label="LOCATION")
                )
                if part.text.strip()[:1].isupper()
            ]
    pieces, start = [], entity.start
    for comma in _LIST_COMMA.finditer(text, entity.start, end):
        if entity.label == "ORGANIZATION" and _LEGAL_SUFFIX.match(text, comma.start()):
            continue
        pieces.append((start, comma.start()))
        start = comma.end()
    pieces.append((start, end))
    if pieces == [(entity.start, entity.end)]:
        return [entity]
    return [replace(entity, start=a, end=b, text=text[a:b]) for a, b in pieces if b > a] + places_after


_LARGE_CITY = 1_000_000
"""A city this large read as an organization is the city: companies named after a town are named after
smaller ones (Toyota, Nokia)."""


def _country(text: str, start: int, end: int) -> bool:
    """A country, state or city (or a country's initials: "UK", "U.S.") is a LOCATION whichever GMB tag
    the model learnt it from; the rest of `gpe` is nationalities, religions and political groups."""
    return places.is_any_place(text[start:end]) or bool(_COUNTRY_CODE.fullmatch(text, start, end))


def _only_a_place(text: str, start: int, end: int) -> bool:
    return _LEGAL_SUFFIX.match(text, end) is None and places.is_place(text[start:end], _LARGE_CITY)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Edges without punctuation, but a bracket stays when its partner is inside: `(415) 555-0143`; an
    entity ends before a bracket it opens and does not close ("14:00-16:00 (CET")."""
    opened = text.rfind("(", start, end)
    if opened > start and text.find(")", opened, end) < 0:
        end = opened
    while start < end and text[start] in _EDGE:
        if text[start] in _CLOSING and _CLOSING[text[start]] in text[start + 1 : end]:
            break
        start += 1
    determiner = _DETERMINER.match(text, start, end)
    start = determiner.end() if determiner and determiner.end() < end else start
    while end > start and text[end - 1] in _EDGE:
        if text[end - 1] == "." and _ABBREVIATION.search(text, start, end):
            break
        if text[end - 1] in _OPENING and _OPENING[text[end - 1]] in text[start : end - 1]:
            break
        end -= 1
    return start, end


def _untitled(text: str, start: int, end: int) -> tuple[int, int]:
    whole = TITLE.match(text, start)
    if whole is not None and whole.end() >= end:
        return start, start  # the first words of a title: "Prime" of "Prime Minister"
    while True:
        if _ADDRESSEE.fullmatch(text, start, end):
            return start, start
        title = TITLE.match(text, start, end)
        if title is None:
            break
        start = title.end()
        while start < end and text[start] in _EDGE:
            start += 1
    credentials = _CREDENTIALS.search(text, start, end)
    end = credentials.start() if credentials and credentials.start() > start else end
    return (start, start) if _ADDRESSEE.fullmatch(text, start, end) else (start, end)
