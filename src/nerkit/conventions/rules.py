"""The span conventions' rules by name, each with what it does, in the order extraction applies them:
every convention function takes a `skip` set of these names and leaves those rules out, so that what
each rule is worth can be measured (bench/ablation.py)."""

from __future__ import annotations

from nerkit.errors import NerkitError

RULES: dict[str, str] = {
    "city-time": 'a time in a city\'s zone is a time and a place ("14:00 Zurich time")',
    "dateline": 'a place before a whole date is a place and a date ("Gothenburg, 4 August 2025")',
    "date-joint": 'two whole dates joined by "to", "until" or "and" are two dates',
    "place-list": 'known places joined by commas or "and" are places ("Kisumu and Eldoret")',
    "list-split": 'an organization or a place splits at list commas ("Munich, Germany")',
    "trim": "no entity starts or ends with punctuation, whitespace or a bracket it does not close",
    "determiner": 'no entity starts with an article or a lowercase preposition ("the board of Siemens")',
    "country": "GMB's gpe that is a country, state or city is a LOCATION, the rest NRP",
    "facility": 'the town of a site named by it is a place ("our Dallas warehouse")',
    "organization-word": 'a name holding an organization\'s word is an organization ("Café Lindner")',
    "joined-names": 'names joined by "&" or "+" are an organization ("Procter & Gamble")',
    "team": 'a person\'s name before "team" is an organization ("Hello Bellamy Farms team")',
    "only-a-place": "an organization that is only a region, country, state or large city is that place",
    "street": 'a street with its house number is no name ("18 Elm Street")',
    "sign-off": 'a letter\'s closing or thanks is no name ("Kind regards", "vielen Dank")',
    "address-parts": "a name ends before a spaced dash and a postcode, and a postcode makes it a place",
    "titles": 'a person leaves out greetings, honorifics and titles ("Hi", "Dr.", "President")',
    "addressee": 'a greeting\'s generic addressee is no person ("Dear team", "Hi all")',
    "legal-suffix": "an organization takes the legal suffix after it and ends at one that ends its line",
    "job-title": 'an organization that is only a job title or a team is none ("Managing Director")',
    "document-title": 'an organization that names a kind of document is none ("Service Agreement")',
    "date-edges": "a date leaves out the preposition before it and the next clause's word after it",
    "date-range": 'a dash followed by no date ends the date ("2026" of "2026 - Day 1")',
    "date-parts": 'a date takes the unit after its count and the relative modifier before it ("next")',
    "date-digits": 'digits in no date\'s shape are no date, nor part of the date after them ("2025/114")',
    "one-letter": 'no name is one letter (chat\'s "u", a code\'s "M")',
    "apart": "entities do not overlap: one that grew over the next takes it in",
    "placed": "an organization the model found after another's legal suffix and a comma is a place",
    "employers": 'an unknown place after "<person> from" or before ", <city>" on a dated line is an employer',
    "postcode-towns": "a known town before a British postcode is a place, also where the model found none",
    "state-codes": 'a state\'s postal code between a town and a postcode is a place ("Portland, ME 04101")',
    "field-list": "a name the model ran across a people field's list separators is one name per item",
    "typed-fields": 'a name that is a whole item of a typed field\'s value takes its type ("Employee: ...")',
    "field-people": "an item of a people field written as a name is a person where the model found none",
    "columns": "a name in a table's column takes the type that most names of the column have",
    "namesakes": "the given or family name of a person the document names in full is that person",
    "aliases": "a contract's defined short name for a party is that party wherever it appears",
}
"""Each rule's name and what it does (docs/conventions.md says why)."""


def check(skip: frozenset[str]) -> None:
    """Refuse rule names that are not in `RULES` (a misspelt name would otherwise skip nothing)."""
    unknown = sorted(set(skip) - RULES.keys())
    if unknown:
        raise NerkitError("E088", f"unknown span convention rule {', '.join(map(repr, unknown))}")
