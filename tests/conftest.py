"""Shared fixtures: tiny data the tests write themselves and a tiny randomly initialised BERT, so the
unit suite runs in seconds without the real corpora or the real encoder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForTokenClassification, BertTokenizer

from nerkit.corpus import Corpus, Sentence

WORDS = [
    "alice",
    "bob",
    "carol",
    "paris",
    "london",
    "berlin",
    "acme",
    "globex",
    "monday",
    "tuesday",
    "visited",
    "met",
    "works",
    "at",
    "in",
    "on",
    "the",
    "and",
    "a",
    "of",
    "for",
    ".",
    ",",
    "joined",
    "left",
    "said",
    "today",
]


def make_sentences() -> list[Sentence]:
    """A toy corpus where capitalised names are people and places are cities: learnable in seconds."""
    templates = [
        (["Alice", "visited", "Paris", "on", "Monday", "."], ["B-per", "O", "B-geo", "O", "B-tim", "O"]),
        (
            ["Bob", "works", "at", "Acme", "in", "London", "."],
            ["B-per", "O", "O", "B-org", "O", "B-geo", "O"],
        ),
        (["Carol", "met", "Bob", "in", "Berlin", "."], ["B-per", "O", "B-per", "O", "B-geo", "O"]),
        (["Globex", "said", "the", "Acme", "deal", "left", "."], ["B-org", "O", "O", "B-org", "O", "O", "O"]),
        (
            ["Alice", "Bob", "joined", "Globex", "on", "Tuesday"],
            ["B-per", "I-per", "O", "B-org", "O", "B-tim"],
        ),
    ]
    return [
        Sentence(tuple(words), tuple(tags), id=number, line=number)
        for number, (words, tags) in enumerate(templates * 8, start=1)
    ]


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 2-layer, hidden-32 uncased BERT saved like a Hugging Face checkpoint."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *"abcdefghijklmnopqrstuvwxyz"]
    vocab += [f"##{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"]
    (folder / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(vocab=str(folder / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertForTokenClassification(config).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def toy_ner(tiny_base: str, tmp_path_factory: pytest.TempPathFactory):
    """A tiny model trained on the toy corpus until it tags it perfectly, loaded for extraction."""
    from nerkit.ner import NER
    from nerkit.train import TrainConfig, train

    sentences = make_sentences()
    corpus = Corpus("toy", {"train": tuple(sentences), "validation": tuple(sentences[:10])})
    out = tmp_path_factory.mktemp("models") / "toy"
    config = TrainConfig(
        base=tiny_base, epochs=8, batch_size=8, learning_rate=3e-3, warmup_ratio=0.0, max_length=32
    )
    train(corpus, out, config, progress=False)
    return NER.load(out)


FAST = {"epochs": 8, "batch_size": 8, "learning_rate": 3e-3, "warmup_ratio": 0.0, "max_length": 32}
"""Training settings that learn the toy corpus in seconds with the tiny base."""


def make_toy_corpus() -> Corpus:
    sentences = make_sentences()
    return Corpus(
        "toy",
        {"train": tuple(sentences[:30]), "validation": tuple(sentences[30:]), "test": tuple(sentences[30:])},
    )


def _regolded(sentence: Sentence, tags: list[str]) -> Sentence:
    return replace(sentence, tags=tuple(tags))


def wrong_gold_corpus() -> Corpus:
    """The toy sentences, with gold changed in some so that a model that learned the toy corpus makes
    each kind of error: Paris read as org (type), "Bob works" as one person (boundary), "visited" as
    an event (missed), and Monday left out of gold (spurious)."""
    sentences = make_sentences()[:10]
    alice, bob = sentences[0], sentences[1]
    test = [
        _regolded(alice, ["B-per", "O", "B-org", "O", "B-tim", "O"]),
        _regolded(bob, ["B-per", "I-per", "O", "B-org", "O", "B-geo", "O"]),
        _regolded(alice, ["B-per", "B-eve", "B-geo", "O", "O", "O"]),
        *sentences[2:5],
    ]
    return Corpus("toy", {"train": tuple(sentences), "validation": tuple(sentences), "test": tuple(test)})


@pytest.fixture
def toy_corpus() -> Corpus:
    return make_toy_corpus()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def serve(ner, config=None) -> Iterator[str]:
    """A live server for `ner` on a free loopback port, for tests that need real sockets."""
    from nerkit.serve import create_app

    yield from serve_app(create_app(ner, config))


def serve_app(app) -> Iterator[str]:
    """A live server for any ASGI `app` on a free loopback port."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def server(toy_ner) -> Iterator[str]:
    yield from serve(toy_ner)
