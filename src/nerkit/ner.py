"""`NER`, the object users hold, and its pipeline: raw text in, `Entity` spans with exact character
offsets out.

One sequence of stages, in one place, for every way in (Python, CLI, server, page, Ray):

    text -> segments (`nerkit.text`) -> model (`Tagger`: forward, decode) -> entities
         -> recognizers (`nerkit.patterns`) -> merge (`entities.merge`) -> label filter -> redaction

The first half (`tag`) is the model's and is batched across texts; the second (`finish`) is per text
and follows the call's `ExtractOptions`. The server micro-batches the first half across requests and
runs the second per request; everything else calls `results`, which runs both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerkit import layout, places
from nerkit.conventions import aliases, columns, conform, namesakes, typed
from nerkit.corpus.types import neighbours
from nerkit.encode import INFERENCE_BATCH, Context
from nerkit.entities import Entity, Redaction, RedactStyle, merge, redact
from nerkit.errors import NerkitError
from nerkit.evaluate import Evaluation, TextEvaluation, evaluate, span_report
from nerkit.labels import readable_names, span_score, spans
from nerkit.modeldir import model_path
from nerkit.operators import Anonymizer, read_secret
from nerkit.patterns import Recognizer, builtin_recognizers, find_all, recognizers
from nerkit.regions import document_region
from nerkit.summary import Group, summarize
from nerkit.text import Segmenter, Word
from nerkit.values import reader, written_at

if TYPE_CHECKING:
    import torch

    from nerkit.corpus import Corpus, Sentence
    from nerkit.decode import Prediction
    from nerkit.model import Tagger

SORT_SENTENCES = 4096
"""Sentences sorted by length together before batching: with 512, padding was 45% of the tokens fed on
the CoNLL test texts, with 4,096 it is 10% (docs/benchmarks.md)."""
GROUP_CHARACTERS = 4_000_000
"""Texts held at once by `results` (with at most `SORT_SENTENCES` of them), bounding its memory."""


@dataclass(frozen=True)
class ExtractOptions:
    """What one extraction asks for. The same fields, with the same meaning, are the CLI's flags, the
    server's request fields and the Ray engine's options."""

    labels: tuple[str, ...] | None = None
    """Keep only these labels (readable names such as PERSON, EMAIL); None keeps all."""
    patterns: bool = True
    """Add the pattern recognizers' matches (emails, phone numbers...) to the model's entities."""
    redact: RedactStyle | Anonymizer | None = None
    """Also return the text with entities replaced: one style for every label (`label`, `mask`, `hash`,
    `pseudonym`, `encrypt`; the secret from `$NERKIT_KEY`) or operators per label (`Anonymizer`)."""
    keep_titles: bool = False
    """Keep greetings, honorifics and titles in PERSON spans ("Dr. Achterberg", not "Achterberg")."""
    values: bool = True
    """Give each entity that has one its normalised value (`nerkit.values`)."""
    reference_time: datetime | None = None
    """What relative and yearless dates ("tomorrow", "30 November") count from: by default the text's
    own date header ("Date: Tue, 18 Nov 2025 10:02:11 +0100"), else now; a naive time is taken as local."""
    explain: bool = False
    """Say on each entity which recognizer found it, with which check and context word."""
    summary: bool = False
    """Also group the entities by what they refer to, with counts and offsets (`nerkit.summary`)."""
    min_score: float = 0.0
    """Drop entities scored below this; after `nerkit calibrate`, scores are calibrated probabilities."""
    thresholds: bool = True
    """Drop the model's entities scored below their label's threshold, where `nerkit calibrate` stored
    one (`NER.thresholds`); pattern matches are kept whatever their score."""
    skip_rules: frozenset[str] = frozenset()
    """Span convention rules to leave out, by name (`conventions.RULES`): for measuring what each rule
    is worth (bench/ablation.py)."""

    def __post_init__(self) -> None:
        if isinstance(self.redact, str):
            object.__setattr__(self, "redact", Anonymizer.from_style(self.redact, read_secret(None)))
        if isinstance(self.labels, str):
            raise NerkitError("E048", "labels must be a list of label names, not one string")


@dataclass(frozen=True)
class LoadOptions:
    """How a model is loaded with its recognizers: the CLI and every Ray actor load through here."""

    builtin_patterns: bool = True
    phone_region: str = "US"
    """Where phone numbers without a +country code are assumed to be (ISO 3166 code)."""
    patterns: str | None = None
    """A YAML/JSON file of user rules (see `patterns.load_recognizers`)."""
    allow_pickle: bool = False
    backend: str = "auto"

    def load(self, model: str | Path | None = None, threads: int | None = None) -> NER:
        found = recognizers(self.builtin_patterns, self.phone_region, self.patterns)
        return NER.load(
            model,
            recognizers=found,
            allow_pickle=self.allow_pickle,
            backend=self.backend,
            threads=threads,
            phone_region=self.phone_region,
        )


@dataclass(frozen=True)
class Result:
    """One text's entities, and its redaction and summary when the options asked for them."""

    text: str
    entities: list[Entity] = field(default_factory=list)
    redacted: Redaction | None = None
    summary: list[Group] | None = None


class NER:
    """A trained nerkit model with its pattern recognizers. Get one with `nerkit.load(path)`."""

    def __init__(
        self,
        tagger: Tagger,
        label_names: Mapping[str, str] | None = None,
        recognizers: Sequence[Recognizer] | None = None,
        segmenter: Segmenter | None = None,
        batch_size: int = INFERENCE_BATCH,
        phone_region: str = "US",
    ) -> None:
        self.tagger = tagger
        stored = tagger.metadata.get("label_names", {})
        self.label_names = readable_names(tagger.entity_types, {**stored, **(label_names or {})})
        self.recognizers = list(builtin_recognizers() if recognizers is None else recognizers)
        self.segmenter = segmenter or Segmenter()
        self.batch_size = batch_size
        self.phone_region = phone_region
        """Where phone numbers without a country code are read, unless the document says otherwise."""
        self.thresholds: dict[str, float] = dict(tagger.metadata.get("thresholds", {}))
        """Per readable label, the score below which the model's entities are dropped (`nerkit calibrate`)."""

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
        phone_region: str = "US",
    ) -> NER:
        """Load a model directory. `label_names` overrides the readable names (e.g. `{"geo": "PLACE"}`);
        `recognizers` replaces the built-in pattern recognizers (pass `[]` for the model alone);
        `allow_pickle` accepts pickle weights, which can run code: only for directories you trust;
        `backend` is `torch`, `onnx`, `onnx-int8` or `auto` (see `modeldir.read`); `threads` is the CPU
        cores to use (an ONNX model runs that many batches at once, `OnnxModel`; for a PyTorch model
        it sets torch's threads, which are the whole process's); `phone_region` reads
        values of phone numbers without a country code (as `LoadOptions`). Without `path`, or with
        `"default"`, the English model that ships with nerkit (see MODEL_CARD.md)."""
        from nerkit.model import Tagger

        tagger = Tagger.load(model_path(path), device, allow_pickle, backend, threads)
        return cls(tagger, label_names, recognizers, phone_region=phone_region)

    @property
    def labels(self) -> list[str]:
        return self.tagger.labels

    @property
    def known_labels(self) -> set[str]:
        """Every readable label an extraction can give: the model's and the recognizers'."""
        return set(self.label_names.values()) | {recognizer.label for recognizer in self.recognizers}

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

    def evaluate(
        self,
        data: Corpus | Sequence[Sentence],
        split: str = "test",
        limit: int | None = None,
        batch_size: int = INFERENCE_BATCH,
        progress: bool = False,
    ) -> Evaluation:
        """Entity-level scores on gold sentences (a corpus split, or sentences given directly), with the
        predictions and error records (see `nerkit.evaluate.evaluate`)."""
        from nerkit.corpus import Corpus

        sentences = list(data[split] if isinstance(data, Corpus) else data)[:limit]

        def tags(words: list[Sequence[str]], contexts: list[Context]) -> list[Sequence[str]]:
            return [p.tags for p in self.predict(words, batch_size, progress, contexts)]

        return evaluate(sentences, tags, self.tagger.entity_types, f"split {split!r}")

    def evaluate_text(
        self, texts: Sequence[str], gold: Sequence[Sequence[tuple[int, int, str]]]
    ) -> TextEvaluation:
        """The whole extraction pipeline scored on raw texts with gold character spans (exact and
        partial-overlap F1; see `evaluate.span_report`): layout, conventions and recognizers included."""
        predicted = tuple(
            tuple((e.start, e.end, e.label) for e in result.entities) for result in self.results(texts)
        )
        return TextEvaluation(
            span_report(gold, predicted), span_report(gold, predicted, partial=True), predicted
        )

    def warm_up(self) -> None:
        """Load what extraction otherwise loads on its first text (the place tables, about 0.1 s; the
        dates' parsers; ONNX Runtime's first allocations). For long-running processes (the server, the
        `--workers` processes): their first request is then as fast as the next, and
        `freeze_loaded_objects` called after this freezes those tables with the model. A one-text
        command line leaves it out, since its text may need none of them."""
        places.load_tables()
        self.extract(_WARM_UP_TEXT)

    def extract(
        self, text: str, labels: Iterable[str] | None = None, options: ExtractOptions | None = None
    ) -> list[Entity]:
        """Entities in `text`, sorted and non-overlapping; `labels` keeps only those labels."""
        return next(self.results([text], _options(labels, options))).entities

    def extract_batch(
        self, texts: Iterable[str], labels: Iterable[str] | None = None, options: ExtractOptions | None = None
    ) -> list[list[Entity]]:
        return list(self.iter_extract(texts, labels, options))

    def iter_extract(
        self, texts: Iterable[str], labels: Iterable[str] | None = None, options: ExtractOptions | None = None
    ) -> Iterator[list[Entity]]:
        """Stream entities for many texts (see `results`)."""
        for result in self.results(texts, _options(labels, options)):
            yield result.entities

    def redact(
        self, text: str, labels: Iterable[str] | None = None, style: RedactStyle | Anonymizer = "label"
    ) -> Redaction:
        """Replace the entities found in `text`; see `nerkit.entities.redact`."""
        result = next(self.results([text], _options(labels, ExtractOptions(redact=style))))
        assert result.redacted is not None
        return result.redacted

    def results(self, texts: Iterable[str], options: ExtractOptions | None = None) -> Iterator[Result]:
        """The whole pipeline over many texts, in order: batching sentences across texts for speed while
        holding only a bounded number of them in memory."""
        if isinstance(texts, str):
            raise NerkitError(
                "E041", "extract_batch expects a list of texts, not one string", hint="Use extract."
            )
        options = options or ExtractOptions()
        pseudonyms: dict[tuple[str, str], str] = {}
        for group in _groups(texts, SORT_SENTENCES, GROUP_CHARACTERS):
            if any(not isinstance(text, str) for text in group):
                raise NerkitError("E041", "extract expects text strings")
            segments = [layout.segments(text) for text in group]
            tagged = self.tag(group, segments)
            for text, found, pieces in zip(group, tagged, segments, strict=True):
                yield self.finish(text, found, options, pseudonyms, pieces)

    def tag(
        self, texts: Sequence[str], segments: Sequence[Sequence[layout.Segment]] | None = None
    ) -> list[list[Entity]]:
        """The model's half of the pipeline: segment, tag and decode; the model's entities per text.
        `segments` are the texts' layout segments when the caller has them."""
        if any(not isinstance(text, str) for text in texts):
            raise NerkitError("E041", "extract expects text strings")
        found: list[list[Entity]] = [[] for _ in texts]
        pending: list[tuple[int, list[Word]]] = []
        for index, text in enumerate(texts):
            for sentence in self.segmenter.sentences(text, None if segments is None else segments[index]):
                pending.append((index, sentence))
                if len(pending) >= SORT_SENTENCES:
                    self._tag_sentences(texts, pending, found)
                    pending = []
        self._tag_sentences(texts, pending, found)
        return found

    def finish(
        self,
        text: str,
        model_entities: Sequence[Entity],
        options: ExtractOptions,
        pseudonyms: dict[tuple[str, str], str] | None = None,
        segments: Sequence[layout.Segment] | None = None,
    ) -> Result:
        """The per-text half: recognizers (within the layout's segments, given when the caller has
        them), merge, span conventions (docs/conventions.md), label filter, values, explanations and
        redaction. `pseudonyms` keeps pseudonyms the same across the texts of one call."""
        region = document_region(text, self.phone_region) if options.patterns or options.values else None
        pieces = layout.segments(text) if segments is None else segments
        entities = (
            self._with_patterns(text, model_entities, pieces, region)
            if options.patterns
            else list(model_entities)
        )
        entities = conform(text, entities, options.keep_titles, options.skip_rules)
        fields = [(piece.start, piece.end, layout.field_label(piece.field)) for piece in pieces]
        entities = typed(
            text, entities, [field for field in fields if field[2] is not None], options.skip_rules
        )
        entities = columns(
            text,
            entities,
            [(piece.start, piece.end) for piece in pieces if piece.field is None],
            options.skip_rules,
        )
        entities = aliases(text, namesakes(entities, options.skip_rules), options.skip_rules)
        if options.labels is not None:
            wanted = set(options.labels)
            entities = [entity for entity in entities if entity.label in wanted]
        if options.min_score > 0:
            entities = [entity for entity in entities if entity.score >= options.min_score]
        if options.thresholds and self.thresholds:
            entities = [
                e for e in entities if e.source != "model" or e.score >= self.thresholds.get(e.label, 0.0)
            ]
        if options.values:
            region = region or self.phone_region
            headers = layout.date_headers(text, pieces)
            entities = self._with_values(entities, options.reference_time, headers, region)
        entities = [_explained(entity) if options.explain else _unexplained(entity) for entity in entities]
        redacted = None
        if isinstance(options.redact, Anonymizer):
            redacted = redact(text, entities, options.redact, pseudonyms)
        return Result(text, entities, redacted, summarize(entities) if options.summary else None)

    def _with_values(
        self, entities: list[Entity], reference: datetime | None, date_headers: Sequence[str], region: str
    ) -> list[Entity]:
        """Values read against `reference`, else when the message says it was written, else now."""
        now = datetime.now().astimezone().replace(second=0, microsecond=0)  # a parser per minute
        reference = reference or written_at(date_headers, now, region) or now
        reference = reference if reference.tzinfo is not None else reference.astimezone()
        valued = []
        for entity in entities:
            read = reader(entity.label, reference, region)
            valued.append(replace(entity, value=read(entity.text)) if read else entity)
        return valued

    def _with_patterns(
        self,
        text: str,
        model_entities: Sequence[Entity],
        segments: Sequence[layout.Segment],
        region: str | None,
    ) -> list[Entity]:
        """Recognizers run on each layout segment alone, so a match never takes in the next line's field
        name or cell; a date header's whole value is one DATE_TIME (`layout.header_date`), and so is a
        cell that is a year or a range of years (`layout.years`); `region` is where the document's
        phone numbers seem to be from."""
        pattern: list[tuple[Entity, bool]] = []
        for segment in segments:
            piece = text[segment.start : segment.end]
            end, check = None, None
            if segment.field in layout.DATE_FIELDS and layout.header_date(piece):
                end, check = segment.end, "rfc2822"
            elif piece[:1].isdigit() and (end := layout.years(text, segment.start, segment.end)):
                check = "year cell"
            if end is not None:
                explanation = {"recognizer": "DATE_TIME", "check": check}
                found = Entity(
                    segment.start,
                    end,
                    "DATE_TIME",
                    text[segment.start : end],
                    1.0,
                    "pattern",
                    explanation=explanation,
                )
                pattern.append((found, True))
        pieces = [(segment.start, segment.end) for segment in segments]
        for match, structured in find_all(text, self.recognizers, pieces, region) if self.recognizers else []:
            found = Entity(
                match.start,
                match.end,
                match.label,
                text[match.start : match.end],
                match.score,
                "pattern",
                explanation=match.explanation,
            )
            pattern.append((found, structured))
        return merge(model_entities, pattern)

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
                mean = span_score(prediction.scores, start, end)
                found[index].append(
                    Entity(
                        first,
                        last,
                        self.label_names.get(kind, kind),
                        texts[index][first:last],
                        round(mean, 4),
                    )
                )


_WARM_UP_TEXT = (
    "From: Anna Weber <a.weber@example.de>\nDate: Mon, 5 May 2025 09:30:00 +0200\n\n"
    "Hi Tom, Acme GmbH in Berlin paid EUR 1,200 on 5 May; call +49 30 901820 next Friday."
)


def _unexplained(entity: Entity) -> Entity:
    return entity if entity.explanation is None else replace(entity, explanation=None)


def _explained(entity: Entity) -> Entity:
    if entity.explanation is not None:
        return entity
    return replace(entity, explanation={"recognizer": "model", "score": entity.score})


def _options(labels: Iterable[str] | None, options: ExtractOptions | None) -> ExtractOptions:
    options = options or ExtractOptions()
    if labels is None:
        return options
    return replace(options, labels=labels if isinstance(labels, str) else tuple(labels))  # str: E048


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


def freeze_loaded_objects() -> None:
    """Stop Python's cyclic garbage collector from scanning what is alive now (the model, tokenizer,
    segmentation rules, place tables, dateparser's tables): in a process that loads a model once and
    then extracts, every collection otherwise walks those objects again, about a tenth of extraction time
    (docs/benchmarks.md). For processes nerkit owns (the CLI, the server, `--workers`): objects frozen
    are never collected, so a library caller that loads and drops models should not call it."""
    import gc

    gc.collect()
    gc.freeze()
