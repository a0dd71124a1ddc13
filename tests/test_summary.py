"""Document summaries group mentions of the same thing (nerkit.summary)."""

from nerkit.entities import Entity
from nerkit.summary import summarize


def mentions(text: str, *marked: tuple[str, str]) -> list[Entity]:
    found, position = [], 0
    for surface, label in marked:
        start = text.index(surface, position)
        found.append(Entity(start, start + len(surface), label, surface))
        position = start + len(surface)
    return found


def test_a_surname_joins_the_full_name_seen_earlier():
    text = "David Chen spoke. Later Chen left."
    (group,) = summarize(mentions(text, ("David Chen", "PERSON"), ("Chen", "PERSON")))
    assert (group.name, group.count, group.mentions) == ("David Chen", 2, [(0, 10), (24, 28)])


def test_an_organisation_without_its_legal_suffix_is_the_same_organisation():
    text = "Siemens AG grew. Siemens hired."
    (group,) = summarize(mentions(text, ("Siemens AG", "ORGANIZATION"), ("Siemens", "ORGANIZATION")))
    assert group.name == "Siemens AG" and group.count == 2


def test_an_acronym_joins_the_organisation_it_abbreviates():
    text = "The World Health Organization met. WHO said no."
    groups = summarize(mentions(text, ("World Health Organization", "ORGANIZATION"), ("WHO", "ORGANIZATION")))
    assert [g.count for g in groups] == [2]


def test_a_short_form_that_fits_two_people_joins_neither():
    text = "Jean Martin and Paul Martin came. Martin spoke."
    marked = mentions(text, ("Jean Martin", "PERSON"), ("Paul Martin", "PERSON"), ("Martin", "PERSON"))
    assert [g.name for g in summarize(marked)] == ["Jean Martin", "Paul Martin", "Martin"]


def test_the_same_text_with_two_labels_is_one_group_with_the_most_common_label():
    text = "Munich A. Munich B. Munich C."
    marked = mentions(text, ("Munich", "LOCATION"), ("Munich", "ORGANIZATION"), ("Munich", "LOCATION"))
    (group,) = summarize(marked)
    assert (group.label, group.count) == ("LOCATION", 3)


def test_groups_come_in_order_of_first_mention_with_their_offsets():
    text = "Chen met Lopez. Maria Lopez and David Chen agreed."
    marked = mentions(
        text, ("Chen", "PERSON"), ("Lopez", "PERSON"), ("Maria Lopez", "PERSON"), ("David Chen", "PERSON")
    )
    assert [g.to_dict() for g in summarize(marked)] == [
        {"name": "David Chen", "label": "PERSON", "count": 2, "first": 0, "offsets": [[0, 4], [32, 42]]},
        {"name": "Maria Lopez", "label": "PERSON", "count": 2, "first": 9, "offsets": [[9, 14], [16, 27]]},
    ]
