"""The span conventions' rules by name (nerkit.conventions.RULES): each name switches one rule off and
leaves the others in force, an unknown name is refused, and extraction's options reach the rules."""

import re

import pytest

from nerkit.conventions import RULES, aliases, columns, conform, namesakes, typed
from nerkit.entities import Entity
from nerkit.errors import NerkitError

Spans = tuple[tuple[str, str], ...]


def _located(text: str, spans: Spans) -> list[tuple[int, int, str]]:
    """Each `(words, label)` at the first place in `text` after the one before it."""
    found, position = [], 0
    for words, label in spans:
        start = text.index(words, position)
        found.append((start, start + len(words), label))
        position = start + len(words)
    return found


def _extracted(
    text: str, spans: Spans, fields: Spans = (), skip: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """The conventions in `NER.finish`'s order on model entities `spans`, with the typed `fields` and
    the table cells that padding separates."""
    entities = [
        Entity(start, end, label, text[start:end], 0.9) for start, end, label in _located(text, spans)
    ]
    cells = [match.span() for match in re.finditer(r"\S+(?: \S+)*", text)]
    found = conform(text, entities, skip=skip)
    found = typed(text, found, _located(text, fields), skip)
    found = columns(text, found, cells, skip)
    return [(entity.text, entity.label) for entity in aliases(text, namesakes(found, skip), skip)]


SCHEDULE = (
    "09:30   Amara Nwosu      Data Analyst\n"
    "11:00   Lucas Moreau     Data Analyst\n"
    "14:00   Yuki Sato        Data Engineer\n"
)
CONTRACT = (
    'between BRIGHTWAVE ANALYTICS LLC, a Delaware company ("Brightwave"), and us. Brightwave shall pay.'
)
EXAMPLES: dict[str, tuple[str, Spans, Spans]] = {
    "trim": ('He said "Lyon" twice.', (('"Lyon"', "LOCATION"),), ()),
    "determiner": ("the board of Siemens", (("of Siemens", "ORGANIZATION"),), ()),
    "city-time": ("at 14:00 Zurich time", (("14:00 Zurich time", "DATE_TIME"),), ()),
    "dateline": ("Gothenburg, 4 August 2025", (("Gothenburg, 4 August 2025", "DATE_TIME"),), ()),
    "date-joint": ("from January 12 to May 8, 2026", (("January 12 to May 8, 2026", "DATE_TIME"),), ()),
    "place-list": ("offices in Kisumu and Eldoret", (("Kisumu and Eldoret", "ORGANIZATION"),), ()),
    "list-split": (
        "Doctoral Office, University of Bologna",
        (("Doctoral Office, University of Bologna", "ORGANIZATION"),),
        (),
    ),
    "country": ("We visited the U.S. twice.", (("U.S.", "NRP"),), ()),
    "facility": ("our Dallas warehouse", (("Dallas warehouse", "ORGANIZATION"),), ()),
    "organization-word": ("lunch at Café Lindner", (("Café Lindner", "PERSON"),), ()),
    "joined-names": ("shipped by Kuehne+Nagel", (("Kuehne+Nagel", "PERSON"),), ()),
    "team": ("Hello Bellamy Farms team,", (("Bellamy Farms", "PERSON"),), ()),
    "only-a-place": ("Sales in the Nordics rose", (("Nordics", "ORGANIZATION"),), ()),
    "street": ("18 Elm Street, Bangor", (("Elm Street", "LOCATION"),), ()),
    "sign-off": ("Kind regards,\nAnna", (("Kind regards", "PERSON"),), ()),
    "address-parts": (
        "Clean Rivers Alliance - Volunteer",
        (("Clean Rivers Alliance - Volunteer", "ORGANIZATION"),),
        (),
    ),
    "titles": ("We met Dr. Achterberg today.", (("Dr. Achterberg", "PERSON"),), ()),
    "addressee": ("Dear team,", (("Dear team", "PERSON"),), ()),
    "legal-suffix": ("Contract with Siemens AG today", (("Siemens", "ORGANIZATION"),), ()),
    "job-title": ("Regards, Managing Director", (("Managing Director", "ORGANIZATION"),), ()),
    "document-title": ("See the Service Agreement", (("Service Agreement", "ORGANIZATION"),), ()),
    "date-edges": (
        "It was sent on 3 March 2025 between us.",
        (("on 3 March 2025 between", "DATE_TIME"),),
        (),
    ),
    "date-range": ("Fintech Summit 2026 - Day 1", (("2026 - Day 1", "DATE_TIME"),), ()),
    "date-parts": ("within six weeks of the order", (("six", "DATE_TIME"),), ()),
    "date-digits": ("Our tender 2025/114 closed", (("2025/114", "DATE_TIME"),), ()),
    "one-letter": ("thx u r great", (("u", "PERSON"),), ()),
    "apart": (
        "Sharma Textiles Pvt. Ltd. ships",
        (("Sharma Textiles Pvt", "ORGANIZATION"), ("Ltd.", "ORGANIZATION")),
        (),
    ),
    "placed": (
        "Cascade Foods S.A., Annecy",
        (("Cascade Foods S.A.", "ORGANIZATION"), ("Annecy", "ORGANIZATION")),
        (),
    ),
    "employers": ("Jonas from Bosch moved our workshop.", (("Jonas", "PERSON"), ("Bosch", "LOCATION")), ()),
    "postcode-towns": ("12 Quay Street\nBristol BS1 4DJ", (), ()),
    "state-codes": ("Balmain NSW 2041", (), ()),
    "typed-fields": (
        "Employee: Kwame Mensah",
        (("Kwame Mensah", "LOCATION"),),
        (("Kwame Mensah", "PERSON"),),
    ),
    "field-list": (
        "Present: Marc Lefevre and Aoife",
        (("Marc Lefevre and Aoife", "ORGANIZATION"),),
        (("Marc Lefevre and Aoife", "PERSON"),),
    ),
    "field-people": ("Interviewer: George Mills", (), (("George Mills", "PERSON"),)),
    "columns": (
        SCHEDULE,
        (("Amara Nwosu", "LOCATION"), ("Lucas Moreau", "PERSON"), ("Yuki Sato", "PERSON")),
        (),
    ),
    "namesakes": (
        "Employee: Kwame Mensah\nKwame will transfer.",
        (("Kwame Mensah", "PERSON"), ("Kwame", "ORGANIZATION")),
        (),
    ),
    "aliases": (CONTRACT, (("BRIGHTWAVE ANALYTICS LLC", "ORGANIZATION"),), ()),
}
"""For each rule, a text and the model's entities on which leaving the rule out changes what is found."""


def test_every_rule_has_a_short_name_and_a_description():
    assert all(re.fullmatch(r"[a-z]+(?:-[a-z]+)*", name) for name in RULES)
    assert all(description and "\n" not in description for description in RULES.values())


def test_every_rule_has_an_example_here():
    assert EXAMPLES.keys() == RULES.keys()


@pytest.mark.parametrize("rule", list(RULES))
def test_leaving_a_rule_out_changes_what_its_example_finds(rule):
    text, spans, fields = EXAMPLES[rule]
    assert _extracted(text, spans, fields, frozenset({rule})) != _extracted(text, spans, fields)


def test_every_name_in_rules_is_accepted_together():
    text, spans, fields = EXAMPLES["titles"]
    assert _extracted(text, spans, fields, frozenset(RULES)) == [("Dr. Achterberg", "PERSON")]


def test_leaving_titles_out_keeps_the_honorific_in_the_person():
    assert _extracted("We met Dr. Achterberg today.", (("Dr. Achterberg", "PERSON"),)) == [
        ("Achterberg", "PERSON")
    ]
    skipped = _extracted(
        "We met Dr. Achterberg today.", (("Dr. Achterberg", "PERSON"),), (), frozenset({"titles"})
    )
    assert skipped == [("Dr. Achterberg", "PERSON")]


def test_leaving_the_legal_suffix_out_leaves_the_name_without_it():
    text = "Contract with Siemens AG today"
    assert _extracted(text, (("Siemens", "ORGANIZATION"),)) == [("Siemens AG", "ORGANIZATION")]
    skipped = _extracted(text, (("Siemens", "ORGANIZATION"),), (), frozenset({"legal-suffix"}))
    assert skipped == [("Siemens", "ORGANIZATION")]


def test_leaving_one_rule_out_keeps_the_others():
    text = 'He met "Dr. Achterberg".'
    found = _extracted(text, (('"Dr. Achterberg"', "PERSON"),), (), frozenset({"titles"}))
    assert found == [("Dr. Achterberg", "PERSON")]


@pytest.mark.parametrize(
    "call",
    [
        lambda skip: conform("text", [], skip=skip),
        lambda skip: typed("text", [], [], skip),
        lambda skip: columns("text", [], [], skip),
        lambda skip: namesakes([], skip),
        lambda skip: aliases("text", [], skip),
    ],
    ids=["conform", "typed", "columns", "namesakes", "aliases"],
)
def test_an_unknown_rule_name_is_refused(call):
    with pytest.raises(NerkitError, match=r"E088.*'title'") as refused:
        call(frozenset({"title", "trim"}))
    assert refused.value.code == "E088"


def test_extraction_options_reach_the_rules():
    import nerkit
    from nerkit.ner import ExtractOptions

    ner = nerkit.load()
    text = "We met Dr. Achterberg today."
    people = [e.text for e in ner.extract(text, ["PERSON"])]
    kept = [e.text for e in ner.extract(text, ["PERSON"], ExtractOptions(skip_rules=frozenset({"titles"})))]
    assert (people, kept) == (["Achterberg"], ["Dr. Achterberg"])
    with pytest.raises(NerkitError, match="E088"):
        ner.extract(text, options=ExtractOptions(skip_rules=frozenset({"no-such-rule"})))
