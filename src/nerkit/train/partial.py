"""Partial annotation: a user who teaches a model a new label marks that label and leaves the rest
unmarked. Trained as it is, such data teaches that every person and company in it is no entity, and the
model forgets what it knew. So, when a model continues on data that lacks some of its labels, those
labels are taken from the model itself: its spans of the labels the data does not annotate are added
where they overlap no annotated span (`completed`: the user's annotation wins), and its word-label
probabilities are rehearsed on every word outside the annotated spans (`rehearsal_targets`: a
distillation from the model as it was, which `TrainConfig.distill_weight` weighs)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

import torch

from nerkit.corpus import Sentence
from nerkit.encode import Window
from nerkit.labels import OUTSIDE, UNKNOWN, parse_tag, spans
from nerkit.model import Tagger
from nerkit.train.distill import labelled_words


def completed(
    tagger: Tagger, sentences: Sequence[Sentence], annotated: Collection[str], batch_size: int
) -> list[Sentence]:
    """`sentences` with the model's spans of the types not in `annotated` added where the sentence has
    no annotated entity (its unmarked and unknown words)."""
    probabilities = tagger.word_probabilities(
        [s.words for s in sentences], batch_size, contexts=[s.context for s in sentences]
    )
    found = []
    for sentence, probs in zip(sentences, probabilities, strict=True):
        tags = list(sentence.tags)
        for start, end, kind in spans(tagger.decoder(probs).tags):
            if kind in annotated or any(tag not in (OUTSIDE, UNKNOWN) for tag in tags[start:end]):
                continue
            tags[start:end] = [f"B-{kind}", *(f"I-{kind}" for _ in range(start + 1, end))]
        found.append(replace(sentence, tags=tuple(tags)))
    return found


def rehearsal_targets(
    tagger: Tagger,
    sentences: Sequence[Sentence],
    windows: Sequence[Window],
    known: Collection[str],
    annotated: Collection[str],
    batch_size: int,
) -> list[torch.Tensor]:
    """The model's label probabilities for every labelled word of every window, over the labels it had
    before it was widened (`known`; the new labels' columns are zero), and NaN rows, which
    `distillation_loss` leaves out, for the words of an entity of an `annotated` type: there the user's
    label is taught alone."""
    probabilities = tagger.word_probabilities(
        [s.words for s in sentences], batch_size, contexts=[s.context for s in sentences]
    )
    old = torch.tensor([label in known for label in tagger.labels])
    users = {index for index, label in enumerate(tagger.labels) if parse_tag(label)[1] in annotated}
    targets = []
    for window in windows:
        labelled = labelled_words(window)
        rows = torch.from_numpy(probabilities[window.sentence][[word for word, _ in labelled]]).float()
        rows = torch.where(old, rows, torch.zeros_like(rows))
        rows = rows / rows.sum(-1, keepdim=True)
        rows[torch.tensor([label in users for _, label in labelled], dtype=torch.bool)] = float("nan")
        targets.append(rows)
    return targets
