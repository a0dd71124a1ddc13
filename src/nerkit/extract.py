"""`NER`, the object users hold: raw text in, `Entity` spans out, with exact character offsets.

Text is segmented into sentences and words (`nerkit.text`), tagged by the model in length-sorted
batches, decoded with BIO constraints, and mapped back to characters. Pattern recognizers add what a
model should not guess (emails, phone numbers...). Overlaps are settled by one policy, `merge`.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from nerkit.corpus import Corpus, Sentence
from nerkit.corpus.types import neighbours
from nerkit.encode import INFERENCE_BATCH, Context
from nerkit.errors import NerkitError
from nerkit.evaluate import Report, score
from nerkit.labels import entity_types, readable_names, spans
from nerkit.model import DEFAULT_MODEL, Prediction, Tagger
from nerkit.patterns import Recognizer, builtin_recognizers, find_all
from nerkit.text import Segmenter, Word

SORT_SENTENCES = 4096
"""Sentences sorted by length together before batching: with 512, padding was 45% of the tokens fed on
the CoNLL test texts, with 4,096 it is 10% (docs/benchmarks.md)."""
GROUP_CHARACTERS = 4_000_000
"""Texts held at once by `iter_extract` (with at most `SORT_SENTENCES` of them), bounding its memory."""
Source = Literal["model", "pattern"]
RedactStyle = Literal["label", "mask", "hash"]


@dataclass(frozen=True, order=True)
class Entity:
    """A span of the original text: `text == original[start:end]`, always.

    `score` is the mean of the model's probabilities for the span's words (1.0 for pattern matches).
    """

    start: int
    end: int
    label: str
    text: str
    score: float = 1.0
    source: Source = "model"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "source": self.source,
        }


class Redaction(str):
    """The redacted text, usable as a plain string, plus `replacements`: for each replaced entity,
    where it was (`start`, `end`) and where its replacement is (`redacted_start`, `redacted_end`)."""

    replacements: list[dict[str, Any]]

    def __new__(cls, text: str, replacements: list[dict[str, Any]]) -> Redaction:
        redaction = super().__new__(cls, text)
        redaction.replacements = replacements
        return redaction

    @property
    def text(self) -> str:
        return str(self)


def merge(model: Sequence[Entity], patterns: Sequence[tuple[Entity, bool]]) -> list[Entity]:
    """Settle overlaps: structured pattern matches (email, phone, URL, IP, money, percent, degree,
    user rules) win over anything they overlap; otherwise the longer span wins, then the model (whose
    score is a real probability), then the higher score. The result is sorted and non-overlapping."""
    candidates = [(2 if structured else 1, entity) for entity, structured in patterns]
    candidates += [(1, entity) for entity in model]
    ranked = sorted(
        candidates,
        key=lambda item: (
            -item[0],
            -(item[1].end - item[1].start),
            item[1].source != "model",
            -item[1].score,
            item[1].start,
        ),
    )
    kept: list[Entity] = []  # sorted by start and non-overlapping, so ends are sorted too
    for _, entity in ranked:
        position = bisect.bisect_left(kept, entity.start, key=lambda other: other.start)
        clear_before = position == 0 or kept[position - 1].end <= entity.start
        clear_after = position == len(kept) or entity.end <= kept[position].start
        if clear_before and clear_after:
            kept.insert(position, entity)
    return kept


class NER:
    """A trained nerkit model with its pattern recognizers. Get one with `nerkit.load(path)`."""

    def __init__(
        self,
        tagger: Tagger,
        label_names: Mapping[str, str] | None = None,
        recognizers: Sequence[Recognizer] | None = None,
        segmenter: Segmenter | None = None,
        batch_size: int = INFERENCE_BATCH,
    ) -> None:
        self.tagger = tagger
        types = sorted({label[2:] for label in tagger.labels if label != "O"})
        stored = tagger.metadata.get("label_names", {})
        self.label_names = readable_names(types, {**stored, **(label_names or {})})
        self.recognizers = list(builtin_recognizers() if recognizers is None else recognizers)
        self.segmenter = segmenter or Segmenter()
        self.batch_size = batch_size

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        device: torch.device | str = "cpu",
        label_names: Mapping[str, str] | None = None,
        recognizers: Sequence[Recognizer] | None = None,
        allow_pickle: bool = False,
        backend: str = "auto",
        threads: int | None = None,
    ) -> NER:
        """Load a model directory. `label_names` overrides the readable names (e.g. `{"geo": "PLACE"}`);
        `recognizers` replaces the built-in pattern recognizers (pass `[]` for the model alone);
        `allow_pickle` accepts pickle weights, which can run code: only for directories you trust;
        `backend` is `torch`, `onnx`, `onnx-int8` or `auto` (see `Tagger.load`). Without `path`, the
        default English model that ships with nerkit (see MODEL_CARD.md)."""
        tagger = Tagger.load(path or DEFAULT_MODEL, device, allow_pickle, backend, threads)
        return cls(tagger, label_names, recognizers)

    @property
    def labels(self) -> list[str]:
        return self.tagger.labels

    @property
    def metadata(self) -> dict[str, Any]:
        return self.tagger.metadata

    def predict(
        self,
        sentences: Sequence[Sequence[str]],
        batch_size: int = INFERENCE_BATCH,
        progress: bool = False,
        contexts: Sequence[Context] | None = None,
    ) -> list[Prediction]:
        """Tag pre-tokenised sentences (lists of words) with IOB2 tags and per-word probabilities;
        `contexts` are the words around each sentence in its document (see `Sentence.context`)."""
        return self.tagger.predict(sentences, batch_size=batch_size, progress=progress, contexts=contexts)

    def gold_sentences(
        self, data: Corpus | Sequence[Sentence], split: str = "test", limit: int | None = None
    ) -> list[Sentence]:
        """The sentences to evaluate on (a corpus split, `all`, or the sentences given), refusing data
        whose entity types the model has never seen, which would only ever score zero."""
        sentences = list(data[split] if isinstance(data, Corpus) else data)[:limit]
        if not sentences:
            raise NerkitError(
                "E040", f"no sentences to evaluate in split {split!r}", hint="Choose another --split."
            )
        known = {label[2:] for label in self.labels if label != "O"}
        found = set(entity_types(sentence.tags for sentence in sentences))
        if found and not found & known:
            raise NerkitError(
                "E046",
                f"the data's entity types ({', '.join(sorted(found))}) are none of the model's "
                f"({', '.join(sorted(known))})",
                hint="Evaluate on data annotated like the training corpus.",
            )
        return sentences

    def evaluate(
        self,
        data: Corpus | Sequence[Sentence],
        split: str = "test",
        limit: int | None = None,
        batch_size: int = INFERENCE_BATCH,
        progress: bool = False,
    ) -> Report:
        """Entity-level scores on gold sentences (a corpus split, or sentences given directly)."""
        sentences = self.gold_sentences(data, split, limit)
        words, contexts = [s.words for s in sentences], [s.context for s in sentences]
        predictions = self.predict(words, batch_size, progress, contexts)
        return score(
            [sentence.tags for sentence in sentences], [prediction.tags for prediction in predictions]
        )

    def extract(self, text: str, labels: Iterable[str] | None = None) -> list[Entity]:
        """Entities in `text`, sorted and non-overlapping; `labels` keeps only those labels."""
        return next(iter(self.iter_extract([text], labels)))

    def extract_batch(self, texts: Iterable[str], labels: Iterable[str] | None = None) -> list[list[Entity]]:
        return list(self.iter_extract(texts, labels))

    def iter_extract(
        self, texts: Iterable[str], labels: Iterable[str] | None = None
    ) -> Iterator[list[Entity]]:
        """Stream entities for many texts, batching sentences across texts for speed while holding only
        a bounded number of sentences in memory."""
        if isinstance(texts, str):
            raise NerkitError(
                "E041", "extract_batch expects a list of texts, not one string", hint="Use extract."
            )
        wanted = set(labels) if labels is not None else None
        for group in _groups(texts, SORT_SENTENCES, GROUP_CHARACTERS):
            for text, found in zip(group, self._model_entities(group), strict=True):
                merged = self.with_patterns(text, found)
                yield [entity for entity in merged if wanted is None or entity.label in wanted]

    def with_patterns(self, text: str, model_entities: Sequence[Entity]) -> list[Entity]:
        """Model entities of `text` merged with this NER's pattern matches (see `merge`)."""
        matches = find_all(text, self.recognizers) if self.recognizers else []
        pattern = [
            (Entity(m.start, m.end, m.label, text[m.start : m.end], 1.0, "pattern"), structured)
            for m, structured in matches
        ]
        return merge(model_entities, pattern)

    def _model_entities(self, texts: Sequence[str]) -> list[list[Entity]]:
        if any(not isinstance(text, str) for text in texts):
            raise NerkitError("E041", "extract expects text strings")
        found: list[list[Entity]] = [[] for _ in texts]
        pending: list[tuple[int, list[Word]]] = []
        for index, text in enumerate(texts):
            for sentence in self.segmenter.sentences(text):
                pending.append((index, sentence))
                if len(pending) >= SORT_SENTENCES:
                    self._tag_sentences(texts, pending, found)
                    pending = []
        self._tag_sentences(texts, pending, found)
        return found

    def _tag_sentences(
        self, texts: Sequence[str], pending: list[tuple[int, list[Word]]], found: list[list[Entity]]
    ) -> None:
        if not pending:
            return
        sentences = [[word.text for word in words] for _, words in pending]
        contexts = neighbours(sentences, [index for index, _ in pending], [])
        predictions = self.tagger.predict(sentences, self.batch_size, contexts=contexts)
        for (index, words), prediction in zip(pending, predictions, strict=True):
            for start, end, kind in spans(prediction.tags):
                first, last = words[start].start, words[end - 1].end
                mean = sum(prediction.scores[start:end]) / (end - start)
                found[index].append(
                    Entity(
                        first,
                        last,
                        self.label_names.get(kind, kind),
                        texts[index][first:last],
                        round(mean, 4),
                    )
                )

    def redact(
        self, text: str, labels: Iterable[str] | None = None, style: RedactStyle = "label"
    ) -> Redaction:
        """Replace the entities found in `text`; see `redact`."""
        return redact(text, self.extract(text, labels), style)


def _groups(texts: Iterable[str], count: int, characters: int) -> Iterator[list[str]]:
    group: list[str] = []
    size = 0
    for text in texts:
        group.append(text)
        size += len(text) if isinstance(text, str) else 0
        if len(group) >= count or size >= characters:
            yield group
            group, size = [], 0
    if group:
        yield group


def redact(text: str, entities: Iterable[Entity], style: RedactStyle = "label") -> Redaction:
    """Replace entities: `label` gives `[PERSON]`, `mask` gives asterisks of the same length (so
    offsets do not move), `hash` gives `[PERSON:1a2b3c4d]`, stable for the same text and label so
    redacted documents can still be joined on who or what they mention."""
    if style not in ("label", "mask", "hash"):
        raise NerkitError("E042", f"unknown redaction style {style!r}", hint="Use label, mask or hash.")
    pieces: list[str] = []
    replacements = []
    position = shift = 0
    for entity in sorted(entities):
        if style == "label":
            replacement = f"[{entity.label}]"
        elif style == "mask":
            replacement = "*" * (entity.end - entity.start)
        else:
            digest = hashlib.sha256(f"{entity.label}\0{entity.text}".encode()).hexdigest()[:8]
            replacement = f"[{entity.label}:{digest}]"
        pieces += [text[position : entity.start], replacement]
        replacements.append(
            {
                "label": entity.label,
                "start": entity.start,
                "end": entity.end,
                "redacted_start": entity.start + shift,
                "redacted_end": entity.start + shift + len(replacement),
            }
        )
        shift += len(replacement) - (entity.end - entity.start)
        position = entity.end
    pieces.append(text[position:])
    return Redaction("".join(pieces), replacements)
