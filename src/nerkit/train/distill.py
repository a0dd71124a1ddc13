"""Distillation: a model learns from gold labels and from trained teachers' label probabilities.

Several teachers make an ensemble whose knowledge ends up in one model of the usual size and speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from nerkit.encode import IGNORE, Context, Window
from nerkit.errors import NerkitError
from nerkit.model import Tagger
from nerkit.modeldir import own_model


def distillation_loss(logits: torch.Tensor, soft_labels: torch.Tensor) -> torch.Tensor | None:
    """KL divergence from the teachers' label distribution to the student's, one row per labelled word
    the teachers taught (NaN rows are words of sentences they do not teach); None where they taught none."""
    taught = ~soft_labels.isnan().any(-1)
    if not taught.any():
        return None
    return torch.nn.functional.kl_div(
        logits[taught].float().log_softmax(-1), soft_labels[taught], reduction="batchmean"
    )


def load_teachers(paths: Sequence[str], tagger: Tagger, device: torch.device) -> list[Tagger]:
    """A teacher must predict the student's labels; it may read the words its own way (another
    encoder and tokenizer, word shapes or not, document context or not): nerkit's labels belong to
    words, so a base-size MPNet can teach the 6-layer MiniLM."""
    teachers = []
    for path in paths:
        teacher = Tagger.load(own_model(path, "a teacher"), device, backend="torch")
        if teacher.labels != tagger.labels:
            raise NerkitError(
                "E036",
                f"teacher {path} predicts other labels than the student ({', '.join(teacher.labels)})",
                hint="Distil from a model trained on the same corpus or label set.",
            )
        teacher.model.eval()
        teachers.append(teacher)
    return teachers


def labelled_words(window: Window) -> list[tuple[int, int]]:
    """Each word the window labels, with its label id, in order: the rows of the window's soft targets."""
    return [
        (word, window.labels[position])
        for word, position in zip(window.words, window.first_subwords, strict=True)
        if window.labels[position] != IGNORE
    ]


def soft_labels(
    teachers: Sequence[Tagger],
    sentences: Sequence[Sequence[str]],
    contexts: Sequence[Context],
    windows: Sequence[Window],
    batch_size: int,
    progress: bool,
    taught: Sequence[bool] | None = None,
) -> list[torch.Tensor]:
    """The teachers' averaged label probabilities for each labelled word of every training window
    (the student's windows of `sentences`). Each teacher reads the sentences through its own
    tokenizer and windows and gives one distribution per word (at its first subword), which lands on
    the student's word wherever the student's tokenizer cut it. Teachers are fixed and run without
    dropout, so one pass before training gives the same targets as a pass at every step, at a
    fraction of the cost (several teachers would outweigh the student).

    Only the sentences `taught` marks are read: the words of the others get NaN rows, which
    `distillation_loss`'s caller leaves out, so a teacher that knows newswire does not teach emails."""
    chosen = [i for i in range(len(sentences)) if taught is None or taught[i]]
    total: list[np.ndarray] | None = None
    for teacher in tqdm(teachers, desc="teachers", unit="teacher", disable=not progress, leave=False):
        found = teacher.word_probabilities(
            [sentences[i] for i in chosen], batch_size, progress, [contexts[i] for i in chosen]
        )
        total = found if total is None else [a + b for a, b in zip(total, found, strict=True)]
    assert total is not None
    rows = dict(zip(chosen, total, strict=True))
    width = len(teachers[0].labels)
    soft = []
    for window in windows:
        labelled = [word for word, _ in labelled_words(window)]
        found_rows = rows.get(window.sentence)
        soft.append(
            torch.from_numpy(found_rows[labelled] / len(teachers)).float()
            if found_rows is not None
            else torch.full((len(labelled), width), float("nan"))
        )
    return soft
