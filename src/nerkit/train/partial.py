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

import numpy as np
import torch

from nerkit.corpus import Sentence
from nerkit.encode import Window
from nerkit.labels import OUTSIDE, UNKNOWN, parse_tag, spans
from nerkit.model import Tagger
from nerkit.train.distill import labelled_words


def completed(
    tagger: Tagger,
    sentences: Sequence[Sentence],
    probabilities: Sequence[np.ndarray],
    annotated: Collection[str],
) -> list[Sentence]:
    """`sentences` with the model's spans (decoded from its `probabilities` of them, before it is
    widened) of the types not in `annotated` added where the sentence has no annotated entity (its
    unmarked and unknown words)."""
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
    probabilities: Sequence[np.ndarray],
    known: Sequence[str],
    labels: Sequence[str],
    windows: Sequence[Window],
    annotated: Collection[str],
) -> list[torch.Tensor]:
    """The starting model's label probabilities (over its `known` labels, read before it was widened)
    for every labelled word of every window, placed in the widened `labels` (the new labels' columns
    zero), and NaN rows, which `distillation_loss` leaves out, for the words of an entity of an
    `annotated` type: there the user's label is taught alone."""
    columns = torch.tensor([list(labels).index(label) for label in known])
    users = {index for index, label in enumerate(labels) if parse_tag(label)[1] in annotated}
    targets = []
    for window in windows:
        labelled = labelled_words(window)
        rows = torch.zeros(len(labelled), len(labels))
        rows[:, columns] = torch.from_numpy(
            probabilities[window.sentence][[word for word, _ in labelled]]
        ).float()
        rows[torch.tensor([label in users for _, label in labelled], dtype=torch.bool)] = float("nan")
        targets.append(rows)
    return targets
