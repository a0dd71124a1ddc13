"""The default model's recipe: corpora mapped to one label set, casing variants, document sentences."""

import random

import pytest

from nerkit.corpus import Sentence
from nerkit.labels import UNKNOWN

pytest.importorskip("faker")
pytest.importorskip("pycountry")


def test_conll_types_map_to_gmb_labels_and_countries_become_gpe():
    from nerkit.train.recipe import conll_as_gmb

    sentence = Sentence(
        ("Angela", "Merkel", "visited", "Germany", "and", "Paris", "for", "Siemens"),
        ("B-PER", "I-PER", "O", "B-LOC", "O", "B-LOC", "O", "B-ORG"),
    )
    (mapped,) = conll_as_gmb([sentence])
    assert mapped.tags == ("B-per", "I-per", "O", "B-gpe", "O", "B-geo", "O", "B-org")


def test_conll_misc_words_and_dates_are_left_unlabelled():
    from nerkit.train.recipe import conll_as_gmb

    sentence = Sentence(
        ("German", "fans", "arrived", "on", "Monday", "."), ("B-MISC", "O", "O", "O", "O", "O")
    )
    (mapped,) = conll_as_gmb([sentence])
    assert mapped.tags == (UNKNOWN, "O", "O", "O", UNKNOWN, "O")


def test_casing_variants_copy_sentences_in_lower_and_upper_case():
    from nerkit.train.recipe import casing_variants

    sentences = [Sentence(("Rosa", "Kowalczyk"), ("B-per", "I-per"))] * 1000
    variants = casing_variants(sentences, random.Random(1), lower=0.2, upper=0.1)
    lowered = [v for v in variants if v.words == ("rosa", "kowalczyk")]
    raised = [v for v in variants if v.words == ("ROSA", "KOWALCZYK")]
    assert 150 < len(lowered) < 250 and 50 < len(raised) < 150
    assert all(v.tags == ("B-per", "I-per") for v in variants)


def test_casing_variants_name_their_casing_in_their_source():
    from nerkit.train.recipe import casing_variants

    sentences = [Sentence(("Rosa", "Kowalczyk"), ("B-per", "I-per"), source="gmb")] * 200
    variants = casing_variants(sentences, random.Random(1), lower=0.2, upper=0.1)
    assert {v.source for v in variants if v.words[0] == "rosa"} == {"gmb-lower"}
    assert {v.source for v in variants if v.words[0] == "ROSA"} == {"gmb-upper"}


def test_document_sentences_tag_the_written_entities_within_layout_pieces():
    from nerkit.train.recipe import document_sentences

    sentences = document_sentences(12, seed=3)
    words = {word for sentence in sentences for word in sentence.words}
    assert "From" not in words and "Invoice" not in words  # field names are not sentences' words
    assert any(tag == "B-per" for sentence in sentences for tag in sentence.tags)
    assert {tag[2:] for s in sentences for tag in s.tags if tag != "O"} <= {"per", "org", "geo", "gpe", "tim"}


def test_the_same_seed_writes_the_same_documents_whatever_the_global_random_state():
    from nerkit.train.synthetic import documents

    random.seed(1)
    first = documents(140, seed=5)
    random.seed(2)
    second = documents(140, seed=5)
    assert [(d.text, d.spans) for d in first] == [(d.text, d.spans) for d in second]


def _company_names(one_word_companies: float) -> list[str]:
    from nerkit.train.synthetic import documents

    return [
        d.text[start:end]
        for d in documents(60, seed=5, one_word_companies=one_word_companies)
        for start, end, label in d.spans
        if label == "org"
    ]


def test_default_documents_write_companies_of_several_words():
    names = _company_names(0.0)
    assert names and all(" " in name for name in names)


def test_the_companies_recipe_writes_a_quarter_of_its_companies_as_one_word():
    names = _company_names(0.25)
    share = sum(" " not in name for name in names) / len(names)
    assert 0.15 < share < 0.35, share


def test_synthetic_spans_are_trimmed_and_fall_on_the_words_extraction_sees():
    from nerkit.text import Segmenter
    from nerkit.train.synthetic import documents

    segmenter, total, aligned = Segmenter(), 0, 0
    for document in documents(60, seed=2):
        words = [word for sentence in segmenter.sentences(document.text) for word in sentence]
        starts, ends = {word.start for word in words}, {word.end for word in words}
        for start, end, _ in document.spans:
            piece = document.text[start:end]
            assert piece and piece == piece.strip()
            total += 1
            aligned += start in starts and end in ends
    assert aligned / total > 0.99  # "Krein B.V.." at a sentence end is the known miss


def test_cv_rows_date_their_years_and_name_no_language_or_work_mode():
    from nerkit.train.synthetic import LANGUAGES, WORK_MODES, Filler, cv

    fill = Filler(random.Random(4))
    for _ in range(20):
        document = cv(fill)
        labelled = {document.text[start:end]: label for start, end, label in document.spans}
        years = [text for text, label in labelled.items() if label == "tim"]
        assert years and all(text[:4].isdigit() for text in years)
        assert not set(labelled) & {*LANGUAGES, *WORK_MODES}


def test_receipt_items_are_no_entities_and_the_server_is_a_person():
    from nerkit.train.synthetic import FOOD, Filler, receipt

    fill = Filler(random.Random(6))
    documents = [receipt(fill) for _ in range(20)]
    spans = [(d.text[start:end], label) for d in documents for start, end, label in d.spans]
    assert not {text for text, _ in spans} & set(FOOD)
    assert any(label == "per" for _, label in spans)
    assert all(any(item in d.text for item in FOOD) for d in documents)


class _Recorder:
    """Stands for a `Vocabulary` and remembers every word it gave."""

    def __init__(self, vocabulary):
        self.vocabulary, self.drawn = vocabulary, []

    def __getattr__(self, name):
        draw = getattr(self.vocabulary, name)

        def recorded():
            word = draw()
            self.drawn.append(word)
            return word

        return recorded


def _written_with_recorder(kind, count=15, seed=3):
    from nerkit.train.synthetic import Filler

    fill = Filler(random.Random(seed))
    fill.words = recorder = _Recorder(fill.words)
    return [kind(fill) for _ in range(count)], recorder.drawn


@pytest.mark.parametrize(
    "name", ["minutes", "ticket", "clinic_letter", "policy", "posting", "payment", "team_chat"]
)
def test_words_drawn_as_non_entities_are_never_annotated(name):
    from nerkit.train.nonentities import KINDS

    documents, drawn = _written_with_recorder(KINDS[name])
    assert drawn, "the kind draws no non-entity word"
    for document in documents:
        covered = {i for start, end, _ in document.spans for i in range(start, end)}
        for word in {w.lower() if name == "team_chat" else w for w in drawn if len(w) >= 4}:
            at = document.text.find(word)
            if at >= 0:
                assert not set(range(at, at + len(word))) <= covered, (word, document.text)


def test_signature_titles_and_departments_stay_outside_the_entities():
    from nerkit.train.synthetic import email

    documents, drawn = _written_with_recorder(email, count=20)
    titles = [w for w in drawn if len(w) >= 4]
    assert titles
    for document in documents:
        labelled = {document.text[start:end] for start, end, _ in document.spans}
        assert not labelled & set(titles)


_CHAT_WORDS = {"ping", "ask", "cc", "thx", "hey", "w", "morning", "said", "abt"}


def test_team_chat_names_stand_alone_next_to_verbs_and_shorthand_dates_are_dates():
    from nerkit.train.nonentities import team_chat

    documents, _ = _written_with_recorder(team_chat, count=40)
    spans = [(d.text[start:end], label) for d in documents for start, end, label in d.spans]
    people = [text for text, label in spans if label == "per"]
    assert people and all(text == text.lower() and text.split()[0] not in _CHAT_WORDS for text in people)
    assert {text for text, label in spans if label == "tim"} <= {"tmrw", "eod"}
    assert any(text == "eod" for text, _ in spans) and any(text == "tmrw" for text, _ in spans)


def test_each_round_of_kinds_writes_every_non_entity_kind_once_and_every_other_kind_twice():
    from nerkit.train import nonentities
    from nerkit.train.synthetic import KINDS, documents

    rounds = 2
    written = documents(rounds * (2 * len(KINDS) + len(nonentities.KINDS)), seed=1)
    assert sum("| Priority: P" in d.text for d in written) == rounds  # tickets
    assert sum(d.text.startswith("From: ") for d in written) == 2 * rounds  # emails


def test_vocabulary_acronyms_are_capital_initials_and_card_brands_carry_no_digit_counts():
    from nerkit.train.vocabulary import Vocabulary

    vocabulary = Vocabulary(random.Random(8))
    acronyms = [vocabulary.acronym() for _ in range(50)]
    assert all(a.isupper() and 2 <= len(a) <= 5 for a in acronyms)
    brands = {vocabulary.card_brand() for _ in range(80)}
    assert {"Visa", "JCB"} & brands and not any("digit" in brand for brand in brands)


def test_a_missing_list_package_stops_the_recipe_before_any_document_with_its_name(monkeypatch):
    from nerkit import extras
    from nerkit.errors import NerkitError
    from nerkit.train.synthetic import Filler

    real = extras.find_spec
    monkeypatch.setattr(extras, "find_spec", lambda name: None if name == "mimesis" else real(name))
    with pytest.raises(NerkitError, match=r"E065.*needs mimesis.*nerkit\[recipe\]"):
        Filler(random.Random(1))
