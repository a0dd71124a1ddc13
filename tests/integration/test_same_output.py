"""Same input, same output: with the shipped default model, a text's entities and scores do not depend
on what else is in its batch, the batch size, the order, or the way in (Python, server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nerkit.corpus.marked import read_marked

pytestmark = pytest.mark.slow
DOCUMENTS = Path(__file__).parents[1] / "data" / "documents" / "documents.txt"
TEXTS = [document.text for document in read_marked(DOCUMENTS)[:12]] + [
    "Angela Merkel met Emmanuel Macron in Paris on Tuesday.",
    "rosa kowalczyk from gdansk asked about her refund",
    "SIEMENS AG REPORTED RECORD ORDERS IN MUNICH",
    "",
]


@pytest.fixture(scope="module")
def default_ner():
    import nerkit

    ner = nerkit.load()
    assert ner.tagger.backend == "onnx-int8"
    return ner


@pytest.fixture(scope="module")
def alone(default_ner):
    return {text: default_ner.extract(text) for text in TEXTS}


def _same(found, expected) -> bool:
    return [(e.start, e.end, e.label) for e in found] == [
        (e.start, e.end, e.label) for e in expected
    ] and all(abs(a.score - b.score) <= 1e-6 for a, b in zip(found, expected, strict=True))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chosen=st.lists(st.sampled_from(TEXTS), min_size=1, max_size=12),
    batch_size=st.sampled_from([1, 2, 5, 16, 32]),
)
def test_a_texts_entities_do_not_depend_on_its_batch(default_ner, alone, chosen, batch_size):
    default_ner.batch_size = batch_size
    try:
        found = default_ner.extract_batch(chosen)
    finally:
        default_ner.batch_size = 32
    for text, entities in zip(chosen, found, strict=True):
        assert _same(entities, alone[text]), text[:60]


def test_the_server_answers_each_client_what_python_gives_alone(default_ner, alone):
    import concurrent.futures

    import httpx
    from conftest import serve

    from nerkit.serve import ServeConfig

    for url in serve(default_ner, ServeConfig(max_batch=16)):
        with (
            httpx.Client(base_url=url, timeout=60) as client,
            concurrent.futures.ThreadPoolExecutor(8) as pool,
        ):
            replies = list(pool.map(lambda text: client.post("/v1/extract", json={"text": text}), TEXTS * 3))
        for text, reply in zip(TEXTS * 3, replies, strict=True):
            entities = reply.json()["results"][0]["entities"]
            expected = alone[text]
            assert [(e["start"], e["end"], e["label"]) for e in entities] == [
                (e.start, e.end, e.label) for e in expected
            ]
            assert all(abs(e["score"] - x.score) <= 1e-6 for e, x in zip(entities, expected, strict=True))


def test_the_number_of_threads_changes_nothing(alone):
    import nerkit

    one_thread = nerkit.load(threads=1)
    for text in TEXTS:
        assert _same(one_thread.extract(text), alone[text]), text[:60]
