"""nerkit as a spaCy pipeline component: `nlp.add_pipe("nerkit", config={"model": "path or default"})`.

The factory is registered through the `spacy_factories` entry point, so installing nerkit is enough.
The component runs nerkit's whole pipeline (layout, model, recognizers, values) on each doc's text and
puts the entities on `doc.ents` (replacing what an earlier `ner` found where they overlap, or only
filling the gaps with `overwrite_ents: false`) and every one of them on `doc.spans["nerkit"]`, with
`span._.score`, `span._.value` and `span._.source`. nerkit's character offsets are snapped to the
pipeline's tokens (a span that starts or ends inside a token takes the whole token).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nerkit.ner import NER, ExtractOptions, LoadOptions

SPANS_KEY = "nerkit"
for _name in ("score", "value", "source"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


class NerkitComponent:
    def __init__(self, ner: NER, overwrite_ents: bool, options: ExtractOptions) -> None:
        self.ner = ner
        self.overwrite_ents = overwrite_ents
        self.options = options

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """Docs in, the same docs out with entities set; texts are batched through the model."""
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._tag(batch)
                batch = []
        yield from self._tag(batch)

    def _tag(self, docs: list[Doc]) -> Iterator[Doc]:
        for doc, result in zip(docs, self.ner.results([doc.text for doc in docs], self.options), strict=True):
            spans = []
            for entity in result.entities:
                span = doc.char_span(entity.start, entity.end, label=entity.label, alignment_mode="expand")
                if span is None:
                    continue
                span._.score, span._.value, span._.source = entity.score, entity.value, entity.source
                spans.append(span)
            doc.spans[SPANS_KEY] = spans
            kept = filter_spans(spans)
            if self.overwrite_ents:
                taken = {token.i for span in kept for token in span}
                others = [span for span in doc.ents if not any(token.i in taken for token in span)]
                doc.ents = filter_spans([*kept, *others])
            else:
                taken = {token.i for span in doc.ents for token in span}
                doc.ents = [
                    *doc.ents,
                    *(span for span in kept if not any(token.i in taken for token in span)),
                ]
            yield doc


@Language.factory(
    "nerkit",
    default_config={
        "model": None,
        "labels": None,
        "overwrite_ents": True,
        "patterns": True,
        "phone_region": "US",
    },
)
def make_component(
    nlp: Language,
    name: str,
    model: str | None,
    labels: list[str] | None,
    overwrite_ents: bool,
    patterns: bool,
    phone_region: str,
) -> NerkitComponent:
    """`model`: a nerkit model directory, or None (or "default") for the shipped default model."""
    ner = LoadOptions(builtin_patterns=patterns, phone_region=phone_region).load(model)
    options = ExtractOptions(labels=tuple(labels) if labels else None)
    return NerkitComponent(ner, overwrite_ents, options)
