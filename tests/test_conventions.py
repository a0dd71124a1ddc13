"""Span conventions (nerkit.conventions): what an entity holds and what a document's fields say it is,
rule by rule on hand-made entities, without a model."""

import pytest

from nerkit.entities import Entity


def _conformed(text: str, label: str, span: tuple[int, int] | None = None) -> list[Entity]:
    """`conform` on one model entity over `span` of `text` (all of it by default)."""
    from nerkit.conventions import conform

    start, end = span or (0, len(text))
    return conform(text, [Entity(start, end, label, text[start:end], 0.9)])


@pytest.mark.parametrize(
    ("text", "span", "label", "expected"),
    [
        ("Hi Maria, thanks.", (0, 8), "PERSON", "Maria"),
        ("Guten Tag Herr Neumann,", (0, 22), "PERSON", "Neumann"),
        ("Ciao Ingrid,", (0, 11), "PERSON", "Ingrid"),
        ("Olá Joana, tudo bem?", (0, 9), "PERSON", "Joana"),
        ("We met Dr. Achterberg today.", (7, 21), "PERSON", "Achterberg"),
        ("President Joe Biden spoke.", (0, 19), "PERSON", "Joe Biden"),
        ("It was sent on 5 May 2024.", (15, 26), "DATE_TIME", "5 May 2024"),
        ("Our invoice 2025-118 of 3 October 2025 is open.", (12, 38), "DATE_TIME", "3 October 2025"),
        ("Acme Corp. sent it.", (0, 10), "ORGANIZATION", "Acme Corp."),
        ("We visited the U.S. twice.", (15, 19), "NRP", "U.S."),
        ("Contract with Siemens AG, Munich.", (14, 21), "ORGANIZATION", "Siemens AG"),
        ("Supplier: Vantor Parts Sp. z o.o. today", (10, 22), "ORGANIZATION", "Vantor Parts Sp. z o.o."),
        (
            "ORCHARD LANE DEVELOPMENTS LIMITED    Claimant",
            (0, 26),
            "ORGANIZATION",
            "ORCHARD LANE DEVELOPMENTS LIMITED",
        ),
        ("It was sent on 3 March 2025 between us.", (15, 35), "DATE_TIME", "3 March 2025"),
        ('He said "Lyon" twice.', (8, 14), "LOCATION", "Lyon"),
    ],
)
def test_spans_follow_the_written_conventions(text, span, label, expected):
    from nerkit.conventions import conform

    start, end = span
    (entity,) = conform(text, [Entity(start, end, label, text[start:end], 0.9)])
    assert entity.text == expected == text[entity.start : entity.end]


def test_titles_stay_when_the_user_asks_to_keep_them():
    from nerkit.conventions import conform

    text = "We met Dr. Achterberg today."
    (entity,) = conform(text, [Entity(7, 21, "PERSON", text[7:21])], keep_titles=True)
    assert entity.text == "Dr. Achterberg"


def test_an_entity_that_is_only_a_title_is_dropped():
    from nerkit.conventions import conform

    assert conform("Dear Sir,", [Entity(0, 8, "PERSON", "Dear Sir")]) == []


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        (
            "Doctoral Office, University of Bologna",
            "ORGANIZATION",
            ["Doctoral Office", "University of Bologna"],
        ),
        ("Senior Data Scientist, Allegro", "ORGANIZATION", ["Allegro"]),
        ("Munich, Germany", "LOCATION", ["Munich", "Germany"]),
        ("Tanaka Precision Co., Ltd.", "ORGANIZATION", ["Tanaka Precision Co., Ltd."]),
    ],
)
def test_organizations_and_places_split_at_list_commas_but_not_before_a_legal_suffix(text, label, expected):
    from nerkit.conventions import conform

    found = conform(text, [Entity(0, len(text), label, text, 0.9)])
    assert [entity.text for entity in found] == expected
    assert {entity.label for entity in found} <= {label}


@pytest.mark.parametrize(
    "title",
    [
        "Managing Director",
        "Chief Operating Officer",
        "Sales Engineer",
        "Chair",
        "Purchasing Manager",
        "Translator",
        "Principal",
        "CFO",
        "Protocol Officer",
        "GP",
        "UX Designer",
        "Events team",
        "Operations Desk",
        "Service Agreement",
        "LABORATORY REPORT",
    ],
)
def test_an_organization_that_is_only_a_job_a_team_or_a_document_title_is_dropped(title):
    from nerkit.conventions import conform

    assert conform(title, [Entity(0, len(title), "ORGANIZATION", title)]) == []


def test_a_date_leaves_out_the_preposition_before_it():
    from nerkit.conventions import conform

    text = "SINCE YESTERDAY"
    (entity,) = conform(text, [Entity(0, 15, "DATE_TIME", text)])
    assert entity.text == "YESTERDAY"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ending 5 April 2025", "5 April 2025"),
        ("effective 1 May", "1 May"),
        ("beginning of May", "beginning of May"),
    ],
)
def test_a_date_leaves_out_the_word_that_leads_to_it_but_keeps_its_part(text, expected):
    from nerkit.conventions import conform

    (entity,) = conform(text, [Entity(0, len(text), "DATE_TIME", text)])
    assert entity.text == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("(415) 555-0143", "(415) 555-0143"), ("(Munich", "Munich"), ("Lyon)", "Lyon")]
)
def test_a_bracket_stays_only_with_its_partner_inside(text, expected):
    from nerkit.conventions import conform

    (entity,) = conform(text, [Entity(0, len(text), "PHONE_NUMBER", text)])
    assert entity.text == expected


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("within six weeks of the order", (7, 10), "six weeks"),
        ("back in 3 days", (8, 9), "3 days"),
        ("for fifteen years now", (4, 11), "fifteen years"),  # the words `values.duration` reads
        ("over two decades", (5, 8), "two decades"),
        ("within 5 business days", (7, 8), "5 business days"),
        ("renew for another 12 months", (10, 20), "12 months"),
        ("since 2019 weeks ago", (6, 10), "2019"),
        ("on 3 March 2025 days later", (3, 15), "3 March 2025"),
    ],
)
def test_a_date_that_is_only_a_count_takes_its_unit(text, span, expected):
    (entity,) = _conformed(text, "DATE_TIME", span)
    assert entity.text == expected


@pytest.mark.parametrize(
    "text", ["Dear team", "Hi all", "Hello everyone", "Dear Sir or Madam", "Dear Parents", "Dear Hiring Team"]
)
def test_a_greeting_to_nobody_in_particular_is_no_person(text):
    from nerkit.conventions import conform

    assert conform(text, [Entity(0, len(text), "PERSON", text, 0.9)]) == []


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("of Siemens", "ORGANIZATION", "Siemens"),
        ("at Acme GmbH", "ORGANIZATION", "Acme GmbH"),
        ("University of Bologna", "ORGANIZATION", "University of Bologna"),
        ("in Berlin", "LOCATION", "Berlin"),
    ],
)
def test_no_name_starts_with_a_lowercase_preposition(text, label, expected):
    from nerkit.conventions import conform

    (entity,) = conform(text, [Entity(0, len(text), label, text, 0.9)])
    assert entity.text == expected


def _typed(text: str, entity: tuple[int, int, str], field: tuple[int, int, str]) -> list[tuple[str, str]]:
    from nerkit.conventions import typed

    start, end, label = entity
    found = typed(text, [Entity(start, end, label, text[start:end], 0.9)], [field])
    return [(e.text, e.label) for e in found]


def test_a_name_filling_a_people_field_is_a_person():
    text = "Employee: Kwame Mensah"
    assert _typed(text, (10, 22, "LOCATION"), (10, 22, "PERSON")) == [("Kwame Mensah", "PERSON")]


def test_each_item_of_a_people_list_with_titles_and_remarks_is_a_person():
    text = "Present: Mr Girard (chair), Claire Dubois and Aoife"
    for name, label in (("Girard", "ORGANIZATION"), ("Claire Dubois", "LOCATION"), ("Aoife", "NRP")):
        start = text.index(name)
        assert (name, "PERSON") in _typed(text, (start, start + len(name), label), (9, len(text), "PERSON"))


def test_a_name_that_is_only_part_of_a_field_item_keeps_its_type():
    text = "Manager: Isabel Costa, HR Berlin"
    assert ("Berlin", "LOCATION") in _typed(text, (26, 32, "LOCATION"), (9, 32, "PERSON"))


def test_an_organization_field_holding_two_names_changes_neither():
    from nerkit.conventions import typed

    text = "Company: Siemens AG, Munich"
    entities = [Entity(9, 19, "ORGANIZATION", "Siemens AG"), Entity(21, 27, "LOCATION", "Munich")]
    assert typed(text, entities, [(9, 27, "ORGANIZATION")]) == entities


def test_a_place_field_leaves_a_place_as_it_is_and_patterns_alone():
    from nerkit.conventions import typed

    text = "Country: Germany"
    place = Entity(9, 16, "LOCATION", "Germany")
    assert typed(text, [place], [(9, 16, "LOCATION")]) == [place]
    pattern = Entity(9, 16, "PERSON", "Germany", source="pattern")
    assert typed(text, [pattern], [(9, 16, "LOCATION")]) == [pattern]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Interviewer: George Mills", ["George Mills"]),
        ("Attendees: Dr. Anna Weber (chair), Tom O'Neill", ["Anna Weber", "Tom O'Neill"]),
        ("Present: Sarah Williams", ["Sarah Williams"]),
    ],
)
def test_a_people_field_item_written_as_a_name_is_a_person_when_the_model_missed_it(text, expected):
    from nerkit.conventions import typed

    start = text.index(":") + 2
    found = typed(text, [], [(start, len(text), "PERSON")])
    assert [(e.text, e.label, e.source) for e in found] == [(name, "PERSON", "pattern") for name in expected]


@pytest.mark.parametrize(
    "value",
    [
        "Events Team",
        "Marketing Department",
        "New York",
        "all staff",
        "Open banking in the Baltics",
        "Zoom",
        "Managing Director",
        "Acme Ltd",
    ],
)
def test_a_people_field_item_that_is_no_name_stays_empty(value):
    from nerkit.conventions import typed

    text = f"Host: {value}"
    assert typed(text, [], [(6, len(text), "PERSON")]) == []


def test_a_people_field_item_the_model_or_a_pattern_covers_is_left_to_them():
    from nerkit.conventions import typed

    text = "Guest: Maria Lopez"
    email = Entity(7, 18, "ORGANIZATION", "Maria Lopez", source="pattern")
    assert typed(text, [email], [(7, 18, "PERSON")]) == [email]


def test_a_field_of_no_names_drops_the_names_the_model_found_in_it():
    text = "Languages: Spanish, English"
    assert _typed(text, (11, 18, "PERSON"), (11, 27, "")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at 14:00 Zurich time", [("14:00", "DATE_TIME"), ("Zurich", "LOCATION")]),
        ("9am New York time", [("9am", "DATE_TIME"), ("New York", "LOCATION")]),
        ("at lunch time", [("lunch time", "DATE_TIME")]),
    ],
)
def test_a_time_in_a_city_s_zone_is_a_time_and_a_place(text, expected):
    found = _conformed(text, "DATE_TIME")
    assert [(entity.text, entity.label) for entity in found] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gothenburg, 4 August 2025", [("Gothenburg", "LOCATION"), ("4 August 2025", "DATE_TIME")]),
        ("New Delhi, March 3, 2025", [("New Delhi", "LOCATION"), ("March 3, 2025", "DATE_TIME")]),
        ("Monday, 4 August 2025", [("Monday, 4 August 2025", "DATE_TIME")]),
        ("Tue., 5 May", [("Tue., 5 May", "DATE_TIME")]),
        ("Montreal, 4 August 2025", [("Montreal", "LOCATION"), ("4 August 2025", "DATE_TIME")]),
        ("Marseille, 4 August 2025", [("Marseille", "LOCATION"), ("4 August 2025", "DATE_TIME")]),
        ("Sundsvall, 4 August 2025", [("Sundsvall", "LOCATION"), ("4 August 2025", "DATE_TIME")]),
        ("Gothenburg, early August", [("Gothenburg, early August", "DATE_TIME")]),
    ],
)
def test_a_dateline_is_a_place_and_a_date(text, expected):
    found = _conformed(text, "DATE_TIME")
    assert [(entity.text, entity.label) for entity in found] == expected


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("over the next three years", (14, 25), "next three years"),
        ("in the past decade", (12, 18), "past decade"),
        ("the following Monday", (14, 20), "following Monday"),
        ("a non-next Monday", (11, 17), "Monday"),
        ("this coming Friday", (12, 18), "coming Friday"),
        ("engineers are coming tuesday", (21, 28), "tuesday"),
    ],
)
def test_a_date_takes_the_relative_modifier_before_it(text, span, expected):
    (entity,) = _conformed(text, "DATE_TIME", span)
    assert entity.text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from January 12 to May 8, 2026", ["January 12", "May 8, 2026"]),
        ("22 April and 24 April", ["22 April", "24 April"]),
        ("2015 - 2019", ["2015 - 2019"]),
        ("March to early May", ["March to early May"]),
    ],
)
def test_two_whole_dates_joined_by_to_or_and_are_two(text, expected):
    found = _conformed(text, "DATE_TIME")
    assert [entity.text for entity in found] == expected


@pytest.mark.parametrize(
    ("text", "span", "label"),
    [
        ("Kestrel GmbH, Flughafenstraße 12, Bremen", (14, 29), "LOCATION"),
        ("18 Elm Street, Bangor", (3, 13), "LOCATION"),
        ("Hauptstraße 5a", (0, 11), "ORGANIZATION"),
        ("the flat at 14 Canal Street, Manchester", (12, 27), "LOCATION"),
        ("Kestrel GmbH, Flughafenstraße 12, Bremen", (14, 32), "LOCATION"),
    ],
)
def test_a_street_with_its_house_number_is_no_name(text, span, label):
    assert _conformed(text, label, span) == []


def test_a_street_without_a_house_number_stays_a_place():
    text = "traders on Wall Street said"
    (entity,) = _conformed(text, "LOCATION", (11, 22))
    assert entity.text == "Wall Street"


def test_a_name_before_a_british_postcode_is_the_town_of_an_address():
    text = "45 Canal Street, Manchester M1 3HE; and"
    (entity,) = _conformed(text, "ORGANIZATION", (17, 34))
    assert (entity.text, entity.label) == ("Manchester", "LOCATION")


def test_a_name_that_takes_in_half_a_british_postcode_is_the_town_before_it():
    text = "14 Quay Street\nBristol BS1 4DJ\nVAT Reg."
    (entity,) = _conformed(text, "ORGANIZATION", (15, 26))
    assert (entity.text, entity.label) == ("Bristol", "LOCATION")


def test_the_postcode_after_a_state_s_postal_code_is_no_date():
    from nerkit.conventions import conform

    text = "8/27 Ocean Street, Bondi NSW 2026\n"
    entities = [Entity(19, 24, "LOCATION", "Bondi"), Entity(29, 33, "DATE_TIME", "2026")]
    assert [(e.text, e.label) for e in conform(text, entities)] == [
        ("Bondi", "LOCATION"),
        ("NSW", "LOCATION"),
    ]


def test_a_name_ends_before_a_spaced_dash():
    text = "Clean Rivers Alliance - Volunteer update"
    (entity,) = _conformed(text, "ORGANIZATION", (0, 33))
    assert entity.text == "Clean Rivers Alliance"


@pytest.mark.parametrize("word", ["between", "from", "and"])
def test_a_date_of_a_function_word_alone_is_none(word):
    text = f"five years {word} the start"
    start = text.index(word)
    assert _conformed(text, "DATE_TIME", (start, start + len(word))) == []


def test_a_university_in_another_language_is_an_organization():
    text = "Universidad de Buenos Aires, 2018"
    (entity,) = _conformed(text, "LOCATION", (0, 27))
    assert entity.label == "ORGANIZATION"


def test_an_organization_leaves_the_words_before_its_name_in_capitals():
    text = "IN THE HIGH COURT OF JUSTICE"
    (entity,) = _conformed(text, "ORGANIZATION")
    assert entity.text == "HIGH COURT OF JUSTICE"


def test_a_person_keeps_the_period_of_a_final_initial():
    text = "AGAIN. - KAREN L., DENVER"
    (entity,) = _conformed(text, "PERSON", (9, 17))
    assert entity.text == "KAREN L."


@pytest.mark.parametrize(
    "closing",
    [
        "Mit freundlichen Grüßen",
        "Kind regards",
        "Cordialement",
        "Asante",
        "Grazie",
        "vielen Dank",
        "Muchas gracias",
    ],
)
def test_a_letter_s_closing_is_no_name(closing):
    assert _conformed(closing, "ORGANIZATION") == []


def test_a_name_of_one_letter_is_none():
    text = "Booking reference: QX7T2M"
    assert _conformed(text, "LOCATION", (24, 25)) == []


def test_a_name_run_across_a_people_list_is_one_person_per_item():
    text = "Present: Marc Lefevre and Aoife"
    assert _typed(text, (9, 31, "ORGANIZATION"), (9, 31, "PERSON")) == [
        ("Marc Lefevre", "PERSON"),
        ("Aoife", "PERSON"),
    ]


def test_an_organization_grown_over_its_suffix_takes_in_the_suffix_tagged_alone():
    from nerkit.conventions import conform

    text = "Sharma Textiles Pvt. Ltd., Jaipur"
    entities = [Entity(0, 19, "ORGANIZATION", text[0:19]), Entity(21, 26, "ORGANIZATION", text[21:26])]
    assert [entity.text for entity in conform(text, entities)] == ["Sharma Textiles Pvt. Ltd."]


def test_an_entity_partly_overgrown_keeps_what_is_left_of_it():
    from nerkit.conventions import conform

    text = "Acme Corp Central Berlin"
    entities = [Entity(0, 4, "ORGANIZATION", "Acme"), Entity(5, 24, "LOCATION", text[5:24])]
    assert [(e.text, e.label) for e in conform(text, entities)] == [
        ("Acme Corp", "ORGANIZATION"),
        ("Central Berlin", "LOCATION"),
    ]


def test_a_lone_lowercase_letter_is_no_name():
    from nerkit.conventions import conform

    text = "hey sam, r u still in london?"
    entities = [Entity(11, 12, "LOCATION", "u"), Entity(22, 28, "LOCATION", "london")]
    assert [entity.text for entity in conform(text, entities)] == ["london"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Siemens AG, Munich.", [("Siemens AG", "ORGANIZATION"), ("Munich", "LOCATION")]),
        (
            "Sharma Textiles Pvt. Ltd., Jaipur, India",
            [("Sharma Textiles Pvt. Ltd.", "ORGANIZATION"), ("Jaipur", "LOCATION"), ("India", "LOCATION")],
        ),
        (
            "Acme Corp., Beta Logistics GmbH",
            [("Acme Corp.", "ORGANIZATION"), ("Beta Logistics GmbH", "ORGANIZATION")],
        ),
        ("Siemens AG, and partners", [("Siemens AG", "ORGANIZATION")]),
    ],
)
def test_what_follows_an_organizations_legal_suffix_and_a_comma_is_a_place_or_another_organization(
    text, expected
):
    from nerkit.conventions import conform

    found = conform(text, [Entity(0, len(text), "ORGANIZATION", text, 0.9)])
    assert [(entity.text, entity.label) for entity in found] == expected


SCHEDULE = (
    "09:30   Amara Nwosu      Data Analyst\n"
    "11:00   Lucas Moreau     Data Analyst\n"
    "14:00   Yuki Sato        Data Engineer\n"
)


def _cells(text: str) -> list[tuple[int, int]]:
    import re

    return [match.span() for match in re.finditer(r"\S+(?: \S+)*", text)]


def _named(text: str, *spans: tuple[str, str]) -> list[Entity]:
    found = []
    for name, label in spans:
        start = text.index(name)
        found.append(Entity(start, start + len(name), label, name, 0.9))
    return found


def test_a_name_in_a_table_column_of_people_is_a_person():
    from nerkit.conventions import columns

    entities = _named(
        SCHEDULE, ("Amara Nwosu", "LOCATION"), ("Lucas Moreau", "PERSON"), ("Yuki Sato", "PERSON")
    )
    assert [e.label for e in columns(SCHEDULE, entities, _cells(SCHEDULE))] == ["PERSON"] * 3


def test_a_column_whose_names_disagree_evenly_keeps_them():
    from nerkit.conventions import columns

    entities = _named(SCHEDULE, ("Amara Nwosu", "LOCATION"), ("Lucas Moreau", "PERSON"))
    assert [e.label for e in columns(SCHEDULE, entities, _cells(SCHEDULE))] == ["LOCATION", "PERSON"]


def test_tables_in_other_blocks_do_not_vote_together():
    from nerkit.conventions import columns

    text = SCHEDULE.replace("11:00", "\n11:00", 1)
    entities = _named(text, ("Amara Nwosu", "LOCATION"), ("Lucas Moreau", "PERSON"), ("Yuki Sato", "PERSON"))
    assert [e.label for e in columns(text, entities, _cells(text))] == ["LOCATION", "PERSON", "PERSON"]


def test_the_first_words_of_a_title_are_no_person():
    from nerkit.conventions import conform

    text = "Prime Minister Jacinda Ardern visited."
    entities = [Entity(0, 5, "PERSON", "Prime"), Entity(15, 29, "PERSON", "Jacinda Ardern")]
    assert [entity.text for entity in conform(text, entities)] == ["Jacinda Ardern"]


def test_an_organization_ends_at_a_legal_suffix_that_ends_its_line():
    from nerkit.conventions import conform

    text = "Minutes of the meeting of Cascade Foods S.A.\nHeld in Lyon"
    (entity,) = conform(text, [Entity(26, 49, "ORGANIZATION", text[26:49])])
    assert entity.text == "Cascade Foods S.A."


@pytest.mark.parametrize("number", ["2025/114", "2,000", "12345"])
def test_a_model_date_of_digits_in_no_date_s_shape_is_dropped(number):
    from nerkit.conventions import conform

    text = f"Offer for tender {number} attached."
    assert conform(text, [Entity(17, 17 + len(number), "DATE_TIME", number)]) == []


@pytest.mark.parametrize(
    "date", ["2019", "05.04.2025", "5/4", "2025-04-05", "04/2025", "10:30", "2015 - 2019", "14 15"]
)
def test_a_model_date_of_digits_in_a_date_s_shape_stays(date):
    from nerkit.conventions import conform

    text = f"It happened on {date} here."
    (entity,) = conform(text, [Entity(15, 15 + len(date), "DATE_TIME", date)])
    assert entity.text == date


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Café Lindner", "PERSON"),
        ("Meridian Logistics", "LOCATION"),
        ("University of Bologna", "NRP"),
        ("Praxis am Markt", "PERSON"),
        ("Imobiliária Sol", "PERSON"),
        ("St Olav's Hospital", "LOCATION"),
        ("Elmwood Medical Centre", "LOCATION"),
        ("Harbourside Inn", "LOCATION"),
        ("Grand Hotel Continental", "NRP"),
    ],
)
def test_a_name_with_an_organization_s_word_is_an_organization(name, label):
    from nerkit.conventions import conform

    (entity,) = conform(name, [Entity(0, len(name), label, name)])
    assert entity.label == "ORGANIZATION"


def test_a_name_the_model_read_as_a_person_before_team_is_an_organization():
    from nerkit.conventions import conform

    text = "Hello Bellamy Farms team,"
    (entity,) = conform(text, [Entity(6, 19, "PERSON", "Bellamy Farms")])
    assert (entity.text, entity.label) == ("Bellamy Farms", "ORGANIZATION")


def _labelled(text: str, *names: tuple[str, str]) -> list[tuple[str, str]]:
    """`conform` on model entities given as (name, label), each at its first place in `text`."""
    from nerkit.conventions import conform

    entities = [Entity(text.index(name), text.index(name) + len(name), label, name) for name, label in names]
    return [(entity.text, entity.label) for entity in conform(text, entities)]


def test_an_unknown_place_a_person_is_from_is_their_employer():
    text = "Just a quick note: Jonas from Bosch moved our workshop."
    assert _labelled(text, ("Jonas", "PERSON"), ("Bosch", "LOCATION")) == [
        ("Jonas", "PERSON"),
        ("Bosch", "ORGANIZATION"),
    ]


def test_a_known_town_a_person_is_from_stays_a_place():
    text = "Rosa from Gdansk asked about her refund."
    assert ("Gdansk", "LOCATION") in _labelled(text, ("Rosa", "PERSON"), ("Gdansk", "LOCATION"))


def test_an_unknown_place_before_a_city_in_a_dated_cv_line_is_the_employer():
    text = "Senior Data Engineer      Infosys, Bengaluru          2021 - present"
    found = _labelled(text, ("Infosys", "LOCATION"), ("Bengaluru", "LOCATION"))
    assert found[:2] == [("Infosys", "ORGANIZATION"), ("Bengaluru", "LOCATION")]


def test_an_unknown_place_before_a_city_in_an_undated_line_stays_a_place():
    text = "Office: Nowhereville, Bengaluru"
    found = _labelled(text, ("Nowhereville", "LOCATION"), ("Bengaluru", "LOCATION"))
    assert ("Nowhereville", "LOCATION") in found


def test_a_town_too_short_for_the_place_table_a_person_is_from_stays_a_place():
    text = "Priya from Pune called about the order."
    assert ("Pune", "LOCATION") in _labelled(text, ("Priya", "PERSON"), ("Pune", "LOCATION"))


def test_a_place_named_for_a_bank_stays_a_place():
    from nerkit.conventions import conform

    (entity,) = conform("the West Bank", [Entity(4, 13, "LOCATION", "West Bank")])
    assert entity.label == "LOCATION"


def test_a_name_of_a_person_named_in_full_elsewhere_is_that_person():
    from nerkit.conventions import namesakes

    text = "Employee: Kwame Mensah\nKwame will transfer to Lisbon."
    entities = [
        Entity(10, 22, "PERSON", text[10:22], 1.0),
        Entity(23, 28, "ORGANIZATION", text[23:28], 0.6),
        Entity(46, 52, "LOCATION", text[46:52], 0.9),
    ]
    assert [entity.text for entity in entities] == ["Kwame Mensah", "Kwame", "Lisbon"]
    assert [entity.label for entity in namesakes(entities)] == ["PERSON", "PERSON", "LOCATION"]


def test_a_name_that_also_starts_a_full_name_of_another_type_keeps_its_type():
    from nerkit.conventions import namesakes

    entities = [
        Entity(0, 14, "PERSON", "Michael Jordan"),
        Entity(20, 33, "LOCATION", "Jordan Valley"),
        Entity(40, 46, "LOCATION", "Jordan"),
    ]
    assert [entity.label for entity in namesakes(entities)] == ["PERSON", "LOCATION", "LOCATION"]


def test_an_organization_found_after_another_s_legal_suffix_and_a_comma_is_a_place():
    from nerkit.conventions import conform

    text = "Sharma Textiles Pvt. Ltd., Jaipur"
    entities = [Entity(0, 25, "ORGANIZATION", text[:25]), Entity(27, 33, "ORGANIZATION", "Jaipur")]
    assert [(e.text, e.label) for e in conform(text, entities)] == [
        ("Sharma Textiles Pvt. Ltd.", "ORGANIZATION"),
        ("Jaipur", "LOCATION"),
    ]


def test_two_organizations_with_legal_suffixes_in_a_list_stay_organizations():
    from nerkit.conventions import conform

    text = "Acme Corp., Beta Logistics GmbH"
    entities = [Entity(0, 10, "ORGANIZATION", text[:10]), Entity(12, 31, "ORGANIZATION", text[12:])]
    assert [e.label for e in conform(text, entities)] == ["ORGANIZATION", "ORGANIZATION"]


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("Sales in the Nordics rose", (13, 20), "LOCATION"),
        ("We met in Munich on Friday", (10, 16), "LOCATION"),
        ("Shipped to Germany today", (11, 18), "LOCATION"),
        ("Toyota recalled 20,000 cars", (0, 6), "ORGANIZATION"),
        ("Okta rolled out MFA", (0, 4), "ORGANIZATION"),
    ],
)
def test_an_organization_that_is_only_a_known_place_is_that_place(text, span, expected):
    (entity,) = _conformed(text, "ORGANIZATION", span)
    assert entity.label == expected


def test_a_large_city_s_name_before_a_legal_suffix_stays_an_organization():
    (entity,) = _conformed("Orders from Munich AG arrived", "ORGANIZATION", (12, 18))
    assert (entity.text, entity.label) == ("Munich AG", "ORGANIZATION")


def test_known_places_joined_by_and_are_places():
    found = _conformed("offices in Kisumu and Eldoret", "ORGANIZATION", (11, 29))
    assert [(entity.text, entity.label) for entity in found] == [
        ("Kisumu", "LOCATION"),
        ("Eldoret", "LOCATION"),
    ]


def test_an_organization_with_and_in_its_name_stays_whole():
    (entity,) = _conformed("Procter and Gamble", "ORGANIZATION")
    assert (entity.text, entity.label) == ("Procter and Gamble", "ORGANIZATION")


@pytest.mark.parametrize(("text", "label"), [("Kuehne+Nagel", "PERSON"), ("Procter & Gamble", "LOCATION")])
def test_names_joined_by_an_ampersand_or_a_plus_are_an_organization(text, label):
    (entity,) = _conformed(text, label)
    assert (entity.text, entity.label) == (text, "ORGANIZATION")


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Sheffield warehouse", "ORGANIZATION", [("Sheffield", "LOCATION")]),
        ("DALLAS WAREHOUSE", "LOCATION", [("DALLAS", "LOCATION")]),
        ("Acme warehouse", "ORGANIZATION", [("Acme warehouse", "ORGANIZATION")]),
    ],
)
def test_a_site_named_by_its_town_is_the_town(text, label, expected):
    assert [(entity.text, entity.label) for entity in _conformed(text, label)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fintech Summit 2026 - Day 1", ["2026"]),
        ("2015 - 2019", ["2015 - 2019"]),
        ("9 June - 14 June 2025", ["9 June - 14 June 2025"]),
        ("Oct 2019 - present", ["Oct 2019 - present"]),
    ],
)
def test_a_date_ends_at_a_dash_that_starts_no_date(text, expected):
    start = text.index("2") if text[0] == "F" else 0
    assert [entity.text for entity in _conformed(text, "DATE_TIME", (start, len(text)))] == expected


def test_a_recurring_date_cut_before_its_unit_takes_it():
    text = "payable on the first day of each month."
    (entity,) = _conformed(text, "DATE_TIME", (15, 32))
    assert entity.text == "first day of each month"


def test_a_party_s_defined_short_name_is_that_party_wherever_it_appears():
    from nerkit.conventions import aliases

    text = (
        'between BRIGHTWAVE ANALYTICS LLC, a Delaware company ("Brightwave"), and us. Brightwave shall pay.'
    )
    party = Entity(8, 32, "ORGANIZATION", text[8:32], 0.9)
    found = aliases(text, [party])
    assert [(entity.text, entity.label) for entity in found] == [
        ("BRIGHTWAVE ANALYTICS LLC", "ORGANIZATION"),
        ("Brightwave", "ORGANIZATION"),
        ("Brightwave", "ORGANIZATION"),
    ]


def test_a_defined_role_names_nobody():
    from nerkit.conventions import aliases

    text = 'Acme Ltd (the "Company") and the Company again'
    party = Entity(0, 8, "ORGANIZATION", "Acme Ltd", 0.9)
    assert aliases(text, [party]) == [party]


@pytest.mark.parametrize("text", ["Mr Daniel Price\n22 Willow Road\nNorwich\nNR2 3AX", "Norwich NR2 3AX"])
def test_a_name_above_or_before_a_british_postcode_is_the_town(text):
    start = text.index("Norwich")
    (entity,) = _conformed(text, "ORGANIZATION", (start, start + 7))
    assert (entity.text, entity.label) == ("Norwich", "LOCATION")


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("12 Quay Street\nBristol BS1 4DJ", "Bristol"),
        ("London, SW1A 1AA", "London"),
        ("Unit 4 Great Yarmouth NR30 2ER", "Great Yarmouth"),
    ],
)
def test_a_known_town_before_a_british_postcode_is_a_place_where_the_model_found_nothing(text, town):
    from nerkit.conventions import conform

    assert [(e.text, e.label, e.source) for e in conform(text, [])] == [(town, "LOCATION", "pattern")]


@pytest.mark.parametrize("text", ["Flat 2 Quay Street BS1 4DJ", "Harbourview BS1 4DJ"])
def test_a_word_before_a_postcode_that_names_no_known_town_stays_unlabelled(text):
    from nerkit.conventions import conform

    assert conform(text, []) == []


@pytest.mark.parametrize(
    ("text", "state"),
    [("PO Box 2210, Portland, ME 04101", "ME"), ("Balmain NSW 2041", "NSW"), ("Ottawa, ON K1A 0B1", "ON")],
)
def test_a_state_s_postal_code_before_a_postcode_is_a_place(text, state):
    from nerkit.conventions import conform

    found = [(e.text, e.label) for e in conform(text, []) if e.source == "pattern"]
    assert (state, "LOCATION") in found


def test_a_name_that_runs_into_a_state_s_postal_code_is_the_town_and_the_state():
    text = "12 Wharf Road, Balmain NSW 2041"
    start = text.index("Balmain")
    entities = _conformed(text, "ORGANIZATION", (start, start + len("Balmain NSW")))
    assert [(e.text, e.label) for e in entities] == [("Balmain", "LOCATION"), ("NSW", "LOCATION")]


@pytest.mark.parametrize("text", ["Gate IN 1234", "Invoice NSW 12345", "Room ON 1234", "Total: VAT 2041"])
def test_capitals_before_a_postcode_of_another_country_s_shape_are_no_state(text):
    from nerkit.conventions import conform

    assert conform(text, []) == []


def test_an_entity_ends_before_a_bracket_it_opens_and_does_not_close():
    text = "When: Wednesday, 10 December 2025 14:00-16:00 (CET)"
    (entity,) = _conformed(text, "DATE_TIME", (6, len(text) - 1))
    assert entity.text == "Wednesday, 10 December 2025 14:00-16:00"


@pytest.mark.parametrize(("text", "expected"), [("Delaware", "LOCATION"), ("madrid", "LOCATION")])
def test_a_us_state_and_a_lowercase_large_city_read_as_organizations_are_places(text, expected):
    (entity,) = _conformed(text, "ORGANIZATION")
    assert entity.label == expected


@pytest.mark.parametrize(
    ("text", "word", "label"),
    [
        ("Norwich, UK", "UK", "LOCATION"),
        ("We visited the U.S. twice.", "U.S.", "LOCATION"),
        ("talks with Germany resumed", "Germany", "LOCATION"),
        ("Iraqi officials said", "Iraqi", "NRP"),
        ("a Catholic charity", "Catholic", "NRP"),
    ],
)
def test_gmb_gpe_is_a_location_when_it_names_a_country_and_nrp_otherwise(text, word, label):
    start = text.index(word)
    for shown in ("NRP", "GPE"):
        (found,) = _conformed(text, shown, (start, start + len(word)))
        assert found.label == label
