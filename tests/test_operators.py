"""Anonymisation operators and their inverse (nerkit.operators): what each one writes, and that
encryption comes back exactly."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nerkit.entities import Entity, redact
from nerkit.errors import NerkitError
from nerkit.operators import Anonymizer, Operator, deanonymize

TEXT = "Maria Lopez paid 4111 1111 1111 1111; Maria Lopez thanked Tom Berg."
SECRET = b"correct horse battery staple"


def entities(text: str = TEXT) -> list[Entity]:
    spans = [(0, 11, "PERSON"), (17, 36, "CREDIT_CARD"), (38, 49, "PERSON"), (58, 66, "PERSON")]
    return [Entity(start, end, label, text[start:end]) for start, end, label in spans]


def anonymizer(**operators: Operator) -> Anonymizer:
    return Anonymizer({"DEFAULT": Operator(), **operators}, SECRET)


def test_replace_writes_the_label_or_the_given_text():
    found = redact(TEXT, entities(), anonymizer(PERSON=Operator("replace", text="<name>")))
    assert found.text == "<name> paid [CREDIT_CARD]; <name> thanked <name>."


def test_mask_hides_the_chosen_number_of_characters_from_the_start():
    found = redact(TEXT, entities()[1:2], anonymizer(CREDIT_CARD=Operator("mask", chars=15, char="#")))
    assert found.text.startswith("Maria Lopez paid ###############1111;")


def test_mask_from_the_end_keeps_the_beginning():
    found = redact(TEXT, entities()[1:2], anonymizer(CREDIT_CARD=Operator("mask", chars=4, from_end=True)))
    assert "4111 1111 1111 ****;" in found.text


def test_keep_leaves_the_entity_as_it_was():
    assert redact(TEXT, entities(), anonymizer(DEFAULT=Operator("keep"))).text == TEXT


def test_pseudonyms_name_the_same_person_the_same_way():
    found = redact(TEXT, entities(), anonymizer(PERSON=Operator("pseudonym")))
    assert found.text == "PERSON_1 paid [CREDIT_CARD]; PERSON_1 thanked PERSON_2."


def test_pseudonyms_hold_across_texts_that_share_the_numbering():
    numbering: dict = {}
    first = redact(
        "Tom Berg", [Entity(0, 8, "PERSON", "Tom Berg")], anonymizer(PERSON=Operator("pseudonym")), numbering
    )
    second = redact(TEXT, entities(), anonymizer(PERSON=Operator("pseudonym")), numbering)
    assert first.text == "PERSON_1"
    assert second.text.endswith("thanked PERSON_1.")


def test_hash_is_keyed_so_another_key_gives_another_token():
    ours = redact(TEXT, entities()[:1], Anonymizer.from_style("hash", SECRET)).text
    again = redact(TEXT, entities()[:1], Anonymizer.from_style("hash", SECRET)).text
    theirs = redact(TEXT, entities()[:1], Anonymizer.from_style("hash", b"another key")).text
    assert ours == again != theirs
    assert ours.startswith("[PERSON:")


def test_encrypted_text_comes_back_exactly_with_the_key():
    found = redact(TEXT, entities(), Anonymizer.from_style("encrypt", SECRET))
    assert "Maria" not in found.text and "4111" not in found.text
    assert deanonymize(found.text, SECRET) == (TEXT, 4)


def test_a_wrong_key_is_refused_rather_than_returning_the_tokens():
    found = redact(TEXT, entities(), Anonymizer.from_style("encrypt", SECRET))
    with pytest.raises(NerkitError, match="does not decrypt") as refused:
        deanonymize(found.text, b"wrong key")
    assert refused.value.code == "E075"


def test_encrypt_without_a_key_is_refused():
    with pytest.raises(NerkitError) as refused:
        Anonymizer.from_style("encrypt")
    assert refused.value.code == "E072"


def test_an_operator_of_an_unknown_type_is_refused_with_its_label():
    with pytest.raises(NerkitError, match="PERSON") as refused:
        Anonymizer.from_mapping({"PERSON": {"type": "shred"}})
    assert refused.value.code == "E071"


def test_an_operator_for_a_label_nothing_gives_is_refused():
    with pytest.raises(NerkitError, match="'PERSN'") as refused:
        Anonymizer.from_mapping({"PERSN": {"type": "mask"}}, known_labels=["PERSON"])
    assert refused.value.code == "E073"


def test_an_operators_file_that_is_not_yaml_is_refused_with_its_path(tmp_path):
    path = tmp_path / "operators.yaml"
    path.write_text("PERSON: [unclosed", encoding="utf-8")
    with pytest.raises(NerkitError, match=r"operators\.yaml"):
        Anonymizer.from_file(path)


@st.composite
def texts_with_spans(draw):
    text = draw(st.text(min_size=1, max_size=80))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    pairs = [(start, end) for start, end in zip(cuts[::2], cuts[1::2], strict=False) if end > start]
    labels = draw(
        st.lists(st.sampled_from(["PERSON", "EMAIL", "IBAN"]), min_size=len(pairs), max_size=len(pairs))
    )
    return text, [Entity(s, e, label, text[s:e]) for (s, e), label in zip(pairs, labels, strict=True)]


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts_with_spans())
def test_anonymise_then_deanonymise_gives_back_the_exact_input(case):
    text, found = case
    encrypted = redact(text, found, Anonymizer.from_style("encrypt", SECRET))
    assert deanonymize(encrypted.text, SECRET)[0] == text
