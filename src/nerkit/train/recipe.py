"""Recipes: the data and settings that rebuild a shipped model with one command
(`nerkit train --recipe default`, or `make default-model`).

The default model is trained for documents, not only newswire:

- **GMB** (all of its training split), in its own labels: the model's label set.
- **CoNLL-2003** training sentences mapped to GMB's labels: PER -> per, ORG -> org, LOC -> gpe for a
  country (pycountry's names) and geo otherwise. CoNLL annotates no dates and its MISC has no GMB
  counterpart, so MISC words and the words of dates (nerkit's date pattern) are left unlabelled
  (`labels.UNKNOWN`): the model is not taught that they are outside any entity.
- **Casing variants**: a lowercased copy of 15% and an upper-cased copy of 5% of those sentences, so
  chat in lowercase and shouted text keep their names.
- **Documents** (`train.synthetic`): emails, invoices, notes, CVs, address blocks and chat built from
  templates, and a third of them dense in words that are no entity (`train.nonentities`: minutes with
  roles, tickets with software and hosts, clinic letters, policies, job postings, card payments, team
  chat), cut into sentences exactly as extraction cuts raw text (`text.Segmenter`, layout first).

Validation and test stay GMB's, so scores remain comparable with every earlier GMB model. Each training
sentence names its source (`gmb`, `conll2003`, `documents`, and `gmb-lower`... for the casing variants),
which a distillation run's `teach` option selects: a newswire teacher need not teach the documents.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from nerkit.corpus import Corpus, Sentence, content_fingerprint, read_corpus
from nerkit.errors import NerkitError
from nerkit.labels import OUTSIDE, UNKNOWN, spans, tags_from_spans
from nerkit.text import Segmenter, detokenize, word_spans
from nerkit.train.config import TrainConfig

CONLL_TO_GMB = {"PER": "per", "ORG": "org", "LOC": "geo"}
"""CoNLL-2003 types in GMB's labels; LOC becomes `gpe` when it names a country (see `conll_as_gmb`)."""


@dataclass(frozen=True)
class Recipe:
    """How much of each ingredient, and the training settings."""

    documents: int = 6000
    lower: float = 0.15
    upper: float = 0.05
    one_word_companies: float = 0.0
    """Share of the synthetic documents' companies written as one word (`synthetic.Filler`)."""
    seed: int = 13
    config: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=3, train_with_validation=True))
    """Three epochs on train + validation, the last kept: GMB test 0.8446 against 0.8369 for two epochs
    on train alone (MODEL_CARD.md)."""


RECIPES = {"default": Recipe(), "companies": Recipe(one_word_companies=0.25)}
"""`default` and `companies` train the two models `make default-model` averages (`nerkit average`):
alone, `companies` finds one-word companies ("from Bosch") but reads more cities and people as
companies, `default` the reverse; their mean scored above both on documents dev and GMB test
(MODEL_CARD.md)."""


def build(name: str, data_dir: str | Path | None = None) -> tuple[Corpus, TrainConfig]:
    """The corpus and settings of recipe `name`."""
    if name not in RECIPES:
        raise NerkitError("E070", f"unknown recipe {name!r}", hint=f"Use {', '.join(RECIPES)}.")
    recipe = RECIPES[name]
    rng = random.Random(recipe.seed)
    gmb = read_corpus("gmb", data_dir=data_dir)
    conll = conll_as_gmb(read_corpus("conll2003", data_dir=data_dir)["train"])
    newswire = [*_from(gmb["train"], "gmb"), *_from(conll, "conll2003")]
    seen = {label: _span_texts(newswire, label) for label in ("per", "org")}
    synthetic = document_sentences(recipe.documents, recipe.seed, seen, recipe.one_word_companies)
    documents = _from(synthetic, "documents")
    train = [*newswire, *casing_variants(newswire, rng, recipe.lower, recipe.upper), *documents]
    rng.shuffle(train)
    splits = {
        "train": tuple(train),
        "validation": tuple(_from(gmb["validation"], "gmb")),
        "test": gmb["test"],
    }
    corpus = Corpus(
        name=f"recipe-{name}",
        splits=splits,
        repairs=gmb.repairs,
        sources=(*gmb.sources, "conll2003/train.txt", f"synthetic documents x{recipe.documents}"),
        fingerprint=content_fingerprint(splits),
    )
    return corpus, recipe.config


def conll_as_gmb(sentences: Sequence[Sentence]) -> list[Sentence]:
    """CoNLL sentences in GMB's labels (see the module docstring): what GMB would call them, and
    `UNKNOWN` where CoNLL does not say."""
    import pycountry

    countries = {country.name.lower() for country in pycountry.countries}
    countries |= {getattr(country, "common_name", "").lower() for country in pycountry.countries}
    countries |= {"u.s.", "us", "usa", "britain", "russia", "iran", "syria", "south korea", "north korea"}
    dates = _date_pattern()
    mapped = []
    for sentence in sentences:
        found = []
        for start, end, kind in spans(sentence.tags):
            if kind == "LOC":
                text = " ".join(sentence.words[start:end]).lower()
                found.append((start, end, "gpe" if text in countries else "geo"))
            elif kind in CONLL_TO_GMB:
                found.append((start, end, CONLL_TO_GMB[kind]))
        tags = list(tags_from_spans(len(sentence.words), found))
        unknown = {
            i for start, end, kind in spans(sentence.tags) if kind == "MISC" for i in range(start, end)
        }
        unknown |= _words_matching(sentence.words, dates)
        tags = [UNKNOWN if i in unknown and tag == OUTSIDE else tag for i, tag in enumerate(tags)]
        mapped.append(replace(sentence, tags=tuple(tags)))
    return mapped


def casing_variants(
    sentences: Sequence[Sentence], rng: random.Random, lower: float, upper: float
) -> list[Sentence]:
    """Lowercased copies of a share `lower` of the sentences and upper-cased copies of a share `upper`,
    their source marked (`gmb-lower`): a teacher that read only edited casing need not teach them."""
    variants = []
    for sentence in sentences:
        draw = rng.random()
        if draw < lower:
            words, case = tuple(word.lower() for word in sentence.words), "lower"
        elif draw < lower + upper:
            words, case = tuple(word.upper() for word in sentence.words), "upper"
        else:
            continue
        variants.append(replace(sentence, words=words, source=f"{sentence.source}-{case}"))
    return variants


def document_sentences(
    count: int, seed: int, seen: dict[str, Sequence[str]] | None = None, one_word_companies: float = 0.0
) -> list[Sentence]:
    """Synthetic documents cut into tagged sentences the way extraction cuts raw text."""
    from nerkit.train.synthetic import documents

    segmenter = Segmenter()
    sentences = []
    for number, document in enumerate(documents(count, seed, seen, one_word_companies), start=1):
        for words in segmenter.sentences(document.text):
            tags = tags_from_spans(len(words), word_spans(words, document.spans))
            sentences.append(Sentence(tuple(word.text for word in words), tuple(tags), id=number))
    return sentences


def _from(sentences: Sequence[Sentence], source: str) -> list[Sentence]:
    return [replace(sentence, source=source) for sentence in sentences]


def _span_texts(sentences: Sequence[Sentence], label: str) -> list[str]:
    return sorted(
        {
            " ".join(s.words[start:end])
            for s in sentences
            for start, end, kind in spans(s.tags)
            if kind == label
        }
    )


def _date_pattern() -> re.Pattern[str]:
    from nerkit.patterns import DATE_PATTERN

    return re.compile(DATE_PATTERN)


def _words_matching(words: Sequence[str], pattern: re.Pattern[str]) -> set[int]:
    text, offsets = detokenize(words)
    found = set()
    for match in pattern.finditer(text):
        found |= {i for i, (start, end) in enumerate(offsets) if start < match.end() and match.start() < end}
    return found
