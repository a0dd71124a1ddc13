"""Train the bundled MiniLM on a few hundred real sentences and check the scores beat a trivial baseline.

Slow (one to two minutes each on 2 cores); they need the shared corpora in the data dir and fail rather
than skip when `NERKIT_REQUIRE_DATA=1` (as in CI).
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict

import pytest

import nerkit
import nerkit.labels
from nerkit.corpus import Corpus, Sentence
from nerkit.errors import NerkitError
from nerkit.evaluate import score

pytestmark = pytest.mark.slow


def _corpus(name: str) -> Corpus:
    try:
        return nerkit.read_corpus(name)
    except NerkitError as error:
        if os.environ.get("NERKIT_REQUIRE_DATA") == "1":
            raise
        pytest.skip(str(error))


def _subset(corpus: Corpus, train: int, validation: int, test: int) -> Corpus:
    parts = {
        "train": corpus["train"][:train],
        "validation": corpus["validation"][:validation],
        "test": corpus["test"][:test],
    }
    return Corpus(corpus.name, parts, corpus.repairs, corpus.sources, corpus.fingerprint)


def _lookup_baseline(train: tuple[Sentence, ...], test: tuple[Sentence, ...]) -> float:
    """Tag each word with its most frequent training tag: what a model must beat to have learned anything."""
    counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for sentence in train:
        for word, tag in zip(sentence.words, sentence.tags, strict=True):
            counts[word][tag] += 1
    predicted = []
    for sentence in test:
        tags = [counts[word].most_common(1)[0][0] if word in counts else "O" for word in sentence.words]
        predicted.append(nerkit.labels.to_iob2(tags)[0])
    return score([sentence.tags for sentence in test], predicted).micro.f1


@pytest.mark.parametrize("name", ["gmb", "conll2003"])
def test_minilm_on_a_few_hundred_real_sentences_beats_the_lookup_baseline(name, tmp_path):
    corpus = _subset(_corpus(name), train=1500, validation=200, test=300)
    config = nerkit.TrainConfig(epochs=2, batch_size=16)
    result = nerkit.train(corpus, tmp_path / name, config, progress=False)
    baseline = _lookup_baseline(corpus["train"], corpus["test"])
    assert result.test is not None
    print(f"{name}: test F1 {result.test.micro.f1:.4f}, lookup baseline {baseline:.4f}")
    assert result.test.micro.f1 > baseline + 0.05
    report = nerkit.load(tmp_path / name).evaluate(corpus, "test").report
    assert report.micro.f1 == result.test.micro.f1


def test_the_default_recipe_names_the_source_of_each_training_sentence():
    from nerkit.train.recipe import build

    try:
        corpus, _ = build("default")
    except NerkitError as error:
        if os.environ.get("NERKIT_REQUIRE_DATA") == "1":
            raise
        pytest.skip(str(error))
    sources = Counter(sentence.source for sentence in corpus["train"])
    cased = {"gmb", "conll2003"}
    assert set(sources) == {
        "documents",
        *cased,
        *(f"{s}-{case}" for s in cased for case in ("lower", "upper")),
    }
    assert sources["documents"] > sources["gmb"] > sources["conll2003"] > 10_000
    assert {sentence.source for sentence in corpus["validation"]} == {"gmb"}  # trained on in the recipe
